"""Staff watch a call live and take it over, from a monitor connected over the channel layer."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from calls.models import Call, Turn, TurnSource
from profiles.models import PhoneProfile
from tests.calls.browser import browser_socket, next_message, wait_for
from tests.calls.relay import Twilio, spoken_text

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CALL_SID = "CA00000000000000000000000000000001"
MONITOR = f"/ws/calls/{CALL_SID}/monitor/"


@pytest.fixture
def relay_ready(twilio_settings, profile, llm):
    llm.behaviour.reply = "We open at nine in the morning."
    return llm


async def watch(cookie: bytes, after: int = 0):
    monitor, connected = await browser_socket(f"{MONITOR}?after={after}", cookie=cookie)
    assert connected
    return monitor


def turn_with(text: str):
    return lambda message: message["type"] == "turn" and text in message["html"]


@database_sync_to_async
def staff_turns() -> list[tuple[str, str, str]]:
    return [
        (t.role, t.text, t.staff_name)
        for t in Turn.objects.filter(source=TurnSource.STAFF).order_by("sequence")
    ]


async def test_the_monitor_shows_each_turn_as_it_happens(relay_ready, staff_cookie):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    await twilio.say("What time do you open?")
    assert "nine" in spoken_text(await twilio.answer())

    caller = await wait_for(monitor, turn_with("What time do you open?"))
    answer = await wait_for(monitor, turn_with("We open at nine in the morning."))
    assert caller["sequence"] < answer["sequence"]
    assert f'id="turn-{answer["sequence"]}"' in answer["html"]
    await twilio.hang_up()
    await wait_for(monitor, lambda m: m["type"] == "state" and m["event"] == "ended")
    await monitor.disconnect()


async def test_a_monitor_opened_late_gets_the_turns_it_missed(relay_ready, staff_cookie):
    twilio = await Twilio.connect()
    await twilio.say("Do you take walk-ins?")
    await twilio.answer()
    await twilio.hang_up()  # everything is written

    monitor = await watch(staff_cookie, after=1)  # the page already shows the greeting
    first = await next_message(monitor)
    assert first["type"] == "turn" and "walk-ins" in first["html"]
    assert first["sequence"] == 2
    await monitor.disconnect()


async def test_a_typed_sentence_is_heard_by_the_caller_and_kept_with_the_staff_name(
    relay_ready, staff_cookie
):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    await monitor.send_json_to({"action": "say", "text": "Hi, this is Sam from the front desk."})

    frame = await twilio.frame()
    assert frame == {
        "type": "text",
        "token": "Hi, this is Sam from the front desk.",
        "last": True,
    }
    assert (await wait_for(monitor, lambda m: m["type"] == "sent")) == {
        "type": "sent",
        "action": "say",
    }
    shown = await wait_for(monitor, turn_with("Hi, this is Sam from the front desk."))
    assert "sam" in shown["html"]
    assert await staff_turns() == [("assistant", "Hi, this is Sam from the front desk.", "sam")]
    await twilio.hang_up()
    await monitor.disconnect()


async def test_the_caller_answers_a_typed_sentence_and_the_assistant_knows_it(
    relay_ready, staff_cookie
):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    await monitor.send_json_to({"action": "say", "text": "Is your visit about a toothache?"})
    await twilio.frame()
    await twilio.say("Yes it is.")
    await twilio.answer()
    last_request = relay_ready.exchanges[-1].messages
    said = [m["content"] for m in last_request if m["role"] == "assistant"]
    assert "Is your visit about a toothache?" in said
    await twilio.hang_up()
    await monitor.disconnect()


async def test_a_paused_assistant_lets_staff_answer_until_resumed(relay_ready, staff_cookie):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    await monitor.send_json_to({"action": "pause"})
    paused = await wait_for(monitor, lambda m: m["type"] == "state" and m["event"] == "paused")
    assert paused["staff_name"] == "sam"

    await twilio.say("What time do you open?")
    assert await twilio.nothing(0.8)  # the assistant stays quiet
    await wait_for(monitor, turn_with("What time do you open?"))  # staff still see the caller

    await monitor.send_json_to({"action": "resume"})
    await wait_for(monitor, lambda m: m["type"] == "state" and m["event"] == "resumed")
    await twilio.say("What time do you open?")
    assert "nine" in spoken_text(await twilio.answer())
    await twilio.hang_up()
    assert await staff_turns() == [
        ("system", "assistant paused", "sam"),
        ("system", "assistant resumed", "sam"),
    ]
    await monitor.disconnect()


async def test_staff_hand_the_call_to_a_person(relay_ready, staff_cookie):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    await monitor.send_json_to({"action": "handoff"})
    frame = await twilio.frame()
    assert frame["type"] == "end"
    handoff = json.loads(frame["handoffData"])
    assert handoff["reasonCode"] == "live_agent_request"
    assert handoff["staff"] == "sam"
    ending = await wait_for(monitor, lambda m: m["type"] == "state" and m["event"] == "ending")
    assert ending["reason_code"] == "live_agent_request" and ending["staff_name"] == "sam"
    note = await wait_for(monitor, turn_with("handoff: live_agent_request"))
    assert "sam" in note["html"]  # the note names who handed the call over
    await twilio.hang_up()
    await monitor.disconnect()


async def test_a_call_with_nobody_to_take_it_cannot_be_handed_over(relay_ready, staff_cookie):
    await database_sync_to_async(PhoneProfile.objects.filter(number="+15550100001").update)(
        live_agent_number=""
    )
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    state = await wait_for(monitor, lambda m: m["type"] == "state")
    assert state["can_hand_off"] is False
    await monitor.send_json_to({"action": "handoff"})
    error = await wait_for(monitor, lambda m: m["type"] == "error")
    assert "no live agent number or handoff menu" in error["message"]
    assert await twilio.nothing()
    await twilio.hang_up()
    await monitor.disconnect()


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        ({"action": "say", "text": "   "}, "Type what the caller should hear."),
        ({"action": "say", "text": "x" * 501}, "Keep it under 500 characters."),
        ({"action": "shout"}, "Unknown action"),
        ("not json", "Send a JSON object."),
    ],
)
async def test_a_bad_takeover_request_gets_a_clear_error(relay_ready, staff_cookie, sent, error):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    if isinstance(sent, str):
        await monitor.send_to(text_data=sent)
    else:
        await monitor.send_json_to(sent)
    message = await wait_for(monitor, lambda m: m["type"] == "error")
    assert error in message["message"]
    assert await twilio.nothing()
    await twilio.hang_up()
    await monitor.disconnect()


async def test_taking_over_an_ended_call_is_refused(relay_ready, staff_cookie):
    twilio = await Twilio.connect()
    await twilio.hang_up()
    await database_sync_to_async(
        lambda: Call.objects.filter(call_sid=CALL_SID).update(status="completed")
    )()
    monitor = await watch(staff_cookie)
    await monitor.send_json_to({"action": "say", "text": "Hello?"})
    message = await wait_for(monitor, lambda m: m["type"] == "error")
    assert message["message"] == "The call has ended."
    await monitor.disconnect()


async def test_only_staff_on_this_site_may_watch(relay_ready, staff_cookie, outsider_cookie):
    twilio = await Twilio.connect()
    for cookie, origin in [
        (None, b"https://public.example"),
        (outsider_cookie, b"https://public.example"),
        (staff_cookie, b"https://evil.example"),
        (staff_cookie, None),
    ]:
        _, connected = await browser_socket(MONITOR, cookie=cookie, origin=origin)
        assert not connected, (cookie, origin)
    _, connected = await browser_socket(
        "/ws/calls/CA0000000000000000000000000000dead/monitor/", cookie=staff_cookie
    )
    assert not connected
    await twilio.hang_up()


async def test_the_live_list_hears_calls_start_speak_and_end(relay_ready, staff_cookie):
    listener, connected = await browser_socket("/ws/calls/live/", cookie=staff_cookie)
    assert connected
    _, refused = await browser_socket("/ws/calls/live/", cookie=None)
    assert not refused

    twilio = await Twilio.connect()
    started = await wait_for(listener, lambda m: m["event"] == "started")
    assert started["call_sid"] == CALL_SID
    assert started["profile"] == "Bright Smile Dental"
    await twilio.say("What time do you open?")
    await twilio.answer()
    spoke = await wait_for(listener, lambda m: m["event"] == "turn" and m["role"] == "assistant")
    assert "nine" in spoke["text"]
    await twilio.hang_up()
    await wait_for(listener, lambda m: m["event"] == "ended")
    await listener.disconnect()


@pytest.fixture
def redis_layer(settings, redis_url):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "voiceai.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "voiceai-test-monitor"},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def test_takeover_travels_through_the_redis_channel_layer(
    relay_ready, staff_cookie, redis_layer
):
    twilio = await Twilio.connect()
    monitor = await watch(staff_cookie)
    await twilio.say("What time do you open?")
    await twilio.answer()
    await wait_for(monitor, turn_with("We open at nine in the morning."))
    await monitor.send_json_to({"action": "say", "text": "Sam here, anything else?"})
    assert (await twilio.frame())["token"] == "Sam here, anything else?"
    await twilio.hang_up()
    await monitor.disconnect()
