"""Fuzzing: random and mutated ConversationRelay frames and Twilio webhook bodies.

Whatever arrives, the server never crashes a session (no WebSocket close 1011, no unhandled
exception), never answers a webhook with a 500, and a well-formed call afterwards is answered.
"""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.calls.conftest import AUTH_TOKEN, PUBLIC
from tests.calls.relay import Twilio, relay_signature, setup_frame, start_call
from tests.twilio_recordings import recorded_events

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = [
    "type", "voicePrompt", "lang", "last", "digit", "utteranceUntilInterrupt",
    "durationUntilInterruptMs", "name", "value", "description", "callSid", "sessionId",
    "customParameters", "token", "handoffData",
]  # fmt: skip
TYPES = ["setup", "prompt", "interrupt", "dtmf", "info", "error", "text", "end", "", "PROMPT"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
random_objects = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=12), json_values, max_size=6
)
typed_objects = st.builds(
    lambda kind, rest: {"type": kind, **rest},
    st.sampled_from(TYPES) | st.text(max_size=8),
    random_objects,
)


def _recorded_inbound() -> list[dict]:
    frames = [e["frame"] for e in recorded_events("interrupt") if e["dir"] == "in"]
    return [f for f in frames if isinstance(f, dict)]


@st.composite
def mutated_recorded(draw) -> dict:
    """A frame Twilio really sent, with one field replaced, removed or added."""
    frame = dict(draw(st.sampled_from(_recorded_inbound())))
    key = draw(st.sampled_from([*frame, *FIELDS]))
    if draw(st.booleans()) and key in frame:
        del frame[key]
    else:
        frame[key] = draw(json_values)
    return frame


frames = st.one_of(
    typed_objects.map(json.dumps),
    mutated_recorded().map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=64),
    random_objects.map(json.dumps),
)


async def _play(messages: list[str | bytes]) -> None:
    from voiceai.asgi import application

    parameters = await start_call()
    relay = WebsocketCommunicator(
        application, "/ws/relay/", headers=[(b"x-twilio-signature", relay_signature())]
    )
    connected, _ = await relay.connect()
    assert connected
    await relay.send_to(text_data=json.dumps(setup_frame(parameters)))
    for message in messages:
        # Straight to the application: the test client refuses an empty text frame.
        key = "bytes" if isinstance(message, bytes) else "text"
        await relay.send_input({"type": "websocket.receive", key: message})
    await asyncio.sleep(0.05)
    # Drain what the session said; it may have ended the call (a random "goodbye"), never
    # crashed it: a crash surfaces here as the application's exception or a 1011 close.
    while not await relay.receive_nothing(0.05):
        output = await relay.receive_output()
        if output["type"] == "websocket.close":
            assert output.get("code", 1000) == 1000, output
            break
    await relay.disconnect()

    # A well-formed call afterwards still gets its answer.
    twilio = await Twilio.connect(call_sid="CA000000000000000000000000000000ff")
    await twilio.say("Hello!")
    answer = await twilio.answer()
    assert answer[-1]["type"] == "text" and answer[-1]["last"] is True
    await twilio.hang_up()


@pytest.fixture
def quiet_relay(twilio_settings, profile, settings):
    settings.OPENAI_API_KEY = ""  # answers come from rules or the (empty) knowledge base
    settings.RELAY_DTMF_PAUSE_MS = 200


# No shrinking: a failure is reported as found (shrinking these inputs can take many minutes).
FAST = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(
    max_examples=60,
    deadline=None,
    phases=FAST,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(messages=st.lists(frames, min_size=20, max_size=60))
def test_random_and_mutated_frames_never_break_a_session(quiet_relay, messages):
    asyncio.run(_play(messages))


WEBHOOKS = ["/twilio/voice/", "/twilio/relay-action/", "/twilio/gather/", "/twilio/status/"]
FORM_KEYS = [
    "CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "SessionStatus",
    "HandoffData", "Digits", "SpeechResult", "CallDuration", "DialCallStatus", "ErrorCode",
]  # fmt: skip
form_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["+15550100001", "completed", "ended", "failed", "in-progress", "1", "#"]),
    json_values.map(json.dumps),
)
forms = st.dictionaries(st.sampled_from(FORM_KEYS) | st.text(max_size=10), form_values)


@settings(
    max_examples=300,
    deadline=None,
    phases=FAST,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(WEBHOOKS),
    query=st.sampled_from(["", "?after=dial", "?menu=x&attempt=9"]),
    form=forms,
)
def test_random_signed_webhooks_never_get_a_500(quiet_relay, path, query, form):
    # Text Twilio would never send: NUL characters cannot be stored in PostgreSQL text.
    form = {k.replace("\x00", ""): v.replace("\x00", "") for k, v in form.items()}
    url = f"{PUBLIC}{path}{query}"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    response = Client().post(f"{path}{query}", form, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code in (200, 400, 403), response.content[:500]
