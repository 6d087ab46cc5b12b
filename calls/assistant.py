"""The assistant's answer to one caller turn, as a stream of text pieces.

It builds the prompt (the profile's instructions, the voice rules, the language, the call's
history as the caller heard it), streams the LLM, falls back to a second model once, and
apologises rather than fail. The session consumes the pieces without knowing where they came
from, so retrieval can be added here without touching the consumer.
"""

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from calls import llm
from calls.phrases import base_language, phrase
from profiles.models import PhoneProfile

logger = logging.getLogger(__name__)

HISTORY_TURNS = 20

VOICE_RULES = {
    "en": (
        "You are talking on the phone, and everything you write is spoken aloud. "
        "Answer in one to three short spoken sentences. Write numbers, times, prices and "
        "symbols as words. Never use lists, headings, links, markdown or emoji. If you do not "
        "know something, say so and offer to connect the caller with a person. Answer in "
        "English."
    ),
    "es": (
        "Está hablando por teléfono y todo lo que escribe se lee en voz alta. Responda en una "
        "a tres frases cortas, de usted. Escriba los números, horas, precios y símbolos con "
        "palabras. Nunca use listas, títulos, enlaces, markdown ni emojis. Si no sabe algo, "
        "dígalo y ofrezca comunicar a la persona con alguien del equipo. Responda en español."
    ),
}


@dataclass(frozen=True)
class HistoryTurn:
    role: str  # "caller" or "assistant"
    text: str  # for an interrupted answer: what the caller heard


@dataclass
class AnswerOutcome:
    """Filled in while the answer streams: where it came from and what went wrong."""

    source: str = "llm"
    model: str = ""
    error: str = ""


def build_messages(
    *, profile: PhoneProfile, history: list[HistoryTurn], language: str
) -> list[dict[str, str]]:
    """The chat messages for the LLM; the caller's new words are the last history turn."""
    system = "\n\n".join(
        part
        for part in (
            f"You are {profile.assistant_name}, the phone assistant of {profile.name}.",
            profile.system_instructions.strip(),
            VOICE_RULES[base_language(language)],
        )
        if part
    )
    messages = [{"role": "system", "content": system}]
    for turn in history[-HISTORY_TURNS:]:
        if turn.text:
            role = "user" if turn.role == "caller" else "assistant"
            messages.append({"role": role, "content": turn.text})
    return messages


async def answer_stream(
    *,
    profile: PhoneProfile,
    history: list[HistoryTurn],
    language: str,
    outcome: AnswerOutcome,
    call_sid: str,
) -> AsyncIterator[str]:
    """Yield the answer's text. Never raises for an LLM failure: the caller hears an apology."""
    if not llm.llm_configured():
        outcome.source = "system"
        yield phrase("no_llm", language)
        return
    messages = build_messages(profile=profile, history=history, language=language)
    models = [profile.llm_model]
    if profile.fallback_llm_model and profile.fallback_llm_model != profile.llm_model:
        models.append(profile.fallback_llm_model)
    errors = []
    for model in models:
        outcome.model = model
        spoken_anything = False
        try:
            async for piece in llm.stream_chat(
                model=model,
                messages=messages,
                temperature=profile.temperature,
                max_tokens=profile.max_tokens,
            ):
                spoken_anything = True
                yield piece
            outcome.error = "; ".join(errors)
            return
        except llm.LLMError as exc:
            logger.warning("call %s: LLM %s failed: %s", call_sid, model, exc)
            errors.append(f"{model}: {exc}")
            if spoken_anything:
                # Part of the answer was already spoken: a second model would start over.
                break
    outcome.source = "system"
    outcome.error = "; ".join(errors)
    yield (" " if spoken_anything else "") + phrase("llm_failed", language)
