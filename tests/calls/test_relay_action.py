"""The relay session ended: Twilio asks /twilio/relay-action/ what to do with the call next."""

import json

import pytest

from calls.models import Call, CallEvent
from profiles.models import HandoffMenuOption
from tests.calls.conftest import spoken, twiml
from tests.twilio_recordings import recorded_webhook

CALL_SID = "CA00000000000000000000000000000001"


@pytest.fixture
def call(fake_twilio, profile):
    fake_twilio.post("/twilio/voice/", recorded_webhook("end-then-say-hangup", "/voice"))
    return Call.objects.get(call_sid=CALL_SID)


def ended(handoff_data) -> dict:
    """The recorded `ended` callback, carrying `handoff_data` (a dict, a raw string, or None)."""
    form = recorded_webhook("end-then-reconnect", "/action", SessionStatus="ended")
    form["CallSid"] = CALL_SID
    form.pop("HandoffData", None)
    if handoff_data is not None:
        form["HandoffData"] = (
            handoff_data if isinstance(handoff_data, str) else json.dumps(handoff_data)
        )
    return form


def handoff(reason_code: str) -> dict:
    return {"reasonCode": reason_code, "reason": "test", "callStartedAt": "2026-11-23T10:00:00Z"}


def socket_dropped() -> dict:
    form = recorded_webhook("socket-drop", "/action", SessionStatus="failed")
    form["CallSid"] = CALL_SID
    return form


def post(fake_twilio, form, path="/twilio/relay-action/"):
    return twiml(fake_twilio.post(path, form))


def test_a_caller_hang_up_closes_the_call(fake_twilio, call):
    form = recorded_webhook("busy-digits", "/action", SessionStatus="completed")
    form["CallSid"] = CALL_SID
    document = post(fake_twilio, form)
    assert list(document) == []
    call.refresh_from_db()
    assert call.status == "completed"
    assert call.end_reason == "completed"
    assert call.ended_at is not None and call.duration_seconds is not None


def test_a_goodbye_hangs_up(fake_twilio, call):
    document = post(fake_twilio, ended(handoff("goodbye")))
    assert [child.tag for child in document] == ["Hangup"]
    call.refresh_from_db()
    assert call.end_reason == "goodbye"
    assert call.handoff_data["reasonCode"] == "goodbye"


def test_a_request_for_a_person_dials_the_live_agent(fake_twilio, call, profile):
    document = post(fake_twilio, ended(handoff("live_agent_request")))
    assert [child.tag for child in document] == ["Say", "Dial"]
    assert spoken(document) == "Connecting you to the front desk."
    dial = document.find("Dial")
    assert dial.get("callerId") == profile.number
    assert dial.get("timeout") == "20"
    assert dial.get("action") == "https://public.example/twilio/relay-action/?after=dial"
    assert dial.find("Number").text == "+15550100099"
    call.refresh_from_db()
    assert call.end_reason == "live_agent_request"


def test_a_spanish_caller_hears_the_transfer_in_spanish(fake_twilio, call):
    Call.objects.update(language="es-US")
    document = post(fake_twilio, ended(handoff("live_agent_request")))
    say = document.find("Say")
    assert say.text == "Le comunico con recepción."
    assert say.get("language") == "es-US"


def test_without_a_live_agent_the_caller_goes_back_to_the_assistant(fake_twilio, call, profile):
    profile.live_agent_number = ""
    profile.save()
    document = post(fake_twilio, ended(handoff("live_agent_request")))
    relay = document.find("Connect/ConversationRelay")
    assert relay is not None
    assert relay.get("welcomeGreeting").startswith("I'm sorry, no one from our team")
    assert document.find("Connect/ConversationRelay/Parameter").get("name") == "session"


def test_no_one_answering_offers_the_assistant_again(fake_twilio, call):
    post(fake_twilio, ended(handoff("live_agent_request")))
    form = {**ended(None), "DialCallStatus": "no-answer", "DialCallDuration": "0"}
    document = post(fake_twilio, form, "/twilio/relay-action/?after=dial")
    gather = document.find("Gather")
    assert gather.get("action") == (
        "https://public.example/twilio/gather/?menu=after-dial&attempt=1"
    )
    assert gather.get("input") == "dtmf speech"
    assert "no one was able to answer" in spoken(document)
    call.refresh_from_db()
    assert call.end_reason == "transfer_unanswered"


def test_a_transfer_that_was_answered_ends_with_the_call(fake_twilio, call):
    form = {**ended(None), "DialCallStatus": "completed", "DialCallDuration": "62"}
    document = post(fake_twilio, form, "/twilio/relay-action/?after=dial")
    assert [child.tag for child in document] == ["Hangup"]
    call.refresh_from_db()
    assert call.end_reason == "transferred"


@pytest.mark.parametrize("reason", ["menu", "live_agent_request"])
def test_a_profile_with_a_handoff_menu_reads_it(fake_twilio, call, profile, reason):
    HandoffMenuOption.objects.create(
        profile=profile, digit="1", label="appointments", action="dial", number="+15550100098"
    )
    HandoffMenuOption.objects.create(
        profile=profile, digit="2", label="billing", action="message", message="Email us."
    )
    HandoffMenuOption.objects.create(
        profile=profile, digit="2", language="es-US", label="facturación", action="assistant"
    )
    document = post(fake_twilio, ended(handoff(reason)))
    gather = document.find("Gather")
    assert gather.get("action") == "https://public.example/twilio/gather/?menu=handoff&attempt=1"
    assert gather.get("input") == "dtmf speech"
    assert gather.get("actionOnEmptyResult") == "true"
    assert spoken(document) == (
        "Please choose one of the following options. For appointments, press 1. "
        "For billing, press 2."
    )


def test_a_dropped_socket_is_reconnected_once_then_the_caller_hears_an_apology(fake_twilio, call):
    first = post(fake_twilio, socket_dropped())
    relay = first.find("Connect/ConversationRelay")
    assert relay is not None
    assert relay.get("welcomeGreeting").startswith("Sorry, we were cut off")
    call.refresh_from_db()
    assert call.reconnect_count == 1

    second = post(fake_twilio, socket_dropped())
    assert [child.tag for child in second] == ["Say", "Hangup"]
    assert "technical trouble" in spoken(second)
    call.refresh_from_db()
    assert call.end_reason == "failed" and call.reconnect_count == 1


def test_the_reconnect_limit_comes_from_the_profile(fake_twilio, call, profile):
    profile.reconnect_limit = 0
    profile.save()
    document = post(fake_twilio, socket_dropped())
    assert [child.tag for child in document] == ["Say", "Hangup"]


def test_a_failed_session_on_a_finished_call_just_closes_it(fake_twilio, call):
    form = {**socket_dropped(), "CallStatus": "completed"}
    assert list(post(fake_twilio, form)) == []
    call.refresh_from_db()
    assert call.end_reason == "failed" and call.status == "completed"


@pytest.mark.parametrize(
    "handoff_data",
    [
        None,
        "not json {",
        json.dumps(["a", "list"]),
        {"reasonCode": "order_pizza"},
        # The recorded call's own HandoffData, which names no reasonCode.
        '{"reason":"spike","command":"control"}',
    ],
)
def test_missing_or_malformed_handoff_data_gets_an_apology_and_a_hang_up(
    fake_twilio, call, handoff_data, caplog
):
    document = post(fake_twilio, ended(handoff_data))
    assert [child.tag for child in document] == ["Say", "Hangup"]
    assert "technical trouble" in spoken(document)
    call.refresh_from_db()
    assert call.end_reason == "handoff_data_invalid"
    assert CALL_SID in caplog.text


def test_every_outcome_is_logged_as_call_events(fake_twilio, call):
    post(fake_twilio, ended(handoff("goodbye")))
    webhook, reply = CallEvent.objects.filter(call=call).order_by("id")[2:]
    assert webhook.type == "webhook.relay-action"
    assert webhook.payload["SessionStatus"] == "ended"
    assert reply.type == "twiml" and reply.payload["outcome"] == "goodbye"


def test_a_callback_for_a_call_never_seen_is_still_routed(fake_twilio, profile):
    form = ended(handoff("goodbye"))
    form["CallSid"] = "CA00000000000000000000000000000999"
    document = post(fake_twilio, form)
    assert [child.tag for child in document] == ["Hangup"]
    assert Call.objects.get(call_sid=form["CallSid"]).end_reason == "goodbye"


@pytest.fixture
def transfer_step(profile):
    from profiles.models import Workflow, WorkflowStep

    workflow = Workflow.objects.create(profile=profile, name="Billing", trigger_phrases="billing")
    return WorkflowStep.objects.create(
        workflow=workflow, position=1, key="to_billing", kind="transfer", number="+15550100777"
    )


def test_a_workflow_transfer_dials_the_number_its_step_names(fake_twilio, call, transfer_step):
    document = post(fake_twilio, ended({**handoff("workflow_transfer"), "number": "+15550100777"}))
    assert document.find("Dial/Number").text == "+15550100777"
    call.refresh_from_db()
    assert call.end_reason == "workflow_transfer"


def test_a_workflow_transfer_to_another_number_is_not_dialled(fake_twilio, call, transfer_step):
    document = post(fake_twilio, ended({**handoff("workflow_transfer"), "number": "+19005550199"}))
    assert "+19005550199" not in [n.text for n in document.iter("Number")]
    # The caller still reaches a person: the profile's live agent.
    assert document.find("Dial/Number").text == "+15550100099"
