"""The workflow engine: a caller goes through a staff-defined flow, one answer at a time."""

import datetime as dt
import hashlib
import hmac
import json

import pytest

from profiles.flows import STEP_KINDS
from profiles.models import PhoneProfile, StepKind, Workflow, WorkflowStep
from profiles.workflows import (
    UNBOUNDED_DIGITS,
    Flow,
    FlowEnd,
    FlowState,
    FlowStatus,
    Step,
    Triggers,
    flow_for_digit,
    flow_from_workflow,
    flow_input,
    flow_problems,
    flow_start,
    flow_triggered,
    flow_waiting_step,
    flow_webhook_done,
)

NOW = dt.datetime(2026, 3, 2, 10, 0)  # a Monday morning
HOOK = "https://clinic.example/book"


def booking() -> Flow:
    """The appointment booking the demo clinic would set up."""
    return Flow(
        id=7,
        name="Book an appointment",
        steps=(
            Step(
                "intro",
                "say",
                text_en="Sure, let's book your appointment.",
                text_es="Claro, vamos a reservar su cita.",
            ),
            Step(
                "ask_name",
                "ask",
                text_en="What is your name?",
                text_es="¿Cuál es su nombre?",
                slot="name",
                validation="name",
            ),
            Step(
                "ask_day",
                "ask",
                text_en="Thanks, {name}. What day suits you?",
                text_es="Gracias, {name}. ¿Qué día le viene bien?",
                reprompt_en="Please tell me a day, like next Monday or March 5.",
                reprompt_es="Dígame un día, por ejemplo el lunes o el 5 de marzo.",
                slot="day",
                validation="date",
            ),
            Step(
                "ask_time",
                "ask",
                text_en="At what time?",
                text_es="¿A qué hora?",
                slot="time",
                validation="time",
            ),
            Step(
                "confirm",
                "confirm",
                text_en="So that's {name} on {day} at {time}. Is that right?",
                text_es="Entonces, {name}, el {day} a las {time}. ¿Es correcto?",
                no_step="ask_day",
            ),
            Step(
                "book",
                "webhook",
                text_en="One moment while I book that.",
                text_es="Un momento, por favor.",
                url=HOOK,
                secret="s3cret",
                timeout_seconds=4,
                failure_step="sorry",
            ),
            Step(
                "done",
                "end",
                text_en="You're booked, {name}. Goodbye!",
                text_es="Listo, {name}, su cita está reservada. ¡Adiós!",
            ),
            Step(
                "sorry",
                "transfer",
                text_en="Let me put you through to the front desk.",
                text_es="Le paso con la recepción.",
                number="+15550100099",
            ),
        ),
        triggers=Triggers(phrases=("book an appointment", "pedir una cita")),
    )


def start(flow: Flow, language: str = "en"):
    return flow_start(flow, language=language, now=NOW)


def answer(flow: Flow, state: FlowState, text: str = "", language: str = "en", **kwargs):
    return flow_input(flow, state, text=text, language=language, now=NOW, **kwargs)


def run(flow: Flow, answers: list[str], language: str = "en"):
    """Start `flow` and give each answer; the last reply."""
    reply = start(flow, language)
    for text in answers:
        reply = answer(flow, reply.state, text, language)
    return reply


def one_step_flow(step: Step, *after: Step) -> Flow:
    return Flow(id=None, name="Test", steps=(step, *after))


# --- A whole booking ---------------------------------------------------------------------------


def test_a_booking_in_english_from_start_to_goodbye():
    flow = booking()
    reply = start(flow)
    assert reply.say == ["Sure, let's book your appointment.", "What is your name?"]
    assert reply.state.step == "ask_name" and reply.state.active

    reply = answer(flow, reply.state, "My name is ana garcía")
    assert reply.say == ["Thanks, Ana García. What day suits you?"]
    reply = answer(flow, reply.state, "next Tuesday")
    assert reply.say == ["At what time?"]
    reply = answer(flow, reply.state, "half past three")
    assert reply.say == ["So that's Ana García on Tuesday, March 3 at 3:30 PM. Is that right?"]

    reply = answer(flow, reply.state, "yes, that's right")
    assert reply.say == ["One moment while I book that."]
    assert reply.webhook is not None
    assert reply.webhook.url == HOOK and reply.webhook.timeout_seconds == 4
    assert reply.webhook.payload["slots"] == {
        "name": "Ana García",
        "day": "2026-03-03",
        "time": "15:30",
    }

    reply = flow_webhook_done(
        flow, reply.state, ok=True, data={"booked": True}, language="en", now=NOW
    )
    assert reply.say == ["You're booked, Ana García. Goodbye!"]
    assert reply.end == FlowEnd.GOODBYE
    assert reply.state.status == FlowStatus.COMPLETED


def test_a_booking_in_spanish_from_start_to_goodbye():
    flow = booking()
    reply = start(flow, "es-MX")
    assert reply.say == ["Claro, vamos a reservar su cita.", "¿Cuál es su nombre?"]
    reply = answer(flow, reply.state, "me llamo josé pérez", "es-MX")
    assert reply.say == ["Gracias, José Pérez. ¿Qué día le viene bien?"]
    reply = answer(flow, reply.state, "el cinco de marzo", "es-MX")
    reply = answer(flow, reply.state, "a las tres de la tarde", "es-MX")
    assert reply.say == [
        "Entonces, José Pérez, el jueves 5 de marzo a las 3 de la tarde. ¿Es correcto?"
    ]
    reply = answer(flow, reply.state, "sí, correcto", "es-MX")
    assert reply.say == ["Un momento, por favor."]
    reply = flow_webhook_done(flow, reply.state, ok=True, data={}, language="es-MX", now=NOW)
    assert reply.say == ["Listo, José Pérez, su cita está reservada. ¡Adiós!"]
    assert reply.end == FlowEnd.GOODBYE
    assert reply.state.slots == {"name": "José Pérez", "day": "2026-03-05", "time": "15:00"}


def test_notes_tell_the_transcript_what_happened():
    flow = booking()
    reply = start(flow)
    assert reply.notes == [
        "workflow Book an appointment started",
        "step intro",
        "step intro → ask_name",
    ]
    reply = answer(flow, reply.state, "Ana")
    assert reply.notes == ["slot name = Ana", "step ask_name → ask_day"]
    reply = answer(flow, reply.state, "purple")
    assert reply.notes == ["ask_day: answer not valid (try 1 of 3)"]


def test_the_state_passed_in_is_not_changed():
    flow = booking()
    state = start(flow).state
    answer(flow, state, "Ana")
    assert state == FlowState(step="ask_name")


# --- Asking, and asking again -------------------------------------------------------------------


def test_an_invalid_answer_is_asked_again_with_the_steps_reprompt():
    flow = booking()
    state = run(flow, ["Ana"]).state
    reply = answer(flow, state, "whenever")
    assert reply.say == ["Please tell me a day, like next Monday or March 5."]
    assert reply.state.step == "ask_day" and reply.state.attempts == 1


def test_without_a_reprompt_the_caller_hears_sorry_and_the_question_again():
    flow = booking()
    reply = answer(flow, run(flow, ["Ana", "Friday"]).state, "soon")
    assert reply.say == ["Sorry, I didn't get that.", "At what time?"]
    reply = answer(flow, run(flow, ["Ana", "viernes"], "es").state, "pronto", "es")
    assert reply.say == ["Disculpe, no le entendí.", "¿A qué hora?"]


def test_running_out_of_tries_goes_to_the_failure_step():
    flow = one_step_flow(
        Step(
            "ask",
            "ask",
            text_en="Your date of birth?",
            slot="dob",
            validation="date",
            max_attempts=2,
            failure_step="desk",
        ),
        Step("desk", "transfer", text_en="Connecting you.", number="+15550100001"),
    )
    reply = run(flow, ["banana"])
    assert reply.state.attempts == 1 and reply.end is None
    reply = answer(flow, reply.state, "banana again")
    assert reply.say == ["Connecting you."]
    assert reply.end == FlowEnd.TRANSFER and reply.transfer_number == "+15550100001"
    assert reply.state.status == FlowStatus.TRANSFERRED


def test_running_out_of_tries_without_a_failure_step_hands_off_with_an_apology():
    flow = one_step_flow(
        Step("ask", "ask", text_en="Your name?", slot="name", validation="name", max_attempts=1)
    )
    reply = run(flow, ["12345"])
    assert reply.say == ["I'm sorry, I'm having trouble with this."]
    assert reply.end == FlowEnd.HANDOFF and reply.state.status == FlowStatus.FAILED


def test_an_llm_extracted_value_is_tried_when_the_words_do_not_fit():
    flow = booking()
    state = run(flow, ["Ana"]).state
    reply = answer(flow, state, "the one after my sister's birthday", extracted="March 20")
    assert reply.state.slots["day"] == "2026-03-20"
    reply = answer(flow, state, "mmm", extracted="not a date either")
    assert reply.state.attempts == 1  # the extraction goes through the same validation


# --- Digits -------------------------------------------------------------------------------------


def member_flow(**collect) -> Flow:
    return one_step_flow(
        Step(
            "ask_member",
            "collect_digits",
            text_en="Enter your member number, then hash.",
            reprompt_en="That number didn't work. Try again.",
            slot="member",
            **collect,
        ),
        Step("thanks", "say", text_en="Thanks, member {member}."),
    )


def test_collecting_digits_tells_the_caller_how_many_end_the_entry():
    assert start(member_flow(max_digits=6)).expect_digits == 6
    assert start(member_flow()).expect_digits == UNBOUNDED_DIGITS
    assert start(booking()).expect_digits is None


def test_digits_may_be_typed_or_spoken():
    flow = member_flow(min_digits=4, max_digits=6)
    typed = answer(flow, start(flow).state, digits="1234")
    assert typed.say == ["Thanks, member 1 2 3 4."]  # read back digit by digit
    spoken = answer(flow, start(flow).state, "it's one two three four five")
    assert spoken.state.slots == {"member": "12345"}
    assert spoken.state.status == FlowStatus.COMPLETED and spoken.end is None


def test_too_few_or_too_many_digits_are_asked_again():
    flow = member_flow(min_digits=4, max_digits=6)
    short = answer(flow, start(flow).state, digits="12")
    assert short.say == ["That number didn't work. Try again."] and short.expect_digits == 6
    long = answer(flow, start(flow).state, digits="1234567")
    assert long.state.attempts == 1 and "member" not in long.state.slots


def test_collected_digits_can_be_checked_by_luhn_or_a_pattern():
    luhn = member_flow(validation="luhn")
    assert answer(luhn, start(luhn).state, digits="79927398713").state.slots
    assert answer(luhn, start(luhn).state, digits="79927398710").state.attempts == 1
    pattern = member_flow(validation="regex", pattern=r"9\d{3}")
    assert answer(pattern, start(pattern).state, digits="9123").state.slots
    assert answer(pattern, start(pattern).state, digits="8123").state.attempts == 1


# --- Confirm ------------------------------------------------------------------------------------


def test_no_at_the_confirmation_goes_back_to_the_chosen_step():
    flow = booking()
    state = run(flow, ["Ana", "Tuesday", "3 pm"]).state
    wrong = answer(flow, state, "What did you say?")  # unclear: a failed try
    assert wrong.state.attempts == 1
    reply = answer(flow, wrong.state, "no, that's wrong")
    assert reply.say == ["Thanks, Ana. What day suits you?"]
    assert reply.state.step == "ask_day" and reply.state.attempts == 0
    reply = answer(flow, answer(flow, reply.state, "Wednesday").state, "4 pm")
    assert reply.say == ["So that's Ana on Wednesday, March 4 at 4 PM. Is that right?"]


def test_the_keypad_answers_a_confirmation_one_for_yes_two_for_no():
    flow = booking()
    state = run(flow, ["Ana", "Tuesday", "3 pm"]).state
    assert answer(flow, state, digits="1").webhook is not None
    assert answer(flow, state, digits="2").state.step == "ask_day"


def test_a_confirmation_without_text_reads_back_every_slot():
    flow = one_step_flow(
        Step("ask_day", "ask", text_en="Which day?", slot="day", validation="date"),
        Step("ask_ok", "ask", text_en="Insured?", slot="insured", validation="yes_no"),
        Step("check", "confirm", no_step="ask_day"),
    )
    assert run(flow, ["tomorrow", "yes"]).say == ["I have Tuesday, March 3, yes. Is that right?"]
    assert run(flow, ["mañana", "sí"], "es").say == ["Tengo martes 3 de marzo, sí. ¿Es correcto?"]


# --- Branch, transfer, end ----------------------------------------------------------------------


def insurance_flow() -> Flow:
    return Flow(
        id=None,
        name="Insurance",
        steps=(
            Step(
                "ask", "ask", text_en="Do you have insurance?", slot="insured", validation="yes_no"
            ),
            Step("route", "branch", slot="insured", branches="yes => insured\nNo => cash"),
            Step("other", "say", text_en="Let's see."),
            Step("insured", "end", text_en="We'll bill your insurer."),
            Step("cash", "end"),
        ),
    )


def test_a_branch_goes_where_the_slot_value_says():
    flow = insurance_flow()
    assert run(flow, ["yes"]).say == ["We'll bill your insurer."]
    cash = run(flow, ["nope"])
    assert cash.say == ["Thank you for calling. Goodbye."]  # an end step without text
    assert cash.end == FlowEnd.GOODBYE and cash.state.step == "cash"
    assert run(flow, ["no"], "es").say == ["Gracias por llamar. Adiós."]


def test_the_keypad_answers_a_yes_or_no_question_one_for_yes_two_for_no():
    flow = insurance_flow()
    assert answer(flow, start(flow).state, digits="1").say == ["We'll bill your insurer."]
    assert answer(flow, start(flow).state, digits="2").state.step == "cash"
    assert answer(flow, start(flow).state, digits="3").state.attempts == 1


def test_a_branch_without_a_matching_line_goes_to_the_next_step():
    flow = Flow(
        id=None,
        name="Colours",
        steps=(
            Step("ask", "ask", text_en="Colour?", slot="colour"),
            Step("route", "branch", slot="colour", branches="Rojo => red"),
            Step("other", "say", text_en="Not red."),
            Step("red", "say", text_en="Red!"),
        ),
    )
    assert run(flow, ["blue"]).say == ["Not red.", "Red!"]
    assert run(flow, ["rojo"]).say == ["Red!"]  # compared without case


def test_running_past_the_last_step_hands_the_call_back_to_the_assistant():
    flow = one_step_flow(Step("hi", "say", text_en="Our hours are 9 to 5."))
    reply = start(flow)
    assert reply.say == ["Our hours are 9 to 5."]
    assert reply.state.status == FlowStatus.COMPLETED and reply.end is None
    assert "workflow completed" in reply.notes


# --- Cancel and a person ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "cancel"),
        ("en", "Stop, please."),
        ("en", "never mind"),
        ("en", "Actually, forget it"),
        ("en", "I want to cancel"),
        ("es", "cancelar"),
        ("es", "olvídalo"),
        ("es", "mejor cancela la cita"),
    ],
)
def test_the_caller_can_cancel_at_any_step(language, text):
    flow = booking()
    reply = answer(flow, run(flow, ["Ana"], language).state, text, language)
    expected = "OK, I've cancelled that." if language == "en" else "De acuerdo, lo cancelé."
    assert reply.say == [expected]
    assert reply.state.status == FlowStatus.CANCELLED and reply.end is None


def test_an_answer_that_mentions_stopping_is_still_an_answer():
    flow = one_step_flow(Step("why", "ask", text_en="What is the visit for?", slot="reason"))
    reply = run(flow, ["my tooth hurts when I stop chewing"])
    assert reply.state.slots == {"reason": "my tooth hurts when I stop chewing"}


def test_cancel_and_person_commands_from_the_caller_of_the_engine():
    flow = booking()
    state = run(flow, ["Ana"]).state
    cancelled = answer(flow, state, "I'd rather stop here", command="cancel")
    assert cancelled.state.status == FlowStatus.CANCELLED
    person = answer(flow, state, "can I talk to someone", command="person")
    assert person.state.status == FlowStatus.HANDED_OFF
    assert person.end == FlowEnd.HANDOFF and person.say == []
    with pytest.raises(ValueError):
        answer(flow, state, "x", command="dance")


def test_input_after_the_run_ended_changes_nothing():
    flow = booking()
    ended = answer(flow, run(flow, ["Ana"]).state, "cancel").state
    reply = answer(flow, ended, "Tuesday")
    assert reply.say == [] and reply.state == ended


# --- Webhooks -----------------------------------------------------------------------------------


def at_webhook(flow: Flow | None = None):
    flow = flow or booking()
    return flow, run(flow, ["Ana", "Tuesday", "3 pm", "yes"])


def done(flow: Flow, state: FlowState, ok: bool, data: object, language: str = "en"):
    return flow_webhook_done(flow, state, ok=ok, data=data, language=language, now=NOW)


def test_the_webhook_request_is_signed_json_of_the_slots():
    _, reply = at_webhook()
    call = reply.webhook
    body = call.body()
    assert json.loads(body) == {
        "workflow": "Book an appointment",
        "workflow_id": 7,
        "step": "book",
        "slots": {"name": "Ana", "day": "2026-03-03", "time": "15:00"},
    }
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert call.headers() == {
        "Content-Type": "application/json",
        "X-Voiceai-Signature": expected,
    }
    assert "s3cret" not in repr(call)


def test_a_webhook_without_a_secret_sends_no_signature():
    flow = one_step_flow(Step("hook", "webhook", url=HOOK))
    assert start(flow).webhook.headers() == {"Content-Type": "application/json"}


def test_the_webhook_reply_fills_slots_says_a_sentence_and_chooses_the_next_step():
    flow, reply = at_webhook()
    data = {
        "slots": {"room": 3, "dentist": "Dr. Lee", "parking": True},
        "say": "Dr. Lee will see you in room {room}.",
        "next_step": "sorry",
    }
    reply = done(flow, reply.state, True, data)
    assert reply.state.slots["room"] == "3" and reply.state.slots["parking"] == "yes"
    assert reply.say == [
        "Dr. Lee will see you in room 3.",
        "Let me put you through to the front desk.",
    ]
    assert reply.end == FlowEnd.TRANSFER


def test_the_webhook_may_say_something_in_each_language():
    flow, reply = at_webhook()
    data = {"say": {"en": "Booked.", "es": "Reservado."}}
    assert done(flow, reply.state, True, data, "es").say[0] == "Reservado."


def test_a_next_step_that_does_not_exist_is_ignored():
    flow, reply = at_webhook()
    reply = done(flow, reply.state, True, {"next_step": "nowhere"})
    assert reply.state.step == "done" and reply.end == FlowEnd.GOODBYE
    assert "webhook asked for step 'nowhere', which does not exist" in reply.notes


@pytest.mark.parametrize(
    ("ok", "data"), [(False, None), (True, ["not", "an", "object"]), (True, {"slots": "x"})]
)
def test_a_failed_webhook_or_a_bad_reply_goes_to_the_failure_step(ok, data):
    flow, reply = at_webhook()
    reply = done(flow, reply.state, ok, data)
    assert reply.say == ["Let me put you through to the front desk."]
    assert reply.end == FlowEnd.TRANSFER


def test_a_failed_webhook_without_a_failure_step_apologises_and_hands_off():
    flow = one_step_flow(Step("hook", "webhook", url=HOOK))
    reply = done(flow, start(flow).state, False, None, "es")
    assert reply.say == ["Lo siento, algo falló de nuestro lado."]
    assert reply.end == FlowEnd.HANDOFF and reply.state.status == FlowStatus.FAILED


def test_words_while_the_webhook_is_pending_change_nothing():
    flow, reply = at_webhook()
    waiting = answer(flow, reply.state, "hello?")
    assert waiting.say == [] and waiting.state == reply.state and waiting.webhook is None
    assert flow_waiting_step(flow, reply.state) is None


def test_a_webhook_result_when_none_is_pending_changes_nothing():
    flow = booking()
    state = start(flow).state
    reply = done(flow, state, True, {"next_step": "done"})
    assert reply.say == [] and reply.state == state


# --- Texts --------------------------------------------------------------------------------------


def test_a_missing_translation_falls_back_to_the_other_language():
    flow = one_step_flow(Step("hi", "say", text_es="Solo en español."))
    assert start(flow, "en-US").say == ["Solo en español."]
    flow = one_step_flow(Step("hi", "say", text_en="English only."))
    assert start(flow, "es-ES").say == ["English only."]


def test_a_slot_not_filled_yet_says_nothing():
    flow = Flow(
        id=None,
        name="Skip",
        steps=(
            Step("ask", "ask", text_en="Pet?", slot="pet", validation="yes_no"),
            Step("route", "branch", slot="pet", branches="no => bye"),
            Step("ask_kind", "ask", text_en="What kind?", slot="kind"),
            Step("bye", "end", text_en="Bye {kind}!"),
        ),
    )
    assert run(flow, ["no"]).say == ["Bye!"]


def test_a_date_far_from_today_is_read_with_its_year():
    flow = one_step_flow(
        Step("dob", "ask", text_en="Date of birth?", slot="dob", validation="date"),
        Step("ok", "say", text_en="Born {dob}.", text_es="Nacido el {dob}."),
    )
    assert run(flow, ["April 12, 1990"]).say == ["Born April 12, 1990."]
    assert run(flow, ["12 de abril de 1990"], "es").say == ["Nacido el 12 de abril de 1990."]


# --- State --------------------------------------------------------------------------------------


def test_a_state_round_trips_through_json():
    state = run(booking(), ["Ana", "nonsense"]).state
    assert FlowState.from_dict(json.loads(json.dumps(state.as_dict()))) == state
    assert state.as_dict() == {
        "step": "ask_day",
        "slots": {"name": "Ana"},
        "attempts": 1,
        "status": "active",
    }


@pytest.mark.parametrize("data", [{"status": "dancing"}, {"slots": [1]}, {"attempts": "x"}, None])
def test_a_broken_stored_state_is_refused(data):
    with pytest.raises(ValueError):
        FlowState.from_dict(data)


# --- Triggers -----------------------------------------------------------------------------------


def trigger_flow(name: str, priority: int = 100, **triggers) -> Flow:
    return Flow(id=None, name=name, steps=(), triggers=Triggers(priority=priority, **triggers))


def test_a_phrase_starts_a_flow_when_all_its_words_are_said():
    flows = [trigger_flow("Booking", phrases=("book an appointment", "pedir una cita"))]
    assert flow_triggered(flows, "Hi, I'd like to book an appointment please.", "en")
    assert flow_triggered(flows, "Can I book appointments for tomorrow?", "en")
    assert flow_triggered(flows, "Quisiera pedir una cíta", "es")
    assert flow_triggered(flows, "An appointment?", "en") is None
    assert flow_triggered(flows, "", "en") is None


def test_any_keyword_starts_a_flow():
    flows = [trigger_flow("Refill", keywords=("refill", "prescription renewal"))]
    assert flow_triggered(flows, "I need a REFILL", "en")
    assert flow_triggered(flows, "about my prescription renewal", "en")
    assert flow_triggered(flows, "a renewal of my prescription", "en") is None


def test_the_lower_priority_wins_then_the_more_specific_phrase():
    general = trigger_flow("General", priority=100, keywords=("appointment",))
    cancel = trigger_flow("Cancel", priority=10, phrases=("cancel appointment",))
    assert flow_triggered([general, cancel], "I want to cancel my appointment", "en") is cancel
    same_priority = trigger_flow("Cancel", phrases=("cancel appointment",))
    assert flow_triggered([general, same_priority], "cancel my appointment", "en") is (
        same_priority
    )
    assert flow_triggered([general, same_priority], "an appointment", "en") is general


def test_a_keypad_digit_starts_its_flow():
    low = trigger_flow("Low", priority=5, digit="2")
    high = trigger_flow("High", priority=50, digit="2")
    assert flow_for_digit([high, low], "2") is low
    assert flow_for_digit([high, low], "3") is None
    assert flow_for_digit([high, low], "") is None


# --- Problems staff must fix --------------------------------------------------------------------


def test_a_sound_workflow_has_no_problems():
    assert flow_problems(booking()) == []
    assert flow_problems(insurance_flow()) == []


def test_an_empty_workflow_is_a_problem():
    assert flow_problems(Flow(id=None, name="Empty", steps=())) == ["The workflow has no steps."]


def test_missing_steps_and_slots_are_named():
    flow = Flow(
        id=None,
        name="Broken",
        steps=(
            Step("greet", "say", text_en="Hello {name}.", next_step="ask_nme"),
            Step("ask_name", "ask", text_en="Name?", slot="name", failure_step="gone"),
            Step("check", "confirm", text_en="{nmae}, right?", no_step="nowhere"),
            Step("route", "branch", slot="colour", branches="red => redd\nblue -> x"),
        ),
    )
    assert flow_problems(flow) == [
        "Step 'greet': its next step 'ask_nme' does not exist.",
        "Step 'ask_name': its failure step 'gone' does not exist.",
        "Step 'check': its \"no\" step 'nowhere' does not exist.",
        "Step 'route': branch 'red' goes to 'redd', which does not exist.",
        "Step 'route': branch line 2 should read 'value => step'.",
        "Step 'greet' uses {name} before step 'ask_name' asks for it.",
        "Step 'check' uses {nmae}, but no step fills a slot named 'nmae'.",
        "Step 'route' uses {colour}, but no step fills a slot named 'colour'.",
    ]


def test_slots_named_after_a_webhook_are_accepted():
    flow = one_step_flow(
        Step("hook", "webhook", url=HOOK),
        Step("tell", "say", text_en="Your slot is {proposed_time}."),
    )
    assert flow_problems(flow) == []


def test_incomplete_steps_are_named():
    flow = Flow(
        id=None,
        name="Incomplete",
        steps=(
            Step("quiet", "say"),
            Step("ask", "ask", text_en="Code?", validation="regex"),
            Step("bad_re", "ask", text_en="Code?", slot="code", validation="regex", pattern="(["),
            Step("pin", "collect_digits", text_en="PIN?", slot="pin", min_digits=6, max_digits=4),
            Step("dob", "collect_digits", text_en="DOB?", slot="dob", validation="date"),
            Step("check", "confirm", text_en="Right?"),
            Step("route", "branch"),
            Step("hook", "webhook"),
            Step("desk", "transfer"),
            Step("oops", "dance"),
            Step("oops", "end"),
        ),
    )
    problems = flow_problems(flow)
    assert problems[:1] == ["Two steps are named 'oops'."]
    for expected in [
        "Step 'quiet' has no text in English or Spanish.",
        "Step 'ask' needs a slot to keep the answer in.",
        "Step 'ask' checks answers with a regular expression but has none.",
        "Step 'pin': min digits (6) is more than max digits (4).",
        "Step 'dob' collects digits: check them with a regular expression or the Luhn "
        "checksum, or not at all.",
        "Step 'check' needs a step to go back to when the caller says \"no\".",
        "Step 'route' needs the slot to test.",
        "Step 'route' has no branches: write one 'value => step' per line.",
        "Step 'hook' needs the webhook's URL.",
        "Step 'desk' needs the number to transfer to.",
        "Step 'oops' has an unknown kind 'dance'.",
    ]:
        assert expected in problems
    assert any(p.startswith("Step 'bad_re': the pattern is not a valid regular") for p in problems)


def test_steps_that_go_round_without_waiting_are_a_problem():
    flow = Flow(
        id=None,
        name="Loop",
        steps=(
            Step("a", "say", text_en="A", next_step="b"),
            Step("b", "say", text_en="B", next_step="a"),
        ),
    )
    assert flow_problems(flow) == [
        "Steps a → b → a go round in a circle without waiting for the caller."
    ]
    reply = start(flow)  # were it run anyway, it would stop and hand off
    assert reply.end == FlowEnd.HANDOFF and reply.state.status == FlowStatus.FAILED


# --- From the admin's models --------------------------------------------------------------------


def test_the_engine_knows_every_step_kind_staff_can_choose():
    assert set(STEP_KINDS) == set(StepKind.values)


@pytest.mark.django_db
def test_a_saved_workflow_becomes_a_flow_without_extra_queries(django_assert_num_queries):
    profile = PhoneProfile.objects.create(number="+15550100042", name="Clinic")
    workflow = Workflow.objects.create(
        profile=profile,
        name="Booking",
        priority=20,
        trigger_phrases="book an appointment\n\n  pedir una cita  ",
        trigger_keywords="booking, cita ,",
        trigger_digit="1",
    )
    WorkflowStep.objects.create(
        workflow=workflow, position=2, key="bye", kind=StepKind.END, text_en="Bye {name}."
    )
    WorkflowStep.objects.create(
        workflow=workflow,
        position=1,
        key="ask_name",
        kind=StepKind.ASK,
        text_en="Name?",
        text_es="¿Nombre?",
        slot="name",
        validation="name",
        max_attempts=2,
        secret="k",
    )
    loaded = Workflow.objects.prefetch_related("steps").get(pk=workflow.pk)
    with django_assert_num_queries(0):
        flow = flow_from_workflow(loaded)
    assert flow.id == workflow.pk and flow.name == "Booking"
    assert [step.key for step in flow.steps] == ["ask_name", "bye"]
    assert flow.steps[0].text_es == "¿Nombre?" and flow.steps[0].max_attempts == 2
    assert flow.triggers == Triggers(
        phrases=("book an appointment", "pedir una cita"),
        keywords=("booking", "cita"),
        digit="1",
        priority=20,
    )
    assert flow_problems(flow) == []
    assert run(flow, ["ana"]).say == ["Bye Ana."]
