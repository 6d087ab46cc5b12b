"""A finished call in three short sentences for staff: why they called, how it ended, what next.

A summary is `{"reason": str, "outcome": str, "follow_up": str}`, in English whatever the call's
language (staff read English); `follow_up` is "None." when nothing needs doing. Two ways:
- `summary_extractive`: rules over the transcript. It quotes the caller's words as said.
- `summary_build`: the profile's LLM reads the transcript and answers a JSON object; an error,
  a timeout or anything but a valid object falls back to the extractive summary.
Nothing here touches the database: the task loads the call (annotated with its `outcome`, see
`calls.selectors.calls_with_outcome`) and its turns, and saves what comes back.
"""

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from calls import llm
from calls.intents import Intent, detect_intent, is_affirmative, is_question
from calls.models import Call, CallOutcome, Turn, TurnRole, TurnSource
from calls.phrases import SUPPORTED, phrase

logger = logging.getLogger(__name__)

SOURCE_LLM = "llm"
SOURCE_EXTRACTIVE = "extractive"
KEYS = ("reason", "outcome", "follow_up")
NO_FOLLOW_UP = "None."

QUOTE_MAX_CHARS = 160
FIELD_MAX_CHARS = 400  # an LLM's field is cut here: a summary is read at a glance
TRANSCRIPT_MAX_CHARS = 12_000  # the middle of a very long call is left out of the prompt
LLM_TOTAL_SECONDS = 60  # per model, on top of the client's per-gap timeout
LLM_MAX_TOKENS = 300

# --- the extractive summary -----------------------------------------------------------------

_NOT_CONTENT = {
    Intent.GREETING,
    Intent.THANKS,
    Intent.FAREWELL,
    Intent.SPEAK_SPANISH,
    Intent.SPEAK_ENGLISH,
    Intent.LIVE_AGENT,
}
# What the assistant says when it has no answer (assistant.py), in every language.
_NO_ANSWER = tuple(
    phrase(key, lang)
    for key in ("dont_know", "dont_know_no_person", "no_llm")
    for lang in SUPPORTED
)
_FAILED_ANSWER = tuple(phrase("llm_failed", lang) for lang in SUPPORTED)
_NOBODY_AVAILABLE = tuple(phrase("no_live_agent", lang) for lang in SUPPORTED)
# An LLM answer that says it does not know (the voice rules tell it to say so). Accents are
# kept: "no se preocupe" (don't worry) is not "no sé".
_DONT_KNOW = re.compile(
    r"\bi (?:don'?t|do not) (?:know|have (?:(?:that|this|the|any|enough) )?(?:information|info"
    r"|details))"
    r"|\bi'?m not sure\b|\bi am not sure\b|\bno (?:lo )?sé\b|\bno tengo (?:esa|esta|la) información"
    r"|\bno estoy segur[oa]\b"
)

_FAILURES = {
    "transfer_unanswered": "the transfer to a person was not answered.",
    "failed": "the connection to the assistant broke off.",
    "handoff_data_invalid": "the assistant's handoff could not be routed.",
    "unknown_number": "the number called has no active profile.",
}
_FAILED_STATUSES = {
    "busy": "the line was busy.",
    "no-answer": "it was not answered.",
    "canceled": "it was canceled before it was answered.",
    "failed": "Twilio could not connect it.",
}
_TRANSFERS = {
    "transferred": "Transferred to a person, who answered.",
    "live_agent_request": "Transferred to a person.",
    "menu": "Sent to the handoff menu.",
    "menu_dial": "Transferred to a person from the handoff menu.",
}
_ENDINGS = {
    "completed": "The caller hung up.",
    "menu_message": "The caller chose a recorded message at the handoff menu.",
    "menu_no_choice": "The caller made no choice at the handoff menu.",
    "menu_assistant": "The caller went back to the assistant from the handoff menu.",
}
# After this the person who answered the call dealt with what the assistant could not.
_HANDLED_BY_PERSON = {"transferred"}


@dataclass
class _Exchange:
    """One thing the caller said and the assistant's reply to it, if it gave one."""

    question: Turn
    reply: Turn | None = None


def summary_extractive(*, call: Call, turns: Sequence[Turn]) -> dict[str, str]:
    """The summary from rules over the transcript; `call.outcome` must be annotated."""
    return {
        "reason": _reason(call, turns),
        "outcome": _outcome(call, turns),
        "follow_up": _follow_up(call, turns),
    }


def _intent(turn: Turn, call: Call) -> Intent | None:
    return detect_intent(turn.text, turn.language or call.language)


def _spoken(turns: Sequence[Turn]) -> list[Turn]:
    return [
        t for t in turns if t.role == TurnRole.CALLER and t.source != TurnSource.DTMF and t.text
    ]


def _substantive(turn: Turn) -> bool:
    """Asks something, or says more than a short "yes" / "no, thanks"."""
    return is_question(turn.text) or (len(turn.text.split()) >= 4 and not is_affirmative(turn.text))


def _reason(call: Call, turns: Sequence[Turn]) -> str:
    if not any(t.role == TurnRole.CALLER and t.text for t in turns):
        return "The caller did not say anything."
    spoken = _spoken(turns)
    if not spoken:
        return "The caller only used the keypad."
    intents = [_intent(t, call) for t in spoken]
    wanted_person = Intent.LIVE_AGENT in intents
    content = [t for t, intent in zip(spoken, intents, strict=True) if intent not in _NOT_CONTENT]
    if not content:
        if not wanted_person:
            return "The caller only exchanged greetings."
        # Quoted: "… to someone about my bill" says why, which staff want to know.
        request = spoken[intents.index(Intent.LIVE_AGENT)]
        return _full_stop(f'The caller asked to speak to a person: "{_quote(request.text)}"')
    chosen = [t for t in content if _substantive(t)] or content
    first = chosen[0]
    words = _quote(first.text)
    if len(first.text.split()) < 4 and len(chosen) > 1:
        words = f"{words} … {_quote(chosen[1].text)}"
    verb = "asked" if is_question(first.text) else "said"
    reason = _full_stop(f'The caller {verb}: "{words}"')
    if wanted_person:
        reason += " They asked to speak to a person."
    return reason


def _outcome(call: Call, turns: Sequence[Turn]) -> str:
    outcome = call.outcome
    if outcome == CallOutcome.FAILED:
        why = _FAILURES.get(call.end_reason) or _FAILED_STATUSES.get(call.status, "")
        return f"The call failed: {why or 'it ended abnormally.'}"
    if outcome == CallOutcome.TRANSFERRED:
        staff = (
            (call.handoff_data or {}).get("staff") if isinstance(call.handoff_data, dict) else ""
        )
        if staff and call.end_reason == "live_agent_request":
            return f"{staff} took over the call and handed it to a person."
        return _TRANSFERS.get(call.end_reason, "Transferred to a person.")
    if outcome == CallOutcome.GOODBYE:
        spoken = _spoken(turns)
        if spoken and _intent(spoken[-1], call) == Intent.FAREWELL:
            return "The caller said goodbye."
        return "The assistant ended the call with a goodbye."
    if outcome == CallOutcome.COMPLETED:
        return _ENDINGS.get(call.end_reason, "The call ended.")
    return "The call is still in progress."


def _exchanges(call: Call, turns: Sequence[Turn]) -> list[_Exchange]:
    """The caller's content utterances (not greetings, thanks, requests for a person…), each
    with the first assistant reply that came before the caller spoke again."""
    exchanges: list[_Exchange] = []
    current: _Exchange | None = None
    for turn in turns:
        if turn.role == TurnRole.CALLER and turn.text:
            current = None
            if turn.source != TurnSource.DTMF and _intent(turn, call) not in _NOT_CONTENT:
                current = _Exchange(turn)
                exchanges.append(current)
        elif turn.role == TurnRole.ASSISTANT and turn.text and current and not current.reply:
            current.reply = turn
    return exchanges


def _could_not_answer(reply: Turn) -> bool:
    text = reply.text.strip()
    normalized = text.lower().replace("\u2019", "'")
    return text.endswith(_NO_ANSWER) or bool(_DONT_KNOW.search(normalized))


def _failed(reply: Turn | None) -> bool:
    return reply is not None and reply.text.strip().endswith(_FAILED_ANSWER)


def _follow_up(call: Call, turns: Sequence[Turn]) -> str:
    exchanges = _exchanges(call, turns)
    last = exchanges[-1] if exchanges else None
    cut_off = last.question if last and not last.reply and _substantive(last.question) else None
    needs: list[str] = []
    if call.end_reason == "transfer_unanswered":
        needs.append("Call the caller back: the transfer to a person was not answered.")
    elif call.outcome == CallOutcome.FAILED:
        if cut_off is None:
            needs.append("Call the caller back: the call failed.")
        else:
            needs.append(
                "Call the caller back: the call failed before the assistant answered "
                f'"{_quote(cut_off.text)}"'
            )
            cut_off = None
    if call.end_reason in _HANDLED_BY_PERSON:
        return _sentences(needs)

    if any(t.role == TurnRole.ASSISTANT and t.text.strip() in _NOBODY_AVAILABLE for t in turns):
        needs.append("Call the caller back: they asked for a person, but no one was available.")
    unanswered = []
    for index, exchange in enumerate(exchanges):
        reply = exchange.reply
        if reply is not None and _could_not_answer(reply):
            unanswered.append(exchange.question)
        elif _failed(reply):
            # The caller usually asks again: only the last failure, or one never made good.
            later = exchanges[index + 1] if index + 1 < len(exchanges) else None
            if later is None or later.reply is None or _failed(later.reply):
                unanswered.append(exchange.question)
    if unanswered:
        quoted = "; ".join(f'"{_quote(t.text)}"' for t in unanswered[:3])
        needs.append(f"Get back to the caller about what the assistant could not answer: {quoted}")
    if cut_off is not None and call.outcome != CallOutcome.IN_PROGRESS:
        needs.append(
            "Call the caller back: the call ended before the assistant answered "
            f'"{_quote(cut_off.text)}"'
        )
    return _sentences(needs)


def _sentences(parts: list[str]) -> str:
    """Parts joined as sentences; one that ends in a quote ending in punctuation gets no extra
    full stop ('… answered "Do you open on Sunday?"')."""
    if not parts:
        return NO_FOLLOW_UP
    return " ".join(_full_stop(part) for part in parts)


def _full_stop(text: str) -> str:
    ending = text[-2:] if text.endswith('"') else text[-1:]
    return text if ending[:1] in {".", "?", "!", "…"} else f"{text}."


def _quote(text: str) -> str:
    """The caller's words as said, for inside double quotes."""
    return _clip(text.replace('"', "'"), QUOTE_MAX_CHARS)


def _clip(text: str, limit: int) -> str:
    """On one line, cut at a word boundary when longer than `limit`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# --- the LLM summary ------------------------------------------------------------------------

INSTRUCTIONS = (
    "You summarise phone calls answered by the assistant of {business} for its staff. Read the "
    "transcript and reply with one JSON object and nothing else, with exactly these string "
    'keys: "reason" (why the caller called, one short sentence), "outcome" (how the call '
    'ended, one short sentence) and "follow_up" (what staff should do next, one short '
    'sentence, or "None." when nothing is needed). Follow-up is needed when the assistant '
    "could not answer something, a transfer was not answered, the call failed, or the call "
    "ended before the caller's question was answered. Staff read English: always write in "
    "English, even when the call was in Spanish or another language; you may quote the "
    "caller's words as they said them. Use only what the transcript says."
)


def transcript_text(*, call: Call, turns: Sequence[Turn]) -> str:
    """The conversation as the LLM reads it, one line per turn; system turns left out."""
    lines = []
    for turn in turns:
        text = " ".join((turn.text_heard if turn.interrupted else turn.text).split())
        if turn.role == TurnRole.SYSTEM or not text:
            continue
        if turn.role == TurnRole.CALLER:
            speaker = "Caller (keypad)" if turn.source == TurnSource.DTMF else "Caller"
        elif turn.source == TurnSource.STAFF:
            speaker = f"Staff ({turn.staff_name})" if turn.staff_name else "Staff"
        else:
            speaker = "Assistant"
        lines.append(f"{speaker}: {text}{' [interrupted]' if turn.interrupted else ''}")
    text = "\n".join(lines)
    if len(text) > TRANSCRIPT_MAX_CHARS:
        half = TRANSCRIPT_MAX_CHARS // 2
        text = f"{text[:half]}\n[…]\n{text[-half:]}"
    return text


def summary_messages(*, call: Call, turns: Sequence[Turn]) -> list[dict[str, str]]:
    business = call.profile.name if call.profile else "the business"
    facts = (
        f"Language of the call: {call.language or 'unknown'}\n"
        f"How the call ended, according to the phone system: {_outcome(call, turns)}"
    )
    transcript = transcript_text(call=call, turns=turns) or "(nothing was said)"
    return [
        {"role": "system", "content": INSTRUCTIONS.format(business=business)},
        {"role": "user", "content": f"{facts}\n\nTranscript:\n{transcript}"},
    ]


def summary_parse(text: str) -> dict[str, str] | None:
    """The summary in an LLM's reply, or None unless it holds a JSON object with the three
    keys as non-empty strings. Code fences or words around the object are tolerated."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    summary = {}
    for key in KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            return None
        summary[key] = _clip(value, FIELD_MAX_CHARS)
    return summary


async def summary_build(*, call: Call, turns: Sequence[Turn]) -> tuple[dict[str, str], str]:
    """(summary, source): the LLM's when one is configured, the call has a profile and the
    caller said something; else, or when every model fails, the extractive one."""
    profile = call.profile
    if profile is None or not llm.llm_configured() or not _spoken(turns):
        return summary_extractive(call=call, turns=turns), SOURCE_EXTRACTIVE
    messages = summary_messages(call=call, turns=turns)
    models = [profile.llm_model]
    if profile.fallback_llm_model and profile.fallback_llm_model != profile.llm_model:
        models.append(profile.fallback_llm_model)
    for model in models:
        try:
            reply = await llm.complete_chat(
                model=model,
                messages=messages,
                temperature=0.0,
                max_tokens=LLM_MAX_TOKENS,
                total_timeout=LLM_TOTAL_SECONDS,
            )
        except llm.LLMError as exc:
            logger.warning("call %s: summary by %s failed: %s", call.call_sid, model, exc)
            continue
        summary = summary_parse(reply)
        if summary is not None:
            return summary, SOURCE_LLM
        logger.warning(
            "call %s: summary by %s is not the JSON asked for: %.200r", call.call_sid, model, reply
        )
    logger.warning("call %s: writing the extractive summary instead", call.call_sid)
    return summary_extractive(call=call, turns=turns), SOURCE_EXTRACTIVE
