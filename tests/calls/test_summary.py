"""When a call ends it gets a short summary for staff: why they called, how it ended, what next.

Without an LLM the summary comes from rules over the transcript; with one, the LLM writes it
(through the loopback fake server) and anything it gets wrong falls back to the rules.
"""

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call, Turn
from calls.phrases import phrase
from calls.tasks import summarize_call
from tests.twilio_recordings import recorded_webhook

CALL_SID = "CA00000000000000000000000000000001"

HOURS_CALL = [
    ("caller", "speech", "Hello?"),
    ("assistant", "rule", "Hi! How can I help you today?"),
    ("caller", "speech", "What time do you open on Saturday?"),
    ("assistant", "knowledge", "On Saturdays we open at nine in the morning."),
    ("caller", "speech", "Great, thanks. Bye!"),
    ("assistant", "rule", "Thank you for calling. Have a great day. Goodbye!"),
]
LLM_SUMMARY = {
    "reason": "Asked about Saturday opening hours.",
    "outcome": "Told they open at nine; the caller said goodbye.",
    "follow_up": "None.",
}


def make_call(profile, turns, *, end_reason="goodbye", status="completed", language="en-US"):
    started = timezone.now() - timedelta(minutes=2)
    call = Call.objects.create(
        call_sid=CALL_SID,
        profile=profile,
        from_number="+15550100123",
        to_number=profile.number,
        direction="inbound",
        status=status,
        language=language,
        started_at=started,
        ended_at=timezone.now() if status != "in-progress" else None,
        end_reason=end_reason,
    )
    Turn.objects.bulk_create(
        Turn(call=call, sequence=n, role=role, source=source, text=text, language=language)
        for n, (role, source, text) in enumerate(turns, start=1)
    )
    return call


def summarize(call) -> Call:
    summarize_call.delay(call.pk)
    call.refresh_from_db()
    return call


# --- without an LLM: the extractive summary ---------------------------------------------------


def test_an_answered_question_needs_no_follow_up(profile):
    call = summarize(make_call(profile, HOURS_CALL))
    assert call.summary == {
        "reason": 'The caller asked: "What time do you open on Saturday?"',
        "outcome": "The caller said goodbye.",
        "follow_up": "None.",
    }
    assert call.summary_source == "extractive"
    assert call.summarized_at is not None


@pytest.mark.parametrize(
    "no_answer",
    [
        phrase("dont_know", "en"),
        phrase("dont_know_no_person", "en"),
        "I'm sorry, I don't have information about insurance plans. Can I help with anything else?",
    ],
)
def test_a_question_the_assistant_could_not_answer_needs_follow_up(profile, no_answer):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Do you accept Delta Dental insurance?"),
            ("assistant", "system", no_answer),
            ("caller", "speech", "No, that's all. Goodbye."),
            ("assistant", "rule", "Thank you for calling. Goodbye!"),
        ],
    )
    summary = summarize(call).summary
    assert summary["reason"] == 'The caller asked: "Do you accept Delta Dental insurance?"'
    assert summary["follow_up"] == (
        "Get back to the caller about what the assistant could not answer: "
        '"Do you accept Delta Dental insurance?"'
    )


def test_a_call_a_staff_member_handed_to_a_person_says_who(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Can I move my appointment to Friday?"),
            ("assistant", "staff", "Let me get the front desk for you."),
            ("system", "staff", "handoff: live_agent_request"),
        ],
        end_reason="live_agent_request",
    )
    call.handoff_data = {"reasonCode": "live_agent_request", "staff": "sam"}
    call.save(update_fields=["handoff_data"])
    assert summarize(call).summary["outcome"] == "sam took over the call and handed it to a person."


def test_a_caller_transferred_to_a_person_who_answered(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Hi."),
            ("assistant", "rule", "Hi! How can I help you today?"),
            ("caller", "speech", "I want to talk to a person."),
            ("assistant", "rule", "Of course. I'll connect you with a member of our team."),
            ("system", "system", "handoff: live_agent_request"),
        ],
        end_reason="transferred",
    )
    assert summarize(call).summary == {
        "reason": 'The caller asked to speak to a person: "I want to talk to a person."',
        "outcome": "Transferred to a person, who answered.",
        "follow_up": "None.",
    }


def test_a_transfer_nobody_answered_needs_a_call_back(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Can I speak to someone about my bill from last month?"),
            ("assistant", "rule", "Of course. I'll connect you with a member of our team."),
        ],
        end_reason="transfer_unanswered",
    )
    summary = summarize(call).summary
    assert summary["reason"] == (
        'The caller asked to speak to a person: "Can I speak to someone about my bill from last '
        'month?"'
    )
    assert summary["outcome"] == "The call failed: the transfer to a person was not answered."
    assert summary["follow_up"] == (
        "Call the caller back: the transfer to a person was not answered."
    )


def test_a_caller_nobody_could_take_needs_a_call_back(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Let me talk to a human"),
            ("assistant", "rule", phrase("no_live_agent", "en")),
        ],
        end_reason="completed",
    )
    summary = summarize(call).summary
    assert summary["reason"] == 'The caller asked to speak to a person: "Let me talk to a human".'
    assert summary["follow_up"] == (
        "Call the caller back: they asked for a person, but no one was available."
    )


def test_the_assistant_saying_goodbye_is_told_apart_from_the_caller(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Is parking free at your office?"),
            ("assistant", "llm", "Yes, parking is free behind the building. Have a nice day, bye!"),
        ],
    )
    summary = summarize(call).summary
    assert summary["outcome"] == "The assistant ended the call with a goodbye."
    assert summary["follow_up"] == "None."


def test_a_failed_call_that_cut_a_question_off_needs_a_call_back(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "I need to move my appointment on Tuesday to next week."),
            ("assistant", "llm", ""),  # the connection dropped before a word was spoken
        ],
        end_reason="failed",
    )
    summary = summarize(call).summary
    assert summary["reason"] == (
        'The caller said: "I need to move my appointment on Tuesday to next week."'
    )
    assert summary["outcome"] == "The call failed: the connection to the assistant broke off."
    assert summary["follow_up"] == (
        "Call the caller back: the call failed before the assistant answered "
        '"I need to move my appointment on Tuesday to next week."'
    )


def test_a_busy_call_failed_with_twilios_status(profile):
    call = summarize(make_call(profile, [], end_reason="", status="busy"))
    assert call.summary == {
        "reason": "The caller did not say anything.",
        "outcome": "The call failed: the line was busy.",
        "follow_up": "Call the caller back: the call failed.",
    }


def test_a_caller_who_hung_up_mid_question_needs_a_call_back(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "How much is a cleaning?"),
            ("assistant", "knowledge", "A cleaning is ninety dollars."),
            ("caller", "speech", "And do you take walk-ins?"),
        ],
        end_reason="completed",
    )
    summary = summarize(call).summary
    assert summary["reason"] == 'The caller asked: "How much is a cleaning?"'
    assert summary["outcome"] == "The caller hung up."
    assert summary["follow_up"] == (
        'Call the caller back: the call ended before the assistant answered "And do you take '
        'walk-ins?"'
    )


def test_keypad_presses_and_greetings_are_not_the_reason(profile):
    call = make_call(
        profile,
        [
            ("caller", "dtmf", "1"),
            ("caller", "speech", "Good morning!"),
            ("assistant", "rule", "Hello! How can I help you today?"),
            ("caller", "speech", "Yes."),
            ("caller", "speech", "My crown fell out, can I come in today?"),
            ("assistant", "llm", "Yes, we have an opening at two this afternoon."),
        ],
        end_reason="completed",
    )
    summary = summarize(call).summary
    assert summary["reason"] == 'The caller asked: "My crown fell out, can I come in today?"'
    assert summary["follow_up"] == "None."


def test_an_llm_failure_made_good_by_the_next_answer_needs_no_follow_up(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Where are you located?"),
            ("assistant", "system", phrase("llm_failed", "en")),
            ("caller", "speech", "Where is your office?"),
            ("assistant", "llm", "We are at twelve Main Street, next to the bank."),
        ],
        end_reason="completed",
    )
    assert summarize(call).summary["follow_up"] == "None."


def test_a_spanish_call_is_summarised_in_english_quoting_the_caller(profile):
    call = make_call(
        profile,
        [
            ("caller", "speech", "Hola, buenos días."),
            ("assistant", "rule", "¡Hola! ¿En qué le puedo ayudar?"),
            ("caller", "speech", "¿Tienen citas el sábado por la mañana?"),
            ("assistant", "system", phrase("dont_know", "es-US")),
            ("caller", "speech", "No, gracias. Adiós."),
            ("assistant", "rule", "Gracias por llamar. ¡Adiós!"),
        ],
        language="es-US",
    )
    assert summarize(call).summary == {
        "reason": 'The caller asked: "¿Tienen citas el sábado por la mañana?"',
        "outcome": "The caller said goodbye.",
        "follow_up": "Get back to the caller about what the assistant could not answer: "
        '"¿Tienen citas el sábado por la mañana?"',
    }


# --- with an LLM --------------------------------------------------------------------------------


def test_the_llm_reads_the_transcript_and_its_json_is_stored(llm, profile):
    llm.reset(reply=json.dumps(LLM_SUMMARY))
    call = summarize(make_call(profile, HOURS_CALL))
    assert (call.summary, call.summary_source) == (LLM_SUMMARY, "llm")
    [exchange] = llm.exchanges
    assert exchange.model == "gpt-secret-model"
    prompt = exchange.messages[-1]["content"]
    assert "Caller: What time do you open on Saturday?" in prompt
    assert "Assistant: On Saturdays we open at nine in the morning." in prompt
    assert "The caller said goodbye." in prompt  # how the call ended, from the phone system


def test_the_llm_is_told_to_write_a_spanish_call_in_english(llm, profile):
    reply = {**LLM_SUMMARY, "reason": 'Asked: "¿Tienen citas el sábado?"'}
    llm.reset(reply="```json\n" + json.dumps(reply, ensure_ascii=False) + "\n```")
    call = make_call(
        profile,
        [
            ("caller", "speech", "¿Tienen citas el sábado?"),
            ("assistant", "llm", "Sí, los sábados abrimos de nueve a una."),
        ],
        language="es-US",
    )
    assert summarize(call).summary == reply
    system = llm.exchanges[0].messages[0]["content"]
    assert "always write in English, even when the call was in Spanish" in system
    assert "Caller: ¿Tienen citas el sábado?" in llm.exchanges[0].messages[-1]["content"]


def test_summarising_again_replaces_the_summary(llm, profile):
    call = make_call(profile, HOURS_CALL)
    llm.reset(reply=json.dumps(LLM_SUMMARY))
    first_written_at = summarize(call).summarized_at
    again = {**LLM_SUMMARY, "reason": "Asked when they open on Saturdays."}
    llm.reset(reply=json.dumps(again))
    second = summarize(call)
    assert second.summary == again
    assert second.summarized_at > first_written_at


@pytest.mark.parametrize(
    "behaviour",
    [
        {"reply": "The caller asked about opening hours and said goodbye."},
        {"reply": '{"reason": "Opening hours", "outcome": "Goodbye"}'},
        {"reply": '{"reason": "Opening hours", "outcome": "", "follow_up": "None."}'},
        {"reply": '["Opening hours", "Goodbye", "None."]'},
        {"fail_with_status": 500},
    ],
    ids=["prose", "missing key", "empty value", "not an object", "server error"],
)
def test_a_bad_llm_reply_falls_back_to_the_extractive_summary(llm, profile, caplog, behaviour):
    llm.reset(**behaviour)
    with caplog.at_level(logging.WARNING, logger="calls.summary"):
        call = summarize(make_call(profile, HOURS_CALL))
    assert call.summary_source == "extractive"
    assert call.summary["reason"] == 'The caller asked: "What time do you open on Saturday?"'
    assert len(llm.exchanges) == 1
    assert all(CALL_SID in record.getMessage() for record in caplog.records)
    assert "extractive" in caplog.records[-1].getMessage()


def test_a_stalled_llm_times_out_to_the_extractive_summary(llm, profile, settings):
    settings.LLM_TIMEOUT_SECONDS = 1
    llm.reset(stall=True)
    call = summarize(make_call(profile, HOURS_CALL))
    assert call.summary_source == "extractive"
    assert call.summary["follow_up"] == "None."
    assert llm.wait_for_hangup().client_gone_at is not None


def test_the_fallback_model_is_asked_when_the_main_one_fails(llm, profile):
    profile.fallback_llm_model = "gpt-backup"
    profile.save()
    llm.reset(reply="Sorry, I can't do JSON today.")
    call = summarize(make_call(profile, HOURS_CALL))
    assert [exchange.model for exchange in llm.exchanges] == ["gpt-secret-model", "gpt-backup"]
    assert call.summary_source == "extractive"


def test_a_call_where_nobody_spoke_is_not_sent_to_the_llm(llm, profile):
    call = summarize(make_call(profile, [], end_reason="completed"))
    assert call.summary["reason"] == "The caller did not say anything."
    assert call.summary_source == "extractive"
    assert llm.exchanges == []


# --- the trigger: Twilio's callbacks ------------------------------------------------------------


@pytest.fixture
def live_call(fake_twilio, profile):
    """A call Twilio announced and the assistant talked on, not yet over."""
    fake_twilio.post("/twilio/voice/", recorded_webhook("busy-digits", "/voice"))
    call = Call.objects.get(call_sid=CALL_SID)
    Turn.objects.bulk_create(
        Turn(call=call, sequence=n, role=role, source=source, text=text)
        for n, (role, source, text) in enumerate(HOURS_CALL, start=1)
    )
    return call


def post_status(fake_twilio, status: str, **extra: str):
    form = {"CallSid": CALL_SID, "To": "+15550100001", "CallStatus": status, **extra}
    assert fake_twilio.post("/twilio/status/", form).status_code == 200


def test_a_completed_status_callback_summarises_the_call_once(
    llm, fake_twilio, live_call, django_capture_on_commit_callbacks
):
    llm.reset(reply=json.dumps(LLM_SUMMARY))
    with django_capture_on_commit_callbacks(execute=True):
        post_status(fake_twilio, "completed", CallDuration="95")
    live_call.refresh_from_db()
    assert (live_call.summary, live_call.summary_source) == (LLM_SUMMARY, "llm")
    summarized_at = live_call.summarized_at

    with django_capture_on_commit_callbacks(execute=True):
        post_status(fake_twilio, "completed", CallDuration="95")
    live_call.refresh_from_db()
    assert live_call.summarized_at == summarized_at
    assert len(llm.exchanges) == 1


def test_a_relay_session_ending_then_the_status_callback_summarise_once(
    llm, fake_twilio, live_call, django_capture_on_commit_callbacks
):
    llm.reset(reply=json.dumps(LLM_SUMMARY))
    action = recorded_webhook("busy-digits", "/action")
    with django_capture_on_commit_callbacks(execute=True):
        fake_twilio.post("/twilio/relay-action/", action)
        post_status(fake_twilio, "completed", CallDuration="95")
    live_call.refresh_from_db()
    assert live_call.status == "completed"
    assert live_call.summary == LLM_SUMMARY
    assert len(llm.exchanges) == 1


def test_a_call_in_progress_has_no_summary(
    fake_twilio, live_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_status(fake_twilio, "in-progress")
    live_call.refresh_from_db()
    assert live_call.summary is None
    assert live_call.summarized_at is None


def test_without_an_llm_the_callback_writes_the_extractive_summary(
    fake_twilio, live_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_status(fake_twilio, "completed", CallDuration="95")
    live_call.refresh_from_db()
    assert live_call.summary_source == "extractive"
    assert live_call.summary["reason"] == 'The caller asked: "What time do you open on Saturday?"'


def test_an_unsigned_status_callback_summarises_nothing(
    client, twilio_settings, live_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/twilio/status/", {"CallSid": CALL_SID, "CallStatus": "completed"})
    assert response.status_code == 403
    live_call.refresh_from_db()
    assert live_call.summary is None
