"""The handoff menu routes the caller's key or words; status callbacks record how calls end."""

import pytest

from calls.models import Call
from profiles.models import HandoffMenuOption
from tests.calls.conftest import spoken, twiml
from tests.twilio_recordings import recorded_webhook, recorded_webhooks

CALL_SID = "CA00000000000000000000000000000001"


@pytest.fixture
def call(fake_twilio, profile):
    fake_twilio.post("/twilio/voice/", recorded_webhook("end-then-say-hangup", "/voice"))
    HandoffMenuOption.objects.create(
        profile=profile,
        digit="1",
        label="appointments",
        keywords="booking, cita",
        action="dial",
        number="+15550100098",
    )
    HandoffMenuOption.objects.create(
        profile=profile,
        digit="2",
        label="billing",
        action="message",
        message="Please email billing at our office.",
    )
    HandoffMenuOption.objects.create(
        profile=profile, digit="3", label="the assistant", action="assistant"
    )
    HandoffMenuOption.objects.create(
        profile=profile,
        digit="2",
        language="es-US",
        label="facturación",
        action="message",
        message="Escríbanos por correo.",
    )
    return Call.objects.get(call_sid=CALL_SID)


def answer(fake_twilio, *, digits="", speech="", menu="handoff", attempt=1):
    # The real form Twilio posts from a <Gather>, with what this caller did.
    form = recorded_webhook("busy-digits", "/gather")
    form.update({"CallSid": CALL_SID, "To": "+15550100001", "Digits": digits})
    if speech:
        form["SpeechResult"] = speech
        form["Confidence"] = "0.91"
    return twiml(fake_twilio.post(f"/twilio/gather/?menu={menu}&attempt={attempt}", form))


@pytest.mark.parametrize(
    ("digits", "speech"),
    [("1", ""), ("", "I want to change my booking please"), ("", "one"), ("", "Uno")],
)
def test_a_key_or_words_choose_a_transfer(fake_twilio, call, digits, speech):
    document = answer(fake_twilio, digits=digits, speech=speech)
    assert document.find("Dial/Number").text == "+15550100098"
    assert document.find("Dial").get("callerId") == "+15550100001"
    call.refresh_from_db()
    assert call.end_reason == "menu_dial"


def test_a_message_option_says_it_and_hangs_up(fake_twilio, call):
    document = answer(fake_twilio, speech="Billing.")
    assert [child.tag for child in document] == ["Say", "Hangup"]
    assert spoken(document) == "Please email billing at our office."


def test_the_assistant_option_reconnects_the_relay(fake_twilio, call):
    document = answer(fake_twilio, digits="3")
    relay = document.find("Connect/ConversationRelay")
    assert relay.get("welcomeGreeting") == "I'm back. How can I help you?"


def test_a_spanish_caller_gets_the_spanish_options(fake_twilio, call):
    Call.objects.update(language="es-US")
    document = answer(fake_twilio, speech="facturacion por favor")
    assert spoken(document) == "Escríbanos por correo."
    assert document.find("Say").get("language") == "es-US"


@pytest.mark.parametrize(("digits", "speech"), [("", ""), ("9", ""), ("", "pizza")])
def test_no_or_invalid_input_repeats_the_menu_twice_then_says_goodbye(
    fake_twilio, call, digits, speech
):
    second = answer(fake_twilio, digits=digits, speech=speech, attempt=1)
    assert second.find("Gather").get("action").endswith("?menu=handoff&attempt=2")
    assert spoken(second).startswith("Sorry, I didn't get that. Please choose")
    third = answer(fake_twilio, digits=digits, speech=speech, attempt=2)
    assert third.find("Gather").get("action").endswith("?menu=handoff&attempt=3")
    last = answer(fake_twilio, digits=digits, speech=speech, attempt=3)
    assert [child.tag for child in last] == ["Say", "Hangup"]
    assert spoken(last) == "Thank you for calling. Goodbye."


@pytest.mark.parametrize(("digits", "speech"), [("1", ""), ("", "asistente por favor")])
def test_after_an_unanswered_transfer_the_caller_can_go_back_to_the_assistant(
    fake_twilio, call, digits, speech
):
    document = answer(fake_twilio, digits=digits, speech=speech, menu="after-dial")
    assert document.find("Connect/ConversationRelay") is not None


def test_after_an_unanswered_transfer_silence_ends_politely(fake_twilio, call):
    again = answer(fake_twilio, menu="after-dial", attempt=1)
    assert again.find("Gather").get("action").endswith("?menu=after-dial&attempt=2")
    last = answer(fake_twilio, menu="after-dial", attempt=3)
    assert [child.tag for child in last] == ["Say", "Hangup"]


def test_a_tampered_attempt_or_menu_is_read_safely(fake_twilio, call):
    document = answer(fake_twilio, menu="nonsense", attempt="x")
    assert document.find("Gather").get("action").endswith("?menu=handoff&attempt=2")


def status(fake_twilio, form: dict):
    response = fake_twilio.post("/twilio/status/", {**form, "CallSid": CALL_SID})
    assert response.status_code == 200


def test_the_recorded_status_callbacks_close_the_call_with_its_duration(fake_twilio, call):
    forms = [form for recording, form in recorded_webhooks("/status") if recording == "busy-digits"]
    for form in forms:
        status(fake_twilio, form)
    call.refresh_from_db()
    assert call.status == "completed"
    assert call.duration_seconds == 40
    assert call.ended_at is not None


def test_a_late_status_never_moves_a_finished_call_back(fake_twilio, call):
    status(fake_twilio, {"CallStatus": "completed", "CallDuration": "31", "To": "+15550100001"})
    status(fake_twilio, {"CallStatus": "in-progress", "To": "+15550100001"})
    status(fake_twilio, {"CallStatus": "ringing", "To": "+15550100001"})
    call.refresh_from_db()
    assert (call.status, call.duration_seconds) == ("completed", 31)


def test_a_repeated_status_callback_changes_nothing(fake_twilio, call):
    final = {"CallStatus": "completed", "CallDuration": "31", "To": "+15550100001"}
    status(fake_twilio, final)
    call.refresh_from_db()
    ended_at = call.ended_at
    status(fake_twilio, final)
    call.refresh_from_db()
    assert call.ended_at == ended_at and call.duration_seconds == 31
    assert call.events.filter(type="webhook.status").count() == 2
