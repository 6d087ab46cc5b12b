"""Every fixed sentence the system speaks, in English and Spanish.

Profiles write their own greetings and transfer messages; these are the sentences the code
itself says. A language code picks its table by primary subtag (`es-MX` → `es`); anything else
falls back to English.
"""

import re

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "unknown_number": (
            "Sorry, this number is not in service at the moment. Please try again later. Goodbye."
        ),
        "transfer": "Please hold while I connect you to a member of our team.",
        "no_live_agent": (
            "I'm sorry, no one from our team can take your call right now, but I'm still here "
            "to help. What can I do for you?"
        ),
        "dial_no_answer": (
            "I'm sorry, no one was able to answer. To continue with the assistant, press 1 or "
            "say assistant. Otherwise, you can hang up."
        ),
        "back_to_assistant": "I'm back. How can I help you?",
        "reconnected": "Sorry, we were cut off for a moment. How can I help you?",
        "technical_trouble": (
            "I'm sorry, we are having technical trouble. Please call again later. Goodbye."
        ),
        "menu_intro": "Please choose one of the following options.",
        "menu_option": "For {label}, press {digit}.",
        "menu_retry": "Sorry, I didn't get that.",
        "goodbye": "Thank you for calling. Goodbye.",
        "assistant_word": "assistant",
        "no_llm": (
            "I'm sorry, no language model is configured for this line yet, so I can't answer "
            "questions right now."
        ),
        "llm_failed": "I'm sorry, I'm having trouble answering right now. Could you ask me again?",
        "filler": "Let me check that for you.",
        "dont_know_no_person": (
            "I'm sorry, I don't have that information. Is there anything else I can help you with?"
        ),
        "dont_know": (
            "I'm sorry, I don't know that. Would you like me to connect you with a member of our "
            "team?"
        ),
        "silence_goodbye": "It seems the line is quiet, so I'll hang up now. Goodbye.",
    },
    "es": {
        "unknown_number": (
            "Lo sentimos, este número no está en servicio en este momento. Por favor, vuelva a "
            "intentarlo más tarde. Adiós."
        ),
        "transfer": "Por favor, espere mientras le comunico con un miembro de nuestro equipo.",
        "no_live_agent": (
            "Lo siento, en este momento nadie de nuestro equipo puede atender su llamada, pero "
            "yo sigo aquí para ayudarle. ¿Qué puedo hacer por usted?"
        ),
        "dial_no_answer": (
            "Lo siento, nadie pudo contestar. Para continuar con la asistente, marque 1 o diga "
            "asistente. Si no, puede colgar."
        ),
        "back_to_assistant": "Ya estoy de vuelta. ¿En qué le puedo ayudar?",
        "reconnected": "Disculpe, se cortó la comunicación un momento. ¿En qué le puedo ayudar?",
        "technical_trouble": (
            "Lo siento, tenemos problemas técnicos. Por favor, llame más tarde. Adiós."
        ),
        "menu_intro": "Por favor, elija una de las siguientes opciones.",
        "menu_option": "Para {label}, marque {digit}.",
        "menu_retry": "Disculpe, no le entendí.",
        "goodbye": "Gracias por llamar. Adiós.",
        "assistant_word": "asistente",
        "no_llm": (
            "Lo siento, esta línea todavía no tiene un modelo de lenguaje configurado, así que "
            "no puedo responder preguntas en este momento."
        ),
        "llm_failed": (
            "Lo siento, tengo problemas para responder en este momento. ¿Podría preguntarme de "
            "nuevo?"
        ),
        "filler": "Permítame verificarlo.",
        "dont_know_no_person": (
            "Lo siento, no tengo esa información. ¿Le puedo ayudar con algo más?"
        ),
        "dont_know": (
            "Lo siento, no lo sé. ¿Quiere que le comunique con alguien de nuestro equipo?"
        ),
        "silence_goodbye": "Parece que la línea está en silencio, así que voy a colgar. Adiós.",
    },
}

SUPPORTED = tuple(PHRASES)


def base_language(code: str) -> str:
    """`es-MX` → `es`; unsupported or empty codes → `en`."""
    base = re.split(r"[-_]", (code or "").strip(), maxsplit=1)[0].lower()
    return base if base in PHRASES else "en"


def phrase(key: str, language: str = "en", **values: str) -> str:
    text = PHRASES[base_language(language)][key]
    return text.format(**values) if values else text
