"""Answers come from the business's own documents, with or without an LLM."""

import pytest
from channels.db import database_sync_to_async

from calls.models import Turn
from knowledge.models import Document, KnowledgeBase
from knowledge.services import document_ingest
from profiles.demo import demo_documents
from tests.calls.relay import Twilio, spoken_text

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic(twilio_settings, profile, llm):
    """The test profile answering from the demo clinic's documents."""
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    for title, text in demo_documents():
        document = Document.objects.create(
            knowledge_base=knowledge_base, title=title, source_text=text
        )
        document_ingest(document_id=document.pk)
    profile.knowledge_bases.add(knowledge_base)
    return llm


@pytest.fixture
def no_llm(settings):
    settings.OPENAI_API_KEY = ""


@database_sync_to_async
def last_answer() -> Turn:
    return Turn.objects.filter(role="assistant").order_by("-sequence").first()


async def test_without_an_llm_the_hours_come_from_the_documents(clinic, no_llm):
    twilio = await Twilio.connect()
    await twilio.say("What time do you open on Monday?")
    answer = spoken_text(await twilio.answer())
    assert "Monday to Friday from 8:00 a.m. to 6:00 p.m." in answer
    assert len(answer) < 400
    await twilio.hang_up()
    turn = await last_answer()
    assert turn.source == "knowledge"
    assert turn.knowledge and turn.knowledge[0]["document"] == "Opening hours"
    assert turn.knowledge[0]["score"] > 0


async def test_without_an_llm_a_follow_up_uses_the_previous_question(clinic, no_llm):
    twilio = await Twilio.connect()
    await twilio.say("What time do you open on Monday?")
    await twilio.answer()
    await twilio.say("And on Saturdays?")
    assert "Saturday from 9:00 a.m. to 1:00 p.m." in spoken_text(await twilio.answer())
    await twilio.hang_up()


async def test_without_an_llm_a_spanish_question_gets_a_spanish_answer(clinic, no_llm):
    twilio = await Twilio.connect()
    await twilio.say("¿Aceptan el seguro Delta Dental?", lang="es")
    assert (await twilio.frame())["type"] == "language"
    answer = spoken_text(await twilio.answer())
    assert "Delta Dental" in answer and "Aceptamos" in answer
    await twilio.hang_up()


async def test_without_an_llm_an_unknown_question_offers_a_person(clinic, no_llm):
    twilio = await Twilio.connect()
    await twilio.say("Do you sell pizza on Tuesdays?")
    assert "Would you like me to connect you" in spoken_text(await twilio.answer())
    await twilio.say("Yes, please.")
    await twilio.answer()
    end = await twilio.frame(timeout=10)
    assert end["type"] == "end" and "live_agent_request" in end["handoffData"]
    await twilio.hang_up()


async def test_without_anyone_to_transfer_to_no_person_is_offered(clinic, profile, no_llm):
    profile.live_agent_number = ""
    await database_sync_to_async(profile.save)()
    twilio = await Twilio.connect()
    await twilio.say("Do you sell pizza on Tuesdays?")
    answer = spoken_text(await twilio.answer())
    assert "don't have that information" in answer
    assert "connect you" not in answer
    await twilio.hang_up()


async def test_with_an_llm_the_answer_is_grounded_in_the_retrieved_passages(clinic):
    clinic.reset(reply="We open at eight on Mondays.")
    twilio = await Twilio.connect()
    await twilio.say("What time do you open on Monday?")
    assert spoken_text(await twilio.answer()) == "We open at eight on Mondays."
    system = clinic.exchanges[-1].messages[0]["content"]
    assert "Answer only from the facts below" in system
    assert "Monday to Friday from 8:00 a.m. to 6:00 p.m." in system
    await twilio.hang_up()
    turn = await last_answer()
    assert turn.source == "llm" and turn.knowledge[0]["document"] == "Opening hours"


async def test_with_an_llm_a_follow_up_is_rewritten_before_retrieval(clinic):
    clinic.reset(
        replies={"standalone question": "What are your opening hours on Saturdays?"},
        reply="We are open on Saturdays from nine to one.",
    )
    twilio = await Twilio.connect()
    await twilio.say("What time do you open on Monday?")
    await twilio.answer()
    await twilio.say("And on Saturdays?")
    await twilio.answer()
    await twilio.hang_up()
    rewrite, answer = clinic.exchanges[-2:]
    assert "standalone question" in rewrite.messages[0]["content"]
    assert "And on Saturdays?" in rewrite.messages[-1]["content"]
    assert "Saturday from 9:00 a.m. to 1:00 p.m." in answer.messages[0]["content"]


async def test_knowledge_can_be_switched_off_per_profile(clinic, profile, no_llm):
    profile.use_knowledge = False
    await database_sync_to_async(profile.save)()
    twilio = await Twilio.connect()
    await twilio.say("What time do you open on Monday?")
    assert "no language model is configured" in spoken_text(await twilio.answer())
    await twilio.hang_up()
