"""The conversation over /ws/relay/, spoken exactly as Twilio speaks it."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from calls.models import Call, CallEvent, Turn
from calls.session import RelaySession
from tests.calls.relay import Twilio, relay_signature, setup_frame, spoken_text, start_call

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def relay_ready(twilio_settings, profile, llm):
    twilio_settings.RELAY_DTMF_PAUSE_MS = 300
    # Transcripts below start with the caller; the greeting has its own test.
    profile.welcome_greeting = ""
    profile.save()
    return llm


@database_sync_to_async
def turns() -> list[tuple[str, str, str]]:
    return [(t.role, t.source, t.text) for t in Turn.objects.order_by("sequence")]


@database_sync_to_async
def turn_rows() -> list[Turn]:
    return list(Turn.objects.order_by("sequence"))


async def test_an_unsigned_handshake_is_refused(relay_ready):
    from voiceai.asgi import application

    communicator = WebsocketCommunicator(application, "/ws/relay/")
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_handshake_signed_for_another_url_is_refused(relay_ready):
    from voiceai.asgi import application

    signature = relay_signature("https://public.example/ws/relay/")
    communicator = WebsocketCommunicator(
        application, "/ws/relay/", headers=[(b"x-twilio-signature", signature)]
    )
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.parametrize("token", ["", "forged.token:value", "__other_call__"])
async def test_a_setup_without_a_valid_session_token_is_closed(relay_ready, token):
    twilio = await Twilio.connect(setup=False)
    if token == "__other_call__":
        token = (await start_call("CA00000000000000000000000000000077"))["session"]
    await twilio.send(setup_frame({"session": token}))
    output = await twilio.ws.receive_output(2)
    assert output["type"] == "websocket.close"


@pytest.mark.parametrize("parameters", ["missing", None])
async def test_a_setup_without_custom_parameters_is_closed_cleanly(relay_ready, parameters):
    twilio = await Twilio.connect(setup=False)
    frame = setup_frame({})
    if parameters == "missing":
        del frame["customParameters"]
    else:
        frame["customParameters"] = None
    await twilio.send(frame)
    output = await twilio.ws.receive_output(2)
    assert output == {"type": "websocket.close", "code": 1000}  # refused, not a crash (1011)


async def test_a_relay_session_marks_the_call_in_progress(relay_ready):
    twilio = await Twilio.connect()  # the voice webhook recorded the call as ringing
    await twilio.hang_up()
    call = await database_sync_to_async(Call.objects.get)()
    assert call.status == "in-progress"


async def test_the_welcome_greeting_starts_the_transcript(relay_ready, profile):
    profile.welcome_greeting = "Hello, Bright Smile Dental. How can I help?"
    await database_sync_to_async(profile.save)()
    twilio = await Twilio.connect()
    await twilio.hang_up()
    assert await turns() == [("assistant", "system", profile.welcome_greeting)]


async def test_a_greeting_is_answered_locally_without_the_llm(relay_ready):
    twilio = await Twilio.connect()
    await twilio.say("Hello!")
    [reply] = await twilio.answer()
    assert reply["last"] is True
    assert reply["token"].startswith(("Hi!", "Hello!"))
    assert reply["token"].endswith("?")  # it asks how it can help
    assert relay_ready.exchanges == []
    await twilio.hang_up()
    assert [role for role, _, _ in await turns()] == ["caller", "assistant"]


async def test_a_question_is_answered_by_the_llm_in_clause_sized_frames(relay_ready):
    relay_ready.reset(reply="We open at eight in the morning, Monday to Friday. See you soon!")
    twilio = await Twilio.connect()
    await twilio.say("What time do you open?")
    frames = await twilio.answer()
    assert spoken_text(frames) == "We open at eight in the morning, Monday to Friday. See you soon!"
    assert len(frames) >= 2
    assert all(len(f["token"]) <= 256 for f in frames)
    request = relay_ready.exchanges[-1]
    assert request.model == "gpt-secret-model"
    assert request.messages[0]["role"] == "system"
    assert "SECRET-INSTRUCTIONS" in request.messages[0]["content"]
    assert "spoken aloud" in request.messages[0]["content"]
    assert request.messages[-1] == {"role": "user", "content": "What time do you open?"}
    await twilio.hang_up()
    caller, assistant = await turn_rows()
    assert (caller.role, caller.text) == ("caller", "What time do you open?")
    assert assistant.source == "llm" and assistant.text.startswith("We open at eight")
    assert assistant.ms_to_first_text is not None
    assert assistant.ms_to_last_text >= assistant.ms_to_first_text


async def test_an_interrupt_stops_the_answer_and_the_llm_stream_at_once(relay_ready):
    relay_ready.reset(reply="Sentence one is here. Sentence two is here. " * 20, token_delay=0.02)
    twilio = await Twilio.connect()
    await twilio.say("Tell me everything about your services.")
    first = await twilio.frame()
    assert first["type"] == "text"
    await twilio.send(
        {
            "type": "interrupt",
            "utteranceUntilInterrupt": "Sentence one",
            "durationUntilInterruptMs": "460",
        }
    )
    exchange = await asyncio.to_thread(relay_ready.wait_for_hangup)
    assert exchange.client_gone_at is not None and exchange.finished is None
    # Nothing more is said for the interrupted answer (frames already in flight aside).
    while not await twilio.nothing(0.2):
        assert (await twilio.frame())["type"] == "text"
    assert await twilio.nothing(0.3)

    relay_ready.reset(reply="Sure.")
    await twilio.say("Actually, just the prices.")
    await twilio.answer()
    history = relay_ready.exchanges[-1].messages
    assert {"role": "assistant", "content": "Sentence one"} in history
    await twilio.hang_up()
    answer = next(t for t in await turn_rows() if t.role == "assistant")
    assert answer.interrupted and answer.text_heard == "Sentence one"
    assert answer.text.startswith("Sentence one is here.")


async def test_a_new_prompt_replaces_the_answer_in_progress(relay_ready):
    relay_ready.reset(reply="word " * 200, token_delay=0.01)
    twilio = await Twilio.connect()
    await twilio.say("Tell me a long story.")
    await twilio.frame()
    relay_ready.reset(reply="Our address is 120 Harbor Street.")
    await twilio.say("Where are you?")
    frames = []
    while not frames or not frames[-1].get("last"):
        frames.append(await twilio.frame())
    assert spoken_text(frames).endswith("Our address is 120 Harbor Street.")
    await twilio.hang_up()


async def test_a_caller_goodbye_ends_the_session_once_it_is_heard(relay_ready):
    twilio = await Twilio.connect()
    await twilio.say("Thanks, bye!")
    [goodbye] = await twilio.answer()
    assert goodbye["type"] == "text" and goodbye["last"] is True
    assert await twilio.nothing(0.2)  # the goodbye is still being spoken
    await twilio.send({"type": "info", "name": "agentSpeaking", "value": "off"})
    end = await twilio.frame()
    assert end["type"] == "end"
    handoff = json.loads(end["handoffData"])
    assert handoff["reasonCode"] == "goodbye"
    assert handoff["reason"] and handoff["callStartedAt"]
    await twilio.hang_up()


async def test_a_request_for_a_person_hands_the_call_off(relay_ready):
    twilio = await Twilio.connect()
    await twilio.say("Can I talk to a real person, please?")
    await twilio.answer()
    end = await twilio.frame(timeout=10)  # sent after the confirmation has been spoken
    assert json.loads(end["handoffData"])["reasonCode"] == "live_agent_request"
    await twilio.hang_up()


async def test_spanish_speech_switches_the_call_to_spanish(relay_ready):
    relay_ready.reset(reply="Abrimos a las ocho de la mañana.")
    twilio = await Twilio.connect()
    await twilio.say("¿A qué hora abren el lunes?", lang="es")
    switch = await twilio.frame()
    assert switch == {"type": "language", "ttsLanguage": "es-US", "transcriptionLanguage": "es-US"}
    frames = await twilio.answer()
    assert spoken_text(frames) == "Abrimos a las ocho de la mañana."
    assert "Responda en español" in relay_ready.exchanges[-1].messages[0]["content"]
    await twilio.hang_up()
    assert await database_sync_to_async(lambda: Call.objects.get().language)() == "es-US"


async def test_asking_for_english_switches_back(relay_ready):
    twilio = await Twilio.connect()
    await twilio.say("¿Habla español?", lang="es")
    assert (await twilio.frame())["type"] == "language"
    await twilio.answer()
    await twilio.say("English, please.", lang="es")
    switch = await twilio.frame()
    assert switch["ttsLanguage"] == "en-US"
    [reply] = await twilio.answer()
    assert reply["last"] is True
    await twilio.hang_up()


async def test_keypad_digits_become_a_turn_on_hash_or_after_a_pause(relay_ready):
    relay_ready.reset(reply="Got it.")
    twilio = await Twilio.connect()
    for key in "12#":
        await twilio.send({"type": "dtmf", "digit": key})
    await twilio.answer()
    for key in "9*34":
        await twilio.send({"type": "dtmf", "digit": key})
    await twilio.answer()  # submitted by the pause
    await twilio.hang_up()
    keypad = [text for role, source, text in await turns() if source == "dtmf"]
    assert keypad == ["12", "34"]


async def test_spoken_digits_count_as_keypad_when_digits_are_expected(relay_ready):
    relay_ready.reset(reply="Thank you.")
    sent: list[dict] = []

    async def send(frame: dict) -> None:
        sent.append(frame)

    async def close() -> None:
        pass

    session = RelaySession(send=send, close=close)
    await session.receive(json.dumps(setup_frame(await start_call())))
    session.expect_digits(4)  # as a workflow step waiting for a PIN does
    await session.receive(
        json.dumps({"type": "prompt", "voicePrompt": "One, two, three, four.", "last": True})
    )
    await session.turn_task
    await session.disconnected(1000)
    assert sent[-1]["last"] is True
    assert ("caller", "dtmf", "1234") in await turns()


@pytest.mark.parametrize(
    "bad",
    [
        "this is not json",
        json.dumps(["a", "list"]),
        json.dumps({"voicePrompt": "no type"}),
        json.dumps({"type": "prompt", "voicePrompt": 42, "last": True}),
        json.dumps({"type": "prompt", "voicePrompt": "hi", "last": "yes"}),
        json.dumps({"type": "dtmf", "digit": "x"}),
        json.dumps({"type": "setup", "callSid": "CA1", "customParameters": "nope"}),
        json.dumps({"type": "prompt", "voicePrompt": "x" * 70000, "last": True}),
        json.dumps({"type": "ping"}),
        json.dumps({"type": "error", "description": "Invalid message received"}),
    ],
)
async def test_bad_frames_are_logged_and_the_call_goes_on(relay_ready, bad):
    relay_ready.reset(reply="Still here.")
    twilio = await Twilio.connect()
    await twilio.ws.send_to(text_data=bad)
    await twilio.ws.send_to(bytes_data=b"\x00\x01binary")
    assert await twilio.nothing(0.2)  # never an error frame back to Twilio
    await twilio.say("Are you still there?")
    assert spoken_text(await twilio.answer()) == "Still here."
    await twilio.hang_up()
    events = await database_sync_to_async(
        lambda: list(CallEvent.objects.values_list("type", flat=True))
    )()
    assert "invalid" in events


async def test_a_prompt_before_setup_is_ignored(relay_ready):
    twilio = await Twilio.connect(setup=False)
    await twilio.say("Hello?")
    assert await twilio.nothing(0.2)
    await twilio.hang_up()


async def test_an_llm_error_gets_an_apology_and_the_call_continues(relay_ready):
    relay_ready.reset(fail_with_status=500)
    twilio = await Twilio.connect()
    await twilio.say("What are your prices?")
    assert "trouble answering" in spoken_text(await twilio.answer())
    relay_ready.reset(reply="A check-up costs 120 dollars.")
    await twilio.say("What are your prices?")
    assert spoken_text(await twilio.answer()) == "A check-up costs 120 dollars."
    await twilio.hang_up()
    failed = next(t for t in await turn_rows() if t.role == "assistant")
    assert "500" in failed.error and failed.source == "system"


async def test_a_failing_model_falls_back_to_the_fallback_model(relay_ready, profile):
    profile.fallback_llm_model = "backup-model"
    await database_sync_to_async(profile.save)()
    relay_ready.reset(stall=True)
    relay_ready_settings = relay_ready
    from django.conf import settings

    settings.LLM_TIMEOUT_SECONDS = 1
    twilio = await Twilio.connect()
    await twilio.say("Do you take Cigna?")

    async def unstall():
        while len(relay_ready_settings.exchanges) < 1:
            await asyncio.sleep(0.01)
        relay_ready_settings.behaviour.stall = False
        relay_ready_settings.behaviour.reply = "Yes, we take Cigna."

    await unstall()
    frames = await twilio.answer(timeout=5)
    assert spoken_text(frames) == "Yes, we take Cigna."
    assert [e.model for e in relay_ready.exchanges] == ["gpt-secret-model", "backup-model"]
    await twilio.hang_up()


async def test_a_slow_llm_gets_a_filler_first(relay_ready, profile):
    profile.filler_delay_ms = 200
    await database_sync_to_async(profile.save)()
    relay_ready.reset(reply="We are open on Saturdays.", first_token_delay=0.6)
    twilio = await Twilio.connect()
    await twilio.say("Are you open on Saturday?")
    frames = await twilio.answer()
    assert frames[0]["preemptible"] is True
    assert frames[0]["token"].startswith("Let me check")
    assert spoken_text(frames) == "We are open on Saturdays."
    await twilio.hang_up()


async def test_without_an_llm_the_assistant_says_so(relay_ready, settings):
    settings.OPENAI_API_KEY = ""
    twilio = await Twilio.connect()
    await twilio.say("What are your hours?")
    assert "no language model is configured" in spoken_text(await twilio.answer())
    await twilio.hang_up()


async def test_a_reconnect_continues_the_same_transcript(relay_ready):
    relay_ready.reset(reply="We are at 120 Harbor Street.")
    first = await Twilio.connect()
    await first.say("Where are you?")
    await first.answer()
    await first.hang_up()
    relay_ready.reset(reply="Yes, there is free parking.")
    second = await Twilio.connect()
    await second.say("Is there parking?")
    await second.answer()
    await second.hang_up()
    history = relay_ready.exchanges[-1].messages
    assert {"role": "user", "content": "Where are you?"} in history
    assert [t.sequence for t in await turn_rows()] == [1, 2, 3, 4]


async def test_a_silent_call_is_closed_and_recorded(relay_ready, settings):
    settings.RELAY_SILENCE_TIMEOUT_SECONDS = 0.3
    twilio = await Twilio.connect()
    output = await twilio.ws.receive_output(3)
    assert output["type"] == "websocket.close"
    await twilio.hang_up()
    assert any("silence" in text for _, _, text in await turns())
