"""Without an LLM, callers' usual questions about the demo clinic get the sentences that answer
them, in their own language, through the assistant's real answer path."""

import re

import pytest

from calls.assistant import AnswerOutcome, HistoryTurn, answer_stream
from knowledge.models import Document, KnowledgeBase
from knowledge.services import document_ingest
from profiles.demo import demo_documents
from profiles.models import PhoneProfile

GREETING = "Hello, thank you for calling Bright Smile Dental. How can I help you today?"
SPANISH_DOCUMENT = "Información en español"

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# (what the caller says, turn by turn; the call's language; words the answer must contain;
# words it must not contain: what the wrong answers of the first trial said).
QUESTIONS = [
    (
        ["What are your hours?"],
        "en",
        ["Monday to Friday from 8:00 a.m. to 6:00 p.m.", "Saturday from 9:00 a.m. to 1:00 p.m."],
        ["announced on our website", "cancel"],
    ),
    (["What are your opening hours?"], "en", ["Monday to Friday"], ["announced", "emergency"]),
    (["When are you open?"], "en", ["Monday to Friday"], ["announced"]),
    (["What time do you open on Monday?"], "en", ["Monday to Friday from 8:00 a.m."], []),
    (["Are you open on Saturdays?"], "en", ["Saturday from 9:00 a.m. to 1:00 p.m."], []),
    (["How late are you open on Wednesdays?"], "en", ["until 8:00 p.m."], []),
    (["What do I do if I have a dental emergency?"], "en", ["dentist on call"], []),
    (["What's your address?"], "en", ["120 Harbor Street"], []),
    (["Is there parking near the clinic?"], "en", ["Free parking", "garage"], []),
    (["Do you have wheelchair access?"], "en", ["step-free access for wheelchairs"], []),
    (["Tell me about your services"], "en", ["general and family dentistry"], []),
    (["Do you do teeth whitening?"], "en", ["Teeth whitening"], []),
    (["How much does whitening cost?"], "en", ["350 dollars"], []),
    (["Do you do teeth whitening?", "How much is it?"], "en", ["350 dollars"], []),
    (["Is there parking near the clinic?", "Do you take Cigna?"], "en", ["Cigna"], ["parking"]),
    (
        ["Is there parking near the clinic?", "Do you take Aetna?"],
        "en",
        ["Aetna"],
        ["parking", "check-up"],
    ),
    (["Do you accept Delta Dental?"], "en", ["Delta Dental"], []),
    (["Do you have payment plans?"], "en", ["interest-free payment plans"], []),
    (["Is there a cancellation fee?"], "en", ["fee of 50 dollars"], []),
    (["What happens if I cancel late?"], "en", ["fee of 50 dollars"], ["insurance"]),
    (["How much is a check-up?"], "en", ["120 dollars for adults"], []),
    (["What time do you open on Monday?", "And on Saturdays?"], "en", ["Saturday from 9"], []),
    (["¿A qué hora abren?"], "es", ["lunes a viernes de 8:00 a 18:00"], ["cancelar"]),
    (["¿Cuál es su horario?"], "es", ["lunes a viernes"], []),
    (["¿Abren los sábados?"], "es", ["sábados de 9:00 a 13:00"], []),
    (["¿Atienden los domingos?"], "es", ["Cerramos los domingos"], []),
    (["¿Cuál es la política de cancelación?"], "es", ["24 horas antes"], []),
    (["¿Dónde están?"], "es", ["120 Harbor Street"], []),
    (["¿Aceptan seguro?"], "es", ["Aceptamos la mayoría de los seguros dentales"], []),
    (["¿Aceptan Cigna?"], "es", ["Cigna"], []),
    (["¿Tienen estacionamiento?"], "es", ["garaje"], []),
    (["¿Cuánto cuesta una limpieza?"], "es", ["120 dólares"], []),
]


def sentences(text: str) -> list[str]:
    body = " ".join(line for line in text.splitlines() if not line.startswith("#"))
    return [sentence for sentence in re.split(r"(?<=[.!?])\s+", body) if len(sentence) > 20]


# Every sentence of the demo documents, by the language it is written in.
SENTENCES = {"en": [], "es": []}
for _title, _text in demo_documents():
    SENTENCES["es" if _title == SPANISH_DOCUMENT else "en"].extend(sentences(_text))


@pytest.fixture
def clinic(settings, profile) -> PhoneProfile:
    """The test profile answering from the demo clinic's documents, with no LLM, loaded as a
    call session loads it."""
    settings.OPENAI_API_KEY = ""
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    for title, text in demo_documents():
        document = Document.objects.create(
            knowledge_base=knowledge_base, title=title, source_text=text
        )
        document_ingest(document_id=document.pk)
    profile.knowledge_bases.add(knowledge_base)
    return PhoneProfile.objects.prefetch_related("knowledge_bases", "menu_options").get(
        pk=profile.pk
    )


async def conversation(profile: PhoneProfile, said: list[str], language: str) -> tuple[str, str]:
    """(the last answer, where it came from), after the caller says each of `said` in turn."""
    history = [HistoryTurn("assistant", GREETING)]
    for words in said:
        history.append(HistoryTurn("caller", words))
        outcome = AnswerOutcome()
        pieces = [
            piece
            async for piece in answer_stream(
                profile=profile,
                history=history,
                language=language,
                outcome=outcome,
                call_sid="CA-answers",
            )
        ]
        history.append(HistoryTurn("assistant", "".join(pieces)))
    return history[-1].text, outcome.source


@pytest.mark.parametrize(
    ("said", "language", "expected", "unexpected"),
    QUESTIONS,
    ids=[" / ".join(said) for said, *_ in QUESTIONS],
)
async def test_a_usual_question_gets_the_sentences_that_answer_it_in_the_callers_language(
    clinic, said, language, expected, unexpected
):
    answer, source = await conversation(clinic, said, f"{language}-US")
    assert source == "knowledge", answer
    for words in expected:
        assert words in answer, answer
    for words in unexpected:
        assert words.lower() not in answer.lower(), answer
    other = "en" if language == "es" else "es"
    assert not [sentence for sentence in SENTENCES[other] if sentence in answer], answer


async def test_the_answer_is_short_enough_to_speak(clinic):
    answer, _ = await conversation(clinic, ["What are your hours?"], "en-US")
    assert len(answer) < 400


@pytest.mark.parametrize(
    ("said", "language"),
    [
        (["Do you sell pizza on Tuesdays?"], "en"),
        (["What is the capital of France?"], "en"),
        (["What are your hours?", "Do you sell pizza?"], "en"),
        (["¿Venden pizza los martes?"], "es"),
    ],
)
async def test_a_question_the_documents_do_not_answer_gets_no_sentence(clinic, said, language):
    answer, source = await conversation(clinic, said, f"{language}-US")
    assert source == "system"
    assert not [s for s in SENTENCES["en"] + SENTENCES["es"] if s in answer], answer
