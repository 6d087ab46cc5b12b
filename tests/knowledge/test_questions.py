"""What a caller's question is about, and the kind of answer it asks for."""

import pytest

from knowledge.embeddings import stems
from knowledge.language import text_language
from knowledge.questions import AnswerKind, answer_kinds, question_parse, search_text
from profiles.demo import demo_documents


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Is there parking near the clinic?", "parking"),
        ("Tell me about your services", "services"),
        ("¿Tienen estacionamiento?", "estacionamiento"),
    ],
)
def test_the_words_that_frame_a_question_are_not_its_topic(question, topic):
    assert set(question_parse(question).topic) == set(stems(topic))


def test_a_light_verb_weighs_less_than_what_it_asks_about():
    topic = question_parse("Do you take Cigna?").topic
    [cigna], [take] = stems("Cigna"), stems("take")
    assert topic[cigna] > topic[take] > 0


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What are your hours?", AnswerKind.TIME),
        ("When are you open?", AnswerKind.TIME),
        ("¿A qué hora abren?", AnswerKind.TIME),
        ("What's your address?", AnswerKind.PLACE),
        ("¿Dónde están?", AnswerKind.PLACE),
        ("How much does whitening cost?", AnswerKind.PRICE),
        ("¿Cuánto cuesta una limpieza?", AnswerKind.PRICE),
        ("Do you take Cigna?", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert question_parse(question).kind == kind


@pytest.mark.parametrize(
    ("sentence", "kinds"),
    [
        ("We are open Monday to Friday from 8:00 a.m. to 6:00 p.m.", {AnswerKind.TIME}),
        ("Los miércoles abrimos hasta las 20:00.", {AnswerKind.TIME}),
        ("We are at 120 Harbor Street, Suite 200.", {AnswerKind.PLACE}),
        ("A whitening session costs 350 dollars.", {AnswerKind.PRICE}),
        ("Please cancel at least 24 hours before your appointment.", set()),
    ],
)
def test_the_kind_of_answer_a_sentence_gives(sentence, kinds):
    assert answer_kinds(sentence) == kinds


def test_a_question_naming_no_topic_searches_for_the_words_of_its_answers():
    assert "Monday" in search_text("What are your hours?", "en")
    assert "lunes" in search_text("¿A qué hora abren?", "es")
    assert "Monday" not in search_text("Are you open on Saturdays?", "en")


@pytest.mark.parametrize(
    ("question", "refers_back"),
    [("And on Saturdays?", True), ("How much is it?", True), ("Do you take Cigna?", False)],
)
def test_a_question_that_leans_on_the_previous_one(question, refers_back):
    assert question_parse(question).refers_back is refers_back


def test_each_demo_document_is_recognised_in_its_language():
    languages = {title: text_language(text) for title, text in demo_documents()}
    assert languages.pop("Información en español") == "es"
    assert set(languages.values()) == {"en"}
    assert text_language("Delta Dental, Cigna, Aetna") == ""
