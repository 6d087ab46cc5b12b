"""Without an LLM, the assistant speaks the document sentences that answer the question."""

import pytest

from knowledge.extractive import best_sentences, sentences_of
from knowledge.retrieval import passages_search


def answer(knowledge_base, question: str, language: str = "en") -> list[str]:
    passages = passages_search(
        question=question, knowledge_base_ids=[knowledge_base.pk], language=language
    )
    return best_sentences(question, passages)


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
