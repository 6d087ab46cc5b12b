"""Local intent rules: what a caller's short utterance means, and what the assistant says back."""

import random
import re

import pytest

from calls.intents import Intent, assistant_ending, detect_intent, is_question, reply_for

GREETING, THANKS, FAREWELL = Intent.GREETING, Intent.THANKS, Intent.FAREWELL
LIVE_AGENT, SPANISH, ENGLISH = Intent.LIVE_AGENT, Intent.SPEAK_SPANISH, Intent.SPEAK_ENGLISH
LANGUAGES = ["en", "en-US", "es", "es-MX", "es-US"]
NAMES = {"assistant_name": "Ava", "business_name": "Bright Smile Dental"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Greetings, alone.
        ("hi", GREETING),
        ("Hello there!", GREETING),
        ("Good morning.", GREETING),
        ("HEY", GREETING),
        ("Hello? Hello?", GREETING),
        ("hola", GREETING),
        ("¡Hola!", GREETING),
        ("Buenos días", GREETING),
        ("buenos dias", GREETING),
        ("Buenas tardes.", GREETING),
        ("buenas noches", GREETING),
        # Thanks, alone.
        ("thank you", THANKS),
        ("Thank you so much!", THANKS),
        ("thanks a lot", THANKS),
        ("Thanks for your help.", THANKS),
        ("OK, thank you.", THANKS),
        ("Perfect, thanks!", THANKS),
        ("gracias", THANKS),
        ("Muchas gracias.", THANKS),
        ("muchísimas gracias", THANKS),
        ("Gracias por su ayuda", THANKS),
        # Farewells: they beat thanks.
        ("bye", FAREWELL),
        ("Goodbye!", FAREWELL),
        ("bye-bye", FAREWELL),
        ("that's all, thanks", FAREWELL),
        ("That\u2019s all, thanks", FAREWELL),
        ("No thanks, that's everything.", FAREWELL),
        ("No, that's all, thank you.", FAREWELL),
        ("Have a nice day!", FAREWELL),
        ("Thanks, bye", FAREWELL),
        ("ok thank you goodbye", FAREWELL),
        ("adiós", FAREWELL),
        ("ADIOS", FAREWELL),
        ("Hasta luego.", FAREWELL),
        ("Eso es todo, gracias.", FAREWELL),
        ("eso es todo gracias", FAREWELL),
        ("chao", FAREWELL),
        ("No, nada más, gracias.", FAREWELL),
        ("Que tenga un buen día.", FAREWELL),
        ("Gracias, buenas noches.", FAREWELL),
        # Requests for a person: explicit ones win even with more content.
        ("can I talk to a person", LIVE_AGENT),
        ("A real human, please.", LIVE_AGENT),
        ("agent", LIVE_AGENT),
        ("Operator!", LIVE_AGENT),
        ("representative", LIVE_AGENT),
        ("Human.", LIVE_AGENT),
        ("person", LIVE_AGENT),
        ("Transfer me to someone.", LIVE_AGENT),
        ("Can I speak to a real person about my bill?", LIVE_AGENT),
        ("Hi, I'd like to speak with someone at the front desk.", LIVE_AGENT),
        ("Put me through to the receptionist, please", LIVE_AGENT),
        ("Thanks, but can I talk to an agent?", LIVE_AGENT),
        ("No, I want to talk to a person.", LIVE_AGENT),
        ("Can I talk to someone in Spanish?", LIVE_AGENT),
        ("Quiero hablar con una persona.", LIVE_AGENT),
        ("quiero hablar con una persona", LIVE_AGENT),
        ("Con un agente.", LIVE_AGENT),
        ("con alguien", LIVE_AGENT),
        ("Operadora", LIVE_AGENT),
        ("un humano", LIVE_AGENT),
        ("¿Me puede comunicar con alguien de recepción?", LIVE_AGENT),
        ("Páseme con un agente, por favor.", LIVE_AGENT),
        ("paseme con un agente por favor", LIVE_AGENT),
        ("Comuníqueme con un representante.", LIVE_AGENT),
        ("No, quiero hablar con una persona.", LIVE_AGENT),
        # Language switches.
        ("Spanish please", SPANISH),
        ("Do you speak Spanish?", SPANISH),
        ("Can we speak in Spanish?", SPANISH),
        ("español", SPANISH),
        ("Espanol.", SPANISH),
        ("En español, por favor.", SPANISH),
        ("¿Habla español?", SPANISH),
        ("hablas espanol", SPANISH),
        ("Hablo español.", SPANISH),
        ("No hablo inglés.", SPANISH),
        ("Sorry, I don't speak English.", SPANISH),
        ("Is there anyone who speaks Spanish?", SPANISH),
        ("Hola, ¿habla español?", SPANISH),
        ("English please", ENGLISH),
        ("In English.", ENGLISH),
        ("inglés", ENGLISH),
        ("INGLES", ENGLISH),
        ("¿Hablas inglés?", ENGLISH),
        ("en inglés por favor", ENGLISH),
        ("Do you speak English?", ENGLISH),
        ("I don't speak Spanish.", ENGLISH),
        ("No, in English please.", ENGLISH),
    ],
)
def test_an_utterance_that_is_just_an_intent_is_answered_locally(text, expected):
    assert detect_intent(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?!",
        # Greeting or thanks plus a real question: the assistant must answer.
        "Hello, what time do you open on Monday?",
        "Hi, how are you?",
        "Good morning, I'd like to book a cleaning.",
        "Thanks, and do you take Delta Dental?",
        "Hola, quisiera hacer una cita.",
        "Gracias, ¿y aceptan seguro?",
        # Questions about people or languages are about the business.
        "Is there a person who can fix my tooth?",
        "I need someone to look at my tooth.",
        "Who can I talk to about insurance?",
        "Do you have Spanish-speaking dentists?",
        "My Spanish class is at noon.",
        "Do you speak Spanish or English?",
        "¿Tienen dentistas que hablen inglés?",
        # Negations.
        "I don't want to talk to a person.",
        "I don't need to speak to anyone, just tell me your hours.",
        "No quiero hablar con una persona.",
        "no, not goodbye yet",
        # Yes/no plus thanks depends on what the assistant asked.
        "No, thank you.",
        "Yes, thank you.",
        "Sí, gracias.",
        # Not an intent at all.
        "ok",
        "yes",
        "Morning",
        "One moment please.",
    ],
)
def test_anything_more_than_an_intent_goes_to_the_assistant(text):
    assert detect_intent(text) is None


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Both languages are recognised on every call.
        ("hola", "en-US", GREETING),
        ("Hello!", "es-MX", GREETING),
        ("thank you", "es", THANKS),
        ("adiós", "en", FAREWELL),
        ("Quiero hablar con una persona", "en-US", LIVE_AGENT),
        ("Can I talk to a person?", "es-US", LIVE_AGENT),
        ("español", "en-US", SPANISH),
        ("English please", "es-MX", ENGLISH),
        # A bare "¿Bueno?" is the Mexican telephone hello, on a Spanish call only.
        ("¿Bueno?", "es-MX", GREETING),
        ("bueno bueno", "es", GREETING),
        ("bueno", "en-US", None),
        ("Bueno, gracias.", "es", THANKS),
        ("Bueno, ¿a qué hora abren?", "es", None),
    ],
)
def test_the_call_language_only_settles_ambiguous_words(text, language, expected):
    assert detect_intent(text, language) is expected


@pytest.mark.parametrize(
    "text",
    [
        "What time do you open?",
        "what time do you open",
        "Hello, what time do you open on Monday",
        "hi how much is a cleaning",
        "Do you take Delta Dental",
        "Can I book for Tuesday",
        "Is the office open on Saturday",
        "Have you got anything on Monday",
        "You're open Saturday, right",
        "¿A qué hora abren?",
        "a que hora abren",
        "Aceptan seguro",
        "cuánto cuesta una limpieza",
        "Dónde están ubicados",
        "Hola, tienen citas el sábado",
        "Por qué cerraron",
        "Oye, ¿con quién hablo",
        "Abren el sábado, verdad",
    ],
)
def test_a_question_is_recognised_with_or_without_a_question_mark(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello",
        "thank you",
        "I'd like to book a cleaning.",
        "Have a nice day",
        "That's right",
        "My name is John",
        "Que tenga un buen día",
        "¡Qué bueno!",
        "Quiero una cita",
        "Está bien",
        "Me llamo Juan",
    ],
)
def test_a_statement_is_not_a_question(text):
    assert not is_question(text)


def _replies(intent: Intent, language: str, **names: str) -> set[str]:
    names = names or NAMES
    return {reply_for(intent, language, rng=random.Random(seed), **names) for seed in range(60)}


def _spanish(reply: str) -> bool:
    words = re.findall(r"\w+", reply.lower())
    spanish = {"le", "de", "en", "que", "por", "con", "usted", "nuestro", "gracias", "puedo"}
    english = {"you", "the", "to", "i", "is", "our", "for", "help", "can", "what", "of"}
    return sum(w in spanish for w in words) > sum(w in english for w in words)


@pytest.mark.parametrize("intent", list(Intent))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_is_short_plain_speech(intent, language):
    for reply in _replies(intent, language):
        assert 0 < len(reply.split()) <= 16, reply
        assert not re.search(r"[*_#`\[\]<>{}]", reply), reply  # no markdown or leftover fields
        assert all(ord(char) < 0x2000 for char in reply), reply  # no emoji
        assert len(re.findall(r"[.!?]+", reply)) <= 3, reply


@pytest.mark.parametrize("intent", [GREETING, THANKS, FAREWELL, LIVE_AGENT])
@pytest.mark.parametrize(
    ("language", "spanish"),
    [
        ("en", False),
        ("en-US", False),
        ("es", True),
        ("es-MX", True),
        ("es-US", True),
        ("fr-FR", False),
    ],
)
def test_a_reply_is_in_the_call_language(intent, language, spanish):
    assert {_spanish(reply) for reply in _replies(intent, language)} == {spanish}


@pytest.mark.parametrize(("intent", "spanish"), [(SPANISH, True), (ENGLISH, False)])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_switch_is_confirmed_in_the_new_language(intent, spanish, language):
    replies = _replies(intent, language)
    assert {_spanish(reply) for reply in replies} == {spanish}
    assert all(("español" if spanish else "English") in reply for reply in replies)


@pytest.mark.parametrize("intent", list(Intent))
@pytest.mark.parametrize("language", ["en", "es"])
def test_replies_vary_between_calls_and_repeat_with_the_same_seed(intent, language):
    assert len(_replies(intent, language)) >= 3
    first = reply_for(intent, language, rng=random.Random(7), **NAMES)
    assert reply_for(intent, language, rng=random.Random(7), **NAMES) == first
    assert reply_for(intent, language, **NAMES) in _replies(intent, language)


@pytest.mark.parametrize(
    ("language", "sample"),
    [("en", "Hi! This is Ava at Bright Smile"), ("es", "¡Hola! Soy Ava, de Bright Smile")],
)
def test_the_greeting_introduces_the_assistant_and_the_business(language, sample):
    greetings = _replies(GREETING, language)
    assert any(reply.startswith(sample) for reply in greetings)
    assert any("Ava" in reply and "Bright Smile Dental" in reply for reply in greetings)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_goodbye_thanks_the_caller_for_calling_the_business(language):
    farewells = _replies(FAREWELL, language)
    assert any("Bright Smile Dental" in reply for reply in farewells)
    assert all(("calling" if language == "en" else "llamar") in reply for reply in farewells)


@pytest.mark.parametrize("intent", list(Intent))
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "names",
    [
        {"assistant_name": "", "business_name": ""},
        {"assistant_name": "  ", "business_name": "Bright Smile"},
        {"assistant_name": "Ava", "business_name": ""},
    ],
)
def test_a_blank_name_never_leaves_a_gap_in_the_reply(intent, language, names):
    for reply in _replies(intent, language, **names):
        assert not re.search(r"\s[\s,.!?]|\bat\s*[.,]|\bde\s*[.,]|\ba\s*[.,]", reply), reply


@pytest.mark.parametrize(
    ("intent", "ending"),
    [
        (FAREWELL, FAREWELL),
        (LIVE_AGENT, LIVE_AGENT),
        (GREETING, None),
        (THANKS, None),
        (SPANISH, None),
        (ENGLISH, None),
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_only_goodbye_and_transfer_replies_end_the_assistant_turn(intent, ending, language):
    for reply in _replies(intent, language):
        assert assistant_ending(reply, language) is ending, reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Goodbye!", FAREWELL),
        ("Have a great day. Goodbye.", FAREWELL),
        ("Thank you for calling Bright Smile Dental. Goodbye!", FAREWELL),
        ("Goodbye, Maria!", FAREWELL),
        ("Bye for now.", FAREWELL),
        ("Goodbye. Take care!", FAREWELL),
        ("¡Adiós!", FAREWELL),
        ("Que tenga un buen día, adiós.", FAREWELL),
        ("que tenga un buen dia adios", FAREWELL),
        ("Gracias por llamar. Hasta luego.", FAREWELL),
        ("I'll transfer you to a member of our team now.", LIVE_AGENT),
        ("Let me connect you with a person.", LIVE_AGENT),
        ("I\u2019m transferring you now.", LIVE_AGENT),
        ("Sure! I'll connect you now. Please hold.", LIVE_AGENT),
        ("No problem, let me transfer you to the front desk.", LIVE_AGENT),
        ("Of course. Let me transfer you. Goodbye!", LIVE_AGENT),
        ("Le comunico con un agente.", LIVE_AGENT),
        ("Le paso con una persona ahora.", LIVE_AGENT),
        ("Voy a transferirle con recepción.", LIVE_AGENT),
        ("Un momento, por favor. Le voy a comunicar con recepción. Gracias.", LIVE_AGENT),
    ],
)
def test_the_end_of_the_assistant_answer_can_close_the_call(text, expected):
    assert assistant_ending(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Our hours are Monday to Friday, 9 to 5. Is there anything else I can help with?",
        "We're open 9 to 5. Before you say goodbye, is there anything else?",
        "To end the call, just say goodbye.",
        "Goodbye! Actually, one more thing: we close early on Friday.",
        "Have a great day!",
        "Would you like me to transfer you to a member of our team?",
        "If you'd like, I can transfer you to the front desk.",
        "I'm not able to transfer you right now, but I can help.",
        "¿Quiere que le comunique con recepción?",
        "Le comunico que la clínica cierra a las cinco.",
        "No le puedo comunicar con nadie ahora, pero yo le ayudo.",
    ],
)
def test_a_goodbye_or_transfer_mentioned_mid_answer_keeps_the_call_going(text):
    assert assistant_ending(text) is None
    assert assistant_ending(text, "es-MX") is None
