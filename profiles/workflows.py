"""The workflow engine: given where a run stands and one caller event, what to say next.

Pure: no I/O, no queries, no clock (the caller passes `now`, the caller's local time). The
caller of the engine keeps the `FlowState`, performs webhooks and ends calls; the engine
only decides. The LLM never decides the flow: at most it extracts a slot's value from a free
answer, which the caller passes as `extracted`.

Contract:
- `flow_start(flow, language=, now=)` runs from the first step until a step needs the caller
  (ask, collect_digits, confirm) or a webhook, or the run ends.
- `flow_input(flow, state, text=, digits=, language=, now=, command=, extracted=)` takes one
  caller answer (words, or keypad digits already collected without the "#"):
  - `command="cancel"`, or words that only say cancel ("cancel", "stop", "never mind",
    "forget it", "cancelar", "olvídalo"...): status cancelled, "OK, I've cancelled that.",
    `end` None (the assistant carries on). `command="person"`: status handed_off,
    `FlowEnd.HANDOFF`, nothing said (the handoff says its own words).
  - ask: the answer is checked by the step's validation (`profiles.slot_values`); keypad "1"
    and "2" also answer yes/no. collect_digits: keypad digits or spoken ones, between min and
    max digits, then the validation (a pattern or the Luhn checksum). confirm: yes goes on,
    no goes back to the "no" step (with its tries reset), keypad 1 is yes and 2 is no.
  - An answer that does not fit is a failed try: the step's reprompt is said (or "Sorry, I
    didn't get that." and the question again). After `max_attempts` failed tries the run goes
    to the failure step, or, without one, ends failed with an apology and `FlowEnd.HANDOFF`.
  - While a webhook is pending, or after the run has ended, input changes nothing.
- `flow_webhook_done(flow, state, ok=, data=, language=, now=)`: with `ok` and a JSON object,
  `data["slots"]` (an object) fills slots, `data["say"]` (a string, or an object of strings
  by language: {"en": ..., "es": ...}) is said, and
  `data["next_step"]` is where the run goes when that step exists (else the usual next).
  Otherwise (`ok` false, not an object, slots not an object) the failure step runs, or the
  run ends failed with an apology and `FlowEnd.HANDOFF`.
- Texts: the Spanish text for callers whose language starts with "es", else the English
  one, each falling back to the other when empty; `{slot}` placeholders are filled, dates
  and times said the natural way ("Tuesday, March 3", "3:30 PM"), digits one by one, and an
  empty or unknown slot says nothing. A confirm step without text reads back every slot.
- Steps run out at the end: status completed, `end` None. An end step: its text (or "Thank
  you for calling. Goodbye."), status completed, `FlowEnd.GOODBYE`. A transfer step: its
  text, status transferred, `FlowEnd.TRANSFER` and the number. A missing step or a circle of
  steps that never waits (both refused by `flow_problems`) ends the run failed, with handoff.
"""

import datetime as dt
import re
from dataclasses import replace

from profiles.flow_checks import PLACEHOLDER, branch_lines, flow_problems
from profiles.flow_triggers import flow_for_digit, flow_triggered
from profiles.flows import (
    INPUT_KINDS,
    SIGNATURE_HEADER,
    UNBOUNDED_DIGITS,
    Flow,
    FlowEnd,
    FlowState,
    FlowStatus,
    Reply,
    Step,
    Triggers,
    WebhookCall,
    flow_from_parts,
    flow_from_workflow,
    webhook_signature,
    webhook_signature_is_valid,
)
from profiles.slot_values import digits_from_speech, slot_value, yes_or_no
from profiles.spoken_dates import date_said, time_said
from profiles.spoken_numbers import word_set, words

__all__ = [
    "PHRASES",
    "SIGNATURE_HEADER",
    "UNBOUNDED_DIGITS",
    "Flow",
    "FlowEnd",
    "FlowState",
    "FlowStatus",
    "Reply",
    "Step",
    "Triggers",
    "WebhookCall",
    "flow_for_digit",
    "flow_from_parts",
    "flow_from_workflow",
    "flow_input",
    "flow_problems",
    "flow_start",
    "flow_triggered",
    "flow_waiting_step",
    "flow_webhook_done",
    "webhook_signature",
    "webhook_signature_is_valid",
]

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "cancelled": "OK, I've cancelled that.",
        "didnt_get": "Sorry, I didn't get that.",
        "goodbye": "Thank you for calling. Goodbye.",
        "gave_up": "I'm sorry, I'm having trouble with this.",
        "broken": "I'm sorry, something went wrong on our side.",
        "read_back": "I have {values}. Is that right?",
        "yes": "yes",
        "no": "no",
    },
    "es": {
        "cancelled": "De acuerdo, lo cancelé.",
        "didnt_get": "Disculpe, no le entendí.",
        "goodbye": "Gracias por llamar. Adiós.",
        "gave_up": "Lo siento, estoy teniendo problemas con esto.",
        "broken": "Lo siento, algo falló de nuestro lado.",
        "read_back": "Tengo {values}. ¿Es correcto?",
        "yes": "sí",
        "no": "no",
    },
}

_MAX_STEPS_PER_EVENT = 50  # more without waiting for the caller is a circle
_CANCEL_WORDS = word_set(
    "cancel stop quit nevermind cancelar cancela cancelalo cancelelo cancelo olvidalo olvidelo"
)
_CANCEL_PHRASES = re.compile(
    r"\b(?:never mind|forget (?:about )?it|forget that|olvida(?:te)? (?:de )?(?:eso|esto)"
    r"|ya no|no importa|dejalo|dejelo)\b"
)
_CANCEL_FILLERS = word_set(
    "please ok okay just it that this all everything the whole thing i want to would like"
    " actually oh um uh no yes lets let us por favor mejor todo eso esto lo quiero quisiera"
    " pues bueno la cita appointment booking"
)


def _lang(language: str) -> str:
    return "es" if (language or "").lower().startswith("es") else "en"


def _phrase(key: str, language: str) -> str:
    return PHRASES[_lang(language)][key]


def _is_cancel(text: str) -> bool:
    """Whether the words only ask to cancel: "cancel", "stop please", "olvídalo"."""
    said = " ".join(words(text))
    found = bool(_CANCEL_PHRASES.search(said))
    rest = _CANCEL_PHRASES.sub(" ", said).split()
    found = found or any(word in _CANCEL_WORDS for word in rest)
    return found and all(w in _CANCEL_WORDS or w in _CANCEL_FILLERS for w in rest)


def _slot_kinds(flow: Flow) -> dict[str, str]:
    """slot → "digits", "yes_no" or "" for how its value is said."""
    kinds: dict[str, str] = {}
    for step in flow.steps:
        if step.slot and step.kind == "collect_digits":
            kinds.setdefault(step.slot, "digits")
        elif step.slot and step.kind == "ask":
            kinds.setdefault(step.slot, "yes_no" if step.validation == "yes_no" else "")
    return kinds


def _said(flow: Flow, slot: str, value: str, language: str, now: dt.datetime) -> str:
    """A slot's value as the caller should hear it."""
    kind = _slot_kinds(flow).get(slot, "")
    if kind == "digits":
        return " ".join(value)
    if kind == "yes_no" and value in ("yes", "no"):
        return _phrase(value, language)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date_said(value, today=now.date(), language=language)
    if re.fullmatch(r"\d{2}:\d{2}", value):
        return time_said(value, language=language)
    return value


def _fill(flow: Flow, text: str, state: FlowState, language: str, now: dt.datetime) -> str:
    def value(match: re.Match[str]) -> str:
        slot = match.group(1)
        return _said(flow, slot, state.slots.get(slot, ""), language, now)

    # An empty slot leaves no gap before punctuation: "Bye {kind}!" → "Bye!".
    return re.sub(r"\s+([,.!?;:])", r"\1", " ".join(PLACEHOLDER.sub(value, text).split()))


def _text(step: Step, field: str, language: str) -> str:
    """The step's text (`field` "text" or "reprompt") for the caller's language."""
    english, spanish = getattr(step, f"{field}_en").strip(), getattr(step, f"{field}_es").strip()
    return (spanish or english) if _lang(language) == "es" else (english or spanish)


class _Turn:
    """The reply being built for one event."""

    def __init__(self, flow: Flow, state: FlowState, language: str, now: dt.datetime) -> None:
        self.flow, self.language, self.now = flow, language, now
        self.reply = Reply(say=[], state=replace(state, slots=dict(state.slots)))

    @property
    def state(self) -> FlowState:
        return self.reply.state

    def say(self, text: str) -> None:
        if filled := _fill(self.flow, text, self.state, self.language, self.now):
            self.reply.say.append(filled)

    def note(self, text: str) -> None:
        self.reply.notes.append(text)

    def finish(self, status: FlowStatus, end: FlowEnd | None, note: str) -> Reply:
        self.state.status = status
        self.reply.end = end
        self.reply.expect_digits = None
        self.note(note)
        return self.reply

    def give_up(self, phrase: str, note: str) -> Reply:
        self.say(_phrase(phrase, self.language))
        return self.finish(FlowStatus.FAILED, FlowEnd.HANDOFF, note)

    def prompt(self, step: Step) -> None:
        """Say what a waiting step asks, and say how the keypad ends an entry."""
        text = _text(step, "text", self.language)
        if step.kind == "confirm" and not text:
            values = ", ".join(
                _said(self.flow, slot, value, self.language, self.now)
                for slot, value in self.state.slots.items()
                if value
            )
            text = _phrase("read_back", self.language).format(values=values)
        self.say(text)
        if step.kind == "collect_digits":
            self.reply.expect_digits = step.max_digits or UNBOUNDED_DIGITS

    def run(self, key: str | None) -> Reply:
        """Go to step `key` (None: past the last step) and run until something must wait."""
        for _ in range(_MAX_STEPS_PER_EVENT):
            if key is None:
                return self.finish(FlowStatus.COMPLETED, None, "workflow completed")
            step = self.flow.step(key)
            if step is None:
                return self.give_up("broken", f"step {key} does not exist")
            self.note(f"step {self.state.step} → {key}" if self.state.step else f"step {key}")
            self.state.step, self.state.attempts = key, 0
            if step.kind in INPUT_KINDS:
                self.prompt(step)
                return self.reply
            if step.kind == "branch":
                key = _branch_target(step, self.state.slots) or self.flow.following(step)
                continue
            text = _text(step, "text", self.language)
            if step.kind == "end" and not text:
                text = _phrase("goodbye", self.language)
            self.say(text)
            if step.kind == "say":
                key = self.flow.following(step)
            elif step.kind == "webhook":
                self.reply.webhook = WebhookCall(
                    url=step.url,
                    secret=step.secret,
                    timeout_seconds=step.timeout_seconds,
                    payload={
                        "workflow": self.flow.name,
                        "workflow_id": self.flow.id,
                        "step": step.key,
                        "slots": dict(self.state.slots),
                    },
                )
                return self.reply
            elif step.kind == "transfer":
                self.reply.transfer_number = step.number
                return self.finish(FlowStatus.TRANSFERRED, FlowEnd.TRANSFER, "transferred")
            elif step.kind == "end":
                return self.finish(FlowStatus.COMPLETED, FlowEnd.GOODBYE, "workflow completed")
            else:
                return self.give_up("broken", f"step {key} has an unknown kind {step.kind}")
        return self.give_up("broken", "steps go round in a circle")

    def failed_try(self, step: Step, why: str) -> Reply:
        """The answer did not fit: ask again, or give up after the last try."""
        self.state.attempts += 1
        self.note(f"{step.key}: {why} (try {self.state.attempts} of {step.max_attempts})")
        if self.state.attempts >= step.max_attempts:
            if step.failure_step:
                return self.run(step.failure_step)
            return self.give_up("gave_up", "no valid answer; handing off")
        if reprompt := _text(step, "reprompt", self.language):
            self.say(reprompt)
            if step.kind == "collect_digits":
                self.reply.expect_digits = step.max_digits or UNBOUNDED_DIGITS
        else:
            self.say(_phrase("didnt_get", self.language))
            self.prompt(step)
        return self.reply

    def fill(self, step: Step, value: str) -> Reply:
        self.state.slots[step.slot] = value
        self.note(f"slot {step.slot} = {value}")
        return self.run(self.flow.following(step))


def _branch_target(step: Step, slots: dict[str, str]) -> str | None:
    value = " ".join(words(slots.get(step.slot, "")))
    for line in branch_lines(step):
        if line and " ".join(words(line[0])) == value:
            return line[1]
    return None


def _first_input_step(flow: Flow) -> str | None:
    return next((step.key for step in flow.steps if step.kind in ("ask", "collect_digits")), None)


def _answer(step: Step, text: str, digits: str, language: str, now: dt.datetime) -> str | None:
    """The value the caller gave for an ask or collect_digits step, or None."""
    if step.kind == "collect_digits":
        entered = digits or digits_from_speech(text, language) or ""
        low, high = step.min_digits or 1, step.max_digits or UNBOUNDED_DIGITS
        if not low <= len(entered) <= high:
            return None
        if step.validation in ("regex", "luhn"):
            return slot_value(
                step.validation, entered, language=language, now=now, pattern=step.pattern
            )
        return entered
    if step.validation == "yes_no" and not text and digits in ("1", "2"):
        return "yes" if digits == "1" else "no"
    return slot_value(
        step.validation, text or digits, language=language, now=now, pattern=step.pattern
    )


def flow_waiting_step(flow: Flow, state: FlowState) -> Step | None:
    """The ask, collect_digits or confirm step the run waits at for the caller, or None."""
    step = flow.step(state.step) if state.active else None
    return step if step is not None and step.kind in INPUT_KINDS else None


def flow_start(flow: Flow, *, language: str, now: dt.datetime) -> Reply:
    """Start a run of `flow` (see the module docstring)."""
    turn = _Turn(flow, FlowState(step=""), language, now)
    turn.note(f"workflow {flow.name} started")
    if not flow.steps:
        return turn.finish(FlowStatus.FAILED, None, "workflow has no steps")
    return turn.run(flow.steps[0].key)


def flow_input(
    flow: Flow,
    state: FlowState,
    *,
    text: str = "",
    digits: str = "",
    language: str,
    now: dt.datetime,
    command: str | None = None,
    extracted: str | None = None,
) -> Reply:
    """One caller answer to a running flow (see the module docstring). `extracted` is a value
    for the waiting ask step that the LLM took from `text`; it is tried, through the same
    validation, only when `text` itself does not fit."""
    if command not in (None, "cancel", "person"):
        raise ValueError(f"unknown command {command!r}")
    turn = _Turn(flow, state, language, now)
    if not state.active:
        turn.note("input after the workflow ended: ignored")
        return turn.reply
    if command == "person":
        return turn.finish(FlowStatus.HANDED_OFF, FlowEnd.HANDOFF, "caller asked for a person")
    if command == "cancel" or (text and _is_cancel(text)):
        turn.say(_phrase("cancelled", language))
        return turn.finish(FlowStatus.CANCELLED, None, "workflow cancelled by the caller")
    step = flow_waiting_step(flow, state)
    if step is None:
        turn.note("input while waiting for the webhook: ignored")
        return turn.reply
    if step.kind == "confirm":
        answer = yes_or_no(text) if text else {"1": "yes", "2": "no"}.get(digits)
        if answer == "yes":
            turn.note(f"{step.key}: confirmed")
            return turn.run(flow.following(step))
        if answer == "no":
            turn.note(f"{step.key}: caller said no")
            return turn.run(step.no_step or _first_input_step(flow))
        return turn.failed_try(step, "neither yes nor no")
    value = _answer(step, text, digits, language, now)
    if value is None and extracted and step.kind == "ask":
        value = _answer(step, extracted, "", language, now)
    if value is None:
        return turn.failed_try(step, "answer not valid")
    return turn.fill(step, value)


def flow_webhook_done(
    flow: Flow, state: FlowState, *, ok: bool, data: object, language: str, now: dt.datetime
) -> Reply:
    """The result of the webhook the run waits for (see the module docstring). `ok` is false
    when the request failed (network, timeout, non-2xx status); `data` is the parsed JSON."""
    turn = _Turn(flow, state, language, now)
    step = flow.step(state.step) if state.active else None
    if step is None or step.kind != "webhook":
        turn.note("webhook result while no webhook was pending: ignored")
        return turn.reply
    slots = data.get("slots", {}) if isinstance(data, dict) else None
    if not ok or not isinstance(slots, dict):
        turn.note(f"webhook {step.key} failed" if not ok else f"webhook {step.key}: bad reply")
        if step.failure_step:
            return turn.run(step.failure_step)
        return turn.give_up("broken", "no failure step; handing off")
    for name, value in slots.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if isinstance(name, str) and isinstance(value, str | int | float):
            turn.state.slots[name] = str(value)
            turn.note(f"slot {name} = {value} (webhook)")
    said = data.get("say")
    if isinstance(said, dict):  # {"en": "...", "es": "..."}
        said = said.get(_lang(language)) or next(iter(said.values()), None)
    if isinstance(said, str):
        turn.say(said)
    chosen = data.get("next_step")
    if isinstance(chosen, str) and flow.step(chosen):
        return turn.run(chosen)
    if chosen:
        turn.note(f"webhook asked for step {chosen!r}, which does not exist")
    return turn.run(flow.following(step))
