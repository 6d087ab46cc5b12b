"""Booking an appointment on a call: the demo's booking workflow over the real relay protocol."""

import pytest
from channels.db import database_sync_to_async

from calls.models import Turn, TurnSource, WorkflowRun
from profiles.demo import demo_booking_secret, demo_booking_workflow_create
from profiles.models import WorkflowStep
from profiles.workflows import webhook_signature
from tests.calls.relay import Twilio, spoken_text

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booking(twilio_settings, profile, webhook_server):
    """The profile answers with the demo's booking workflow; its webhook is the test server."""
    twilio_settings.RELAY_DTMF_PAUSE_MS = 300
    demo_booking_workflow_create(profile)
    WorkflowStep.objects.filter(kind="webhook").update(url=webhook_server.url)
    webhook_server.reset(json_body={"slots": {"booking_reference": "BSD-0042"}})
    return webhook_server


async def said(twilio: Twilio, text: str) -> str:
    await twilio.say(text)
    return spoken_text(await twilio.answer())


async def pressed(twilio: Twilio, keys: str) -> str:
    for key in keys:
        await twilio.send({"type": "dtmf", "digit": key})
    return spoken_text(await twilio.answer())


@database_sync_to_async
def runs() -> list[WorkflowRun]:
    return list(WorkflowRun.objects.all())


@database_sync_to_async
def workflow_notes() -> list[str]:
    return list(
        Turn.objects.filter(source=TurnSource.WORKFLOW, role="system")
        .order_by("sequence")
        .values_list("text", flat=True)
    )


async def test_a_caller_books_an_appointment_by_voice(booking):
    twilio = await Twilio.connect()
    answer = await said(twilio, "Hi, I'd like to book an appointment please")
    assert "What is your full name?" in answer
    assert "date of birth" in await said(twilio, "My name is Ana Ruiz")
    assert "Which day" in await said(twilio, "one nine nine zero zero four one two")
    assert "what time" in await said(twilio, "next Tuesday")
    confirm = await said(twilio, "3 pm")
    assert "Ana Ruiz" in confirm and "Is that right?" in confirm
    done = await said(twilio, "yes, that's right")
    assert "Your reference is BSD-0042" in done
    await twilio.hang_up()

    [run] = await runs()
    assert run.status == "completed"
    assert run.workflow_name == "Book an appointment"
    assert run.slots["name"] == "Ana Ruiz"
    assert run.slots["birth_date"] == "19900412"
    assert run.slots["time"] == "15:00"
    assert run.slots["booking_reference"] == "BSD-0042"
    request = booking.received[-1]
    assert request.json()["slots"]["name"] == "Ana Ruiz"
    assert request.headers["X-Voiceai-Signature"] == webhook_signature(
        demo_booking_secret(), request.body
    )
    notes = await workflow_notes()
    assert any("name" in note and "Ana Ruiz" in note for note in notes)


async def test_a_caller_starts_with_the_keypad_and_keys_in_the_date_of_birth(booking):
    twilio = await Twilio.connect()
    assert "What is your full name?" in await pressed(twilio, "1")
    assert "date of birth" in await said(twilio, "Ana Ruiz")
    assert "Which day" in await pressed(twilio, "19900412#")
    [run] = await runs()
    assert run.status == "active"
    assert run.slots["birth_date"] == "19900412"
    await twilio.hang_up()


async def test_a_wrong_date_of_birth_is_asked_again(booking):
    twilio = await Twilio.connect()
    await said(twilio, "I want to make an appointment")
    await said(twilio, "Ana Ruiz")
    again = await pressed(twilio, "12345678#")
    assert "isn't a date I can use" in again
    await twilio.hang_up()


async def test_the_caller_can_cancel_and_talk_to_the_assistant_again(booking, llm):
    llm.behaviour.reply = "We open at eight."
    twilio = await Twilio.connect()
    await said(twilio, "book an appointment")
    cancelled = await said(twilio, "cancel")
    assert cancelled
    assert "We open at eight." in await said(twilio, "what time do you open?")
    [run] = await runs()
    assert run.status == "cancelled"
    await twilio.hang_up()


async def test_asking_for_a_person_mid_booking_hands_the_call_over(booking):
    twilio = await Twilio.connect()
    await said(twilio, "book an appointment")
    await twilio.say("I want to speak to a person")
    frames = await twilio.answer()
    await twilio.send({"type": "info", "name": "agentSpeaking", "value": "off"})
    end = frames[-1] if frames[-1]["type"] == "end" else await twilio.frame()
    assert end["type"] == "end"
    assert '"reasonCode":"live_agent_request"' in end["handoffData"].replace(" ", "")
    [run] = await runs()
    assert run.status == "handed_off"
    await twilio.hang_up()


async def test_a_booking_system_that_fails_gets_the_failure_message(booking):
    booking.reset(status=503)
    twilio = await Twilio.connect()
    await said(twilio, "book an appointment")
    await said(twilio, "Ana Ruiz")
    await pressed(twilio, "19900412#")
    await said(twilio, "tomorrow")
    await said(twilio, "10 am")
    failed = await said(twilio, "yes")
    assert "couldn't reach our booking system" in failed
    await twilio.hang_up()
    notes = await workflow_notes()
    assert any("webhook failed: it answered HTTP 503" in note for note in notes)


async def test_a_reconnect_carries_on_where_the_workflow_stopped(booking):
    twilio = await Twilio.connect()
    await said(twilio, "book an appointment")
    await said(twilio, "Ana Ruiz")
    await twilio.hang_up()  # the relay socket drops; Twilio reconnects the same call

    again = await Twilio.connect(setup=False)
    from tests.calls.relay import setup_frame, start_call

    await again.send(setup_frame(await start_call()))
    assert "Which day" in await pressed(again, "19900412#")
    await again.hang_up()


async def test_a_spanish_caller_books_in_spanish(booking):
    twilio = await Twilio.connect()
    await said(twilio, "español")
    answer = await said(twilio, "quiero pedir una cita")
    assert "¿Cuál es su nombre completo?" in answer
    assert "fecha de nacimiento" in await said(twilio, "Me llamo Ana Ruiz")
    assert "¿Qué día" in await said(twilio, "uno nueve nueve cero cero cuatro uno dos")
    assert "¿Y a qué hora?" in await said(twilio, "el martes")
    confirm = await said(twilio, "a las tres de la tarde")
    assert "¿Es correcto?" in confirm and "Ana Ruiz" in confirm
    assert "Su referencia es BSD-0042" in await said(twilio, "sí")
    await twilio.hang_up()
    [run] = await runs()
    assert run.status == "completed" and run.slots["time"] == "15:00"


async def test_the_llm_pulls_a_value_out_of_an_answer_the_checks_cannot_read(booking, llm):
    llm.reset(replies={"dentist": "2026-12-08"}, reply="NONE")
    twilio = await Twilio.connect()
    await said(twilio, "book an appointment")
    await said(twilio, "Ana Ruiz")
    await pressed(twilio, "19900412#")
    answer = await said(twilio, "whenever the dentist is in after the holidays start")
    assert "what time" in answer
    [run] = await runs()
    assert run.slots["day"] == "2026-12-08"
    asked = llm.exchanges[-1].messages
    assert "extract the date" in asked[0]["content"]
    assert asked[-1]["content"] == "whenever the dentist is in after the holidays start"
    await twilio.hang_up()


async def test_a_transfer_step_ends_the_session_with_the_number_to_dial(twilio_settings, profile):
    from profiles.models import Workflow

    @database_sync_to_async
    def billing_workflow():
        workflow = Workflow.objects.create(
            profile=profile, name="Billing", trigger_phrases="question about my bill"
        )
        workflow.steps.create(
            position=1,
            key="to_billing",
            kind="transfer",
            number="+15550100777",
            text_en="Let me put you through to billing.",
        )

    await billing_workflow()
    twilio = await Twilio.connect()
    await twilio.say("I have a question about my bill")
    frames = await twilio.answer()
    assert "put you through to billing" in spoken_text(frames)
    await twilio.send({"type": "info", "name": "agentSpeaking", "value": "off"})
    end = await twilio.frame()
    assert end["type"] == "end"
    assert '"reasonCode":"workflow_transfer"' in end["handoffData"]
    assert '"number":"+15550100777"' in end["handoffData"]
    await twilio.hang_up()
    [run] = await runs()
    assert run.status == "transferred"
