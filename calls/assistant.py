"""The assistant's answer to one caller turn, as a stream of text pieces.

It builds the prompt (the profile's instructions, the voice rules, the language, the call's
history as the caller heard it), streams the LLM, falls back to a second model once, and
apologises rather than fail. The session consumes the pieces without knowing where they came
from, so retrieval can be added here without touching the consumer.
"""

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

from calls import llm
from calls.phrases import base_language, phrase
from knowledge.extractive import extractive_answer
from knowledge.questions import question_parse
from knowledge.retrieval import Passage, passages_search
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


GROUNDING = {
    "en": (
        "Answer only from the facts below, taken from the business's own documents. If they do "
        "not contain the answer, say you don't know and offer to connect the caller with a "
        "person. Never make up hours, prices or policies."
    ),
    "es": (
        "Responda solo con los datos de abajo, tomados de los documentos del negocio. Si no "
        "contienen la respuesta, diga que no lo sabe y ofrezca comunicar a la persona con "
        "alguien del equipo. Nunca invente horarios, precios ni políticas."
    ),
}
REWRITE_INSTRUCTIONS = (
    "Rewrite the caller's last question as one standalone question that can be understood "
    "without the conversation, in the caller's language. Reply with the question only."
)
FOLLOW_UP_MAX_WORDS = 8


@dataclass
class AnswerOutcome:
    """Filled in while the answer streams: where it came from and what went wrong."""

    source: str = "llm"
    model: str = ""
    error: str = ""
    passages: list[Passage] = field(default_factory=list)
    offered_person: bool = False  # the answer said it doesn't know and offered a person


def build_messages(
    *,
    profile: PhoneProfile,
    history: list[HistoryTurn],
    language: str,
    passages: list[Passage] | None = None,
) -> list[dict[str, str]]:
    """The chat messages for the LLM; the caller's new words are the last history turn."""
    system = "\n\n".join(
        part
        for part in (
            f"You are {profile.assistant_name}, the phone assistant of {profile.name}.",
            profile.system_instructions.strip(),
            VOICE_RULES[base_language(language)],
            _context_block(passages, language) if passages is not None else "",
        )
        if part
    )
    messages = [{"role": "system", "content": system}]
    for turn in history[-HISTORY_TURNS:]:
        if turn.text:
            role = "user" if turn.role == "caller" else "assistant"
            messages.append({"role": role, "content": turn.text})
    return messages


def _context_block(passages: list[Passage], language: str) -> str:
    facts = "\n".join(
        f"[{n}] {p.title}{' / ' + p.heading if p.heading else ''}: {p.text}"
        for n, p in enumerate(passages, start=1)
    )
    return f"{GROUNDING[base_language(language)]}\n\n{facts or '(no matching facts)'}"


def _off_the_call_thread(search):
    """`search` in a thread of its own, with a pooled connection of its own. Sessions' other
    database work (transcripts, call state) runs in order on one shared thread; a search only
    reads, so it need not wait behind that queue, nor hold it up (DESIGN.md §6)."""

    def searched(**arguments):
        try:
            return search(**arguments)
        finally:
            # Give the connection back here, in the context the search ran in: Channels'
            # clean-up after the call does not see it from a worker thread, and the pool
            # would count it as taken until the thread dies.
            close_old_connections()

    return database_sync_to_async(searched, thread_sensitive=False)


def _knowledge_base_ids(profile: PhoneProfile) -> list[int]:
    if not profile.use_knowledge:
        return []
    return [knowledge_base.pk for knowledge_base in profile.knowledge_bases.all()]


def _previous_question(history: list[HistoryTurn]) -> str:
    """The caller's previous question when their last words are short enough to lean on it
    ("and on Saturdays?"), else ""."""
    if len(history[-1].text.split()) > FOLLOW_UP_MAX_WORDS:
        return ""
    earlier = [turn for turn in history[:-1] if turn.text][-4:]
    return next((turn.text for turn in reversed(earlier) if turn.role == "caller"), "")


async def _standalone_question(
    profile: PhoneProfile, history: list[HistoryTurn], call_sid: str
) -> str:
    """The caller's last words as a question that stands alone ("and on Saturdays?" →
    "What are your opening hours on Saturdays?"), rewritten by the LLM, for retrieval."""
    question = history[-1].text
    earlier = [turn for turn in history[:-1] if turn.text][-4:]
    if not earlier or len(question.split()) > FOLLOW_UP_MAX_WORDS:
        return question
    transcript = "\n".join(f"{turn.role}: {turn.text}" for turn in [*earlier, history[-1]])
    messages = [
        {"role": "system", "content": REWRITE_INSTRUCTIONS},
        {"role": "user", "content": transcript},
    ]
    try:
        pieces = [
            piece
            async for piece in llm.stream_chat(
                model=profile.llm_model, messages=messages, temperature=0.0, max_tokens=60
            )
        ]
        rewritten = "".join(pieces).strip()
        if rewritten:
            return rewritten
    except llm.LLMError as exc:
        logger.warning("call %s: follow-up rewrite failed: %s", call_sid, exc)
    return f"{_previous_question(history)} {question}".strip()


def _questions_to_try(history: list[HistoryTurn]) -> list[str]:
    """Without an LLM to rewrite a follow-up: the caller's last words alone and joined to their
    previous question, the likelier first. "Do you take Cigna?" after a question about parking
    stands alone; "and on Saturdays?" or "how much is it?" leans on the previous question."""
    question = history[-1].text
    previous = _previous_question(history)
    if not previous:
        return [question]
    joined = f"{previous} {question}"
    asked = question_parse(question)
    if asked.refers_back or not (asked.topic or asked.kind):
        return [joined, question]
    return [question, joined]


async def _answer_without_llm(
    *,
    profile: PhoneProfile,
    history: list[HistoryTurn],
    language: str,
    outcome: AnswerOutcome,
    knowledge_base_ids: list[int],
) -> str:
    """The documents' own sentences, or a fixed phrase when they do not answer."""
    outcome.source = "system"
    if not knowledge_base_ids or not history:
        return phrase("no_llm", language)
    sentences, outcome.passages = await _off_the_call_thread(extractive_answer)(
        questions=_questions_to_try(history),
        knowledge_base_ids=knowledge_base_ids,
        language=language,
        top_k=settings.KNOWLEDGE_TOP_K,
    )
    if sentences:
        outcome.source = "knowledge"
        return " ".join(sentences)
    if profile.live_agent_number or profile.menu_options.all():
        outcome.offered_person = True
        return phrase("dont_know", language)
    # Nobody to hand the call to: offering a person would be an empty promise.
    return phrase("dont_know_no_person", language)


async def answer_stream(
    *,
    profile: PhoneProfile,
    history: list[HistoryTurn],
    language: str,
    outcome: AnswerOutcome,
    call_sid: str,
) -> AsyncIterator[str]:
    """Yield the answer's text. Never raises for an LLM failure: the caller hears an apology."""
    knowledge_base_ids = _knowledge_base_ids(profile)
    if not llm.llm_configured():
        yield await _answer_without_llm(
            profile=profile,
            history=history,
            language=language,
            outcome=outcome,
            knowledge_base_ids=knowledge_base_ids,
        )
        return
    passages = None
    if knowledge_base_ids and history:
        question = await _standalone_question(profile, history, call_sid)
        passages = await _off_the_call_thread(passages_search)(
            question=question,
            knowledge_base_ids=knowledge_base_ids,
            top_k=settings.KNOWLEDGE_TOP_K,
            language=language,
        )
        outcome.passages = passages
    messages = build_messages(
        profile=profile, history=history, language=language, passages=passages
    )
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
