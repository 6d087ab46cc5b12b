"""The browser simulator: a staff member calls a profile over the real relay protocol."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from calls.models import Call, Turn
from profiles.models import PhoneProfile
from tests.calls.browser import browser_socket, next_message
from tests.calls.relay import setup_frame, start_call

SIMULATOR = "/simulator/"
START = "/simulator/calls/"


# --- the page and starting a call ---------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in (SIMULATOR, START, "/calls/live/"):
        response = client.get(path) if path != START else client.post(path)
        assert response.status_code == 302, path
        assert "login" in response["Location"]


@pytest.mark.django_db
def test_users_who_are_not_staff_are_refused(client, outsider_user, profile):
    client.force_login(outsider_user)
    assert client.get(SIMULATOR).status_code == 403
    assert client.post(START, {"profile": profile.pk}).status_code == 403
    assert client.get("/calls/live/").status_code == 403
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_simulator_offers_the_active_profiles(staff_client, profile):
    PhoneProfile.objects.create(number="+15550100002", name="Closed Branch", is_active=False)
    page = staff_client.get(SIMULATOR).content.decode()
    assert "Bright Smile Dental (+15550100001)" in page
    assert "Closed Branch" not in page


@pytest.mark.django_db
def test_starting_a_call_gives_the_setup_frame_twilio_would_send(staff_client, profile):
    response = staff_client.post(START, {"profile": profile.pk})
    assert response.status_code == 201
    started = response.json()
    call = Call.objects.get(call_sid=started["callSid"])
    assert call.simulated
    assert call.profile == profile
    assert call.from_number == "simulator:sam"
    assert call.status == "in-progress"
    setup = started["setup"]
    assert setup["type"] == "setup"
    assert setup["callSid"] == call.call_sid
    assert setup["to"] == "+15550100001"
    assert set(setup["customParameters"]) == {"session", "greeting"}
    assert started["greeting"] == "Hello, Bright Smile Dental. How can I help?"
    assert started["transcriptUrl"] == f"/calls/{call.call_sid}/"


@pytest.mark.django_db
@pytest.mark.parametrize("profile_field", ["", "abc", "999999"])
def test_starting_a_call_needs_an_active_profile(staff_client, profile, profile_field):
    response = staff_client.post(START, {"profile": profile_field})
    assert response.status_code in (400, 404)
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_starting_a_call_needs_the_csrf_token(staff_user, profile):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(START, {"profile": profile.pk}).status_code == 403
    assert client.get(START).status_code == 405


@pytest.mark.django_db
def test_the_live_list_shows_only_calls_going_on(staff_client, profile):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    Call.objects.create(
        call_sid="CAlive",
        profile=profile,
        from_number="+15550000001",
        started_at=now,
        status="in-progress",
    )
    Call.objects.create(
        call_sid="CAover",
        profile=profile,
        from_number="+15550000002",
        started_at=now,
        status="completed",
        ended_at=now,
    )
    Call.objects.create(
        call_sid="CAstale",
        profile=profile,
        from_number="+15550000003",
        started_at=now - timedelta(days=1),
        status="in-progress",
    )
    Turn.objects.create(
        call=Call.objects.get(call_sid="CAlive"), sequence=1, role="caller", text="Are you open?"
    )
    page = staff_client.get("/calls/live/").content.decode()
    assert "+15550000001" in page
    assert "Caller: Are you open?" in page
    assert "+15550000002" not in page and "+15550000003" not in page
    rows = staff_client.get("/calls/live/?fragment=1").content.decode()
    assert "+15550000001" in rows and "<html" not in rows


# --- the call itself, over /ws/relay/ -----------------------------------------------------------


@pytest.fixture
def simulator_call(twilio_settings, profile, staff_user, llm):
    """A simulated call started by staff: (session cookie, start response)."""
    llm.behaviour.reply = "We open at nine in the morning."
    client = Client()
    client.force_login(staff_user)
    started = client.post(START, {"profile": profile.pk}).json()
    return f"sessionid={client.cookies['sessionid'].value}".encode(), started


@database_sync_to_async
def call_row(call_sid: str) -> Call:
    return Call.objects.get(call_sid=call_sid)


@database_sync_to_async
def turn_texts(call_sid: str) -> list[tuple[str, str]]:
    return [(t.role, t.text) for t in Turn.objects.filter(call__call_sid=call_sid)]


async def answer(relay) -> str:
    text = ""
    while True:
        frame = await next_message(relay)
        if frame["type"] == "text" and not frame.get("preemptible"):
            text += frame["token"]
        if frame.get("last") or frame["type"] == "end":
            return text


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_staff_browser_talks_to_the_assistant_without_a_twilio_signature(simulator_call):
    cookie, started = simulator_call
    relay, connected = await browser_socket("/ws/relay/", cookie=cookie)
    assert connected
    await relay.send_json_to(started["setup"])
    await relay.send_json_to(
        {"type": "prompt", "voicePrompt": "When do you open?", "lang": "en-US", "last": True}
    )
    assert await answer(relay) == "We open at nine in the morning."
    await relay.disconnect()

    call = await call_row(started["callSid"])
    assert call.status == "completed" and call.end_reason == "completed"
    assert call.ended_at is not None
    assert call.summary is not None  # the hang-up ends the call, so it is summarised
    assert await turn_texts(started["callSid"]) == [
        ("assistant", "Hello, Bright Smile Dental. How can I help?"),
        ("caller", "When do you open?"),
        ("assistant", "We open at nine in the morning."),
    ]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_simulated_goodbye_ends_the_call_as_goodbye(simulator_call):
    cookie, started = simulator_call
    relay, _ = await browser_socket("/ws/relay/", cookie=cookie)
    await relay.send_json_to(started["setup"])
    await relay.send_json_to(
        {"type": "prompt", "voicePrompt": "Goodbye!", "lang": "en-US", "last": True}
    )
    await answer(relay)
    await relay.send_json_to({"type": "info", "name": "agentSpeaking", "value": "off"})
    end = await next_message(relay)
    assert end["type"] == "end"
    assert json.loads(end["handoffData"])["reasonCode"] == "goodbye"
    await relay.disconnect()
    call = await call_row(started["callSid"])
    assert call.end_reason == "goodbye"
    assert call.handoff_data["reasonCode"] == "goodbye"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_browser_cannot_join_a_phone_call(simulator_call):
    cookie, _ = simulator_call
    parameters = await start_call("CA00000000000000000000000000000042")  # a real Twilio call
    relay, connected = await browser_socket("/ws/relay/", cookie=cookie)
    assert connected
    await relay.send_json_to(setup_frame(parameters, "CA00000000000000000000000000000042"))
    assert (await relay.receive_output(5))["type"] == "websocket.close"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_only_staff_from_this_site_may_use_the_relay_without_a_signature(
    simulator_call, outsider_cookie
):
    cookie, _ = simulator_call
    for who, origin in [
        (None, b"https://public.example"),
        (outsider_cookie, b"https://public.example"),
        (cookie, b"https://evil.example"),
        (cookie, None),
    ]:
        _, connected = await browser_socket("/ws/relay/", cookie=who, origin=origin)
        assert not connected, (who, origin)
