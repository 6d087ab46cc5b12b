"""Without an LLM, the assistant speaks the document sentences that answer the question."""

import pytest

from knowledge.extractive import best_sentences, sentences_of
from knowledge.retrieval import Passage, passages_search


def answer(knowledge_base, question: str, language: str = "en") -> list[str]:
    passages = passages_search(
        question=question, knowledge_base_ids=[knowledge_base.pk], language=language
    )
    return best_sentences(question, passages, language)


def passage(heading: str, text: str, chunk_id: int = 1) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        document_id=chunk_id,
        title=heading.split(" › ")[0],  # noqa: RUF001
        heading=heading,
        text=text,
        score=0.0,
        similarity=None,
        text_rank=None,
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What time do you open on Monday?", "Monday to Friday from 8:00 a.m. to 6:00 p.m."),
        ("Is there parking?", "Free parking for patients"),
        ("Do you take Delta Dental?", "Delta Dental"),
        ("How much does teeth whitening cost?", "A whitening session costs 350 dollars."),
        ("What is the fee for cancelling late?", "fee of 50 dollars"),
        ("¿Aceptan Medicaid?", "No aceptamos Medicaid."),
    ],
)
def test_the_sentences_that_answer_are_chosen(demo_knowledge_base, question, expected):
    sentences = answer(demo_knowledge_base, question, "es" if "¿" in question else "en")
    assert 1 <= len(sentences) <= 3
    assert any(expected in sentence for sentence in sentences), sentences


@pytest.mark.parametrize(
    "question", ["Do you sell pizza on Tuesdays?", "What is the capital of France?"]
)
def test_nothing_is_said_when_the_documents_do_not_answer(demo_knowledge_base, question):
    assert answer(demo_knowledge_base, question) == []


ENGLISH = passage("Insurance", "We accept most plans, including Cigna and Aetna.", 1)
SPANISH = passage("Seguros", "Aceptamos la mayoría de los seguros, como Cigna y Aetna.", 2)


def test_an_answer_is_in_the_calls_language_when_the_documents_have_it():
    assert best_sentences("¿Aceptan Cigna?", [ENGLISH, SPANISH], "es-US") == [SPANISH.text]
    assert best_sentences("Do you take Cigna?", [SPANISH, ENGLISH], "en-US") == [ENGLISH.text]


def test_without_a_passage_in_the_calls_language_the_other_language_answers_alone():
    assert best_sentences("¿Aceptan Cigna?", [ENGLISH], "es-US") == [ENGLISH.text]


def test_a_question_that_only_asks_when_gets_the_sentence_with_days_and_times():
    hours = passage(
        "Opening hours",
        "Holidays are announced two weeks in advance. We are open Monday to Friday, 8 to 6.",
    )
    assert best_sentences("What are your hours?", [hours], "en") == [
        "We are open Monday to Friday, 8 to 6."
    ]


def test_a_heading_answers_for_the_sentences_of_its_section():
    services = passage("Services", "We offer general and family dentistry.")
    assert best_sentences("Tell me about your services", [services], "en") == [services.text]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "We open at 8 a.m. Dr. Ruiz sees children.",
            ["We open at 8 a.m.", "Dr. Ruiz sees children."],
        ),
        ("¿Tiene seguro? Aceptamos Cigna.", ["¿Tiene seguro?", "Aceptamos Cigna."]),
        ("- Fillings\n- Crowns", ["Fillings", "Crowns"]),
    ],
)
def test_passages_are_split_into_sentences(text, sentences):
    assert sentences_of(text) == sentences
