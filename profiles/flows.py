"""Workflows as plain data: what the engine (`profiles.workflows`) reads and returns.

Contract:
- `Flow` and `Step` mirror `Workflow` and `WorkflowStep` (same field names and meanings; see
  their help texts). `flow_from_workflow` builds them from a saved workflow and is the only
  function here that touches a model: it reads attributes and `workflow.steps.all()`, which
  the caller prefetches, so it runs no query of its own when they are.
- `FlowState` is where one run of a flow stands; `as_dict()` / `from_dict()` round-trip it
  through JSON (the `WorkflowRun` row keeps its parts).
- `Reply` is what the engine returns for one event: sentences to say, the next state, and
  what the caller of the engine must do (wait for digits, call a webhook, end the call).
- `WebhookCall` is a request for the caller to perform; `body()` and `headers()` give the
  exact bytes to POST and the headers, signed with `webhook_signature`.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from profiles.models import Workflow, WorkflowStep

SIGNATURE_HEADER = "X-Voiceai-Signature"
# The `StepKind` values, and the kinds that wait for the caller's answer.
STEP_KINDS = ("say", "ask", "collect_digits", "confirm", "branch", "webhook", "transfer", "end")
INPUT_KINDS = ("ask", "collect_digits", "confirm")
SLOT_KINDS = ("ask", "collect_digits")


class FlowStatus(StrEnum):
    """Same values as `calls.models.WorkflowRunStatus`."""

    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    HANDED_OFF = "handed_off"
    TRANSFERRED = "transferred"
    FAILED = "failed"


class FlowEnd(StrEnum):
    """How a reply ends the caller's time with the assistant, when it does."""

    GOODBYE = "goodbye"  # say the sentences, then hang up
    TRANSFER = "transfer"  # dial `Reply.transfer_number`
    HANDOFF = "handoff"  # hand over to a person, as when the caller asks for one


@dataclass(frozen=True)
class Step:
    """One step; see `profiles.models.WorkflowStep` for each field. `kind` is a `StepKind`
    value, `validation` a `Validation` value, `branches` the raw "value => step" lines."""

    key: str
    kind: str
    text_en: str = ""
    text_es: str = ""
    reprompt_en: str = ""
    reprompt_es: str = ""
    slot: str = ""
    validation: str = ""
    pattern: str = ""
    min_digits: int | None = None
    max_digits: int | None = None
    max_attempts: int = 3
    next_step: str = ""
    finishes: bool = False  # the workflow is over after this step; the assistant goes on
    no_step: str = ""
    failure_step: str = ""
    branches: str = ""
    url: str = ""
    secret: str = field(default="", repr=False)
    timeout_seconds: float = 5.0
    number: str = ""


@dataclass(frozen=True)
class Triggers:
    """What starts a flow: any phrase (all its words said), any keyword, or the keypad digit.
    Between flows that match, the lower `priority` wins."""

    phrases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    digit: str = ""
    priority: int = 100


@dataclass(frozen=True)
class Flow:
    """A workflow's steps in order, and its triggers. `id` is the `Workflow` pk (None for a
    flow built by hand)."""

    id: int | None
    name: str
    steps: tuple[Step, ...]
    triggers: Triggers = Triggers()

    def step(self, key: str) -> Step | None:
        """The step named `key`, or None."""
        return next((step for step in self.steps if step.key == key), None)

    def following(self, step: Step) -> str | None:
        """The key of the step after `step`: its `next_step`, else the next in order; None
        after the last step, or after a step that finishes the workflow."""
        if step.finishes:
            return None
        if step.next_step:
            return step.next_step
        keys = [each.key for each in self.steps]
        index = keys.index(step.key) + 1 if step.key in keys else len(keys)
        return keys[index] if index < len(keys) else None


@dataclass
class FlowState:
    """Where a run stands: the step it is at (waiting there for the caller or a webhook, or
    where it ended), the slots filled so far, the failed tries at this step, and its status."""

    step: str
    slots: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    status: FlowStatus = FlowStatus.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: {"step", "slots", "attempts", "status"}."""
        return {**asdict(self), "status": str(self.status)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FlowState":
        """The state `as_dict()` gave. Raises ValueError when `data` is not such a dict."""
        try:
            slots = data.get("slots") or {}
            if not isinstance(slots, dict):
                raise TypeError("slots must be an object")
            return cls(
                step=str(data.get("step") or ""),
                slots={str(key): str(value) for key, value in slots.items()},
                attempts=int(data.get("attempts") or 0),
                status=FlowStatus(data.get("status") or FlowStatus.ACTIVE),
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"not a workflow state: {exc}") from exc

    @property
    def active(self) -> bool:
        return self.status == FlowStatus.ACTIVE


def webhook_signature(secret: str, body: bytes) -> str:
    """The signature header's value: "sha256=" + hex HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    """For a receiver: `header` is the signature of `body` with `secret` (constant time)."""
    return bool(secret) and hmac.compare_digest(webhook_signature(secret, body), header or "")


@dataclass(frozen=True)
class WebhookCall:
    """A POST for the engine's caller to make; the reply goes to `flow_webhook_done`.

    `payload` is {"workflow": name, "workflow_id": id, "step": key, "slots": {...}}; the
    caller may add fields of its own (the call SID, say) before sending.
    """

    url: str
    secret: str = field(repr=False)
    timeout_seconds: float
    payload: dict[str, Any]

    def body(self) -> bytes:
        """The JSON body, UTF-8."""
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":")).encode()

    def headers(self) -> dict[str, str]:
        """Content type, and the signature of `body()` when the step has a secret."""
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SIGNATURE_HEADER] = webhook_signature(self.secret, self.body())
        return headers


# When a collect step sets no maximum, `#` or the pause ends the entry well before this.
UNBOUNDED_DIGITS = 30


@dataclass
class Reply:
    """The engine's answer to one event.

    - `say`: sentences for the caller, in the caller's language, in order.
    - `state`: the run's new state (a copy: the state passed in is not changed).
    - `expect_digits`: while waiting at a collect_digits step, how many keypad digits end the
      entry (its max_digits, or `UNBOUNDED_DIGITS` without one); None otherwise.
    - `webhook`: a request to perform now, then call `flow_webhook_done` with its result.
    - `end`: a `FlowEnd` when the call leaves the assistant (say `say` first), else None;
      with `end` None and a finished `state`, the assistant takes the call back.
    - `transfer_number`: for `FlowEnd.TRANSFER`, the number to dial.
    - `notes`: lines for the transcript ("step ask_name → ask_dob", "slot name = Ana").
    """

    say: list[str]
    state: FlowState
    expect_digits: int | None = None
    webhook: WebhookCall | None = None
    end: FlowEnd | None = None
    transfer_number: str = ""
    notes: list[str] = field(default_factory=list)


def _lines(text: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(separator) if part.strip())


def flow_from_workflow(workflow: "Workflow") -> Flow:
    """The `Flow` of a saved `Workflow`; its `steps.all()` should be prefetched."""
    return flow_from_parts(workflow=workflow, steps=workflow.steps.all())


def flow_from_parts(*, workflow: "Workflow", steps: "Iterable[WorkflowStep]") -> Flow:
    """The `Flow` of a workflow and steps that may not be saved yet (the admin checks them
    before saving)."""
    flow_steps = tuple(
        Step(
            key=step.key,
            kind=step.kind,
            text_en=step.text_en,
            text_es=step.text_es,
            reprompt_en=step.reprompt_en,
            reprompt_es=step.reprompt_es,
            slot=step.slot,
            validation=step.validation,
            pattern=step.pattern,
            min_digits=step.min_digits,
            max_digits=step.max_digits,
            max_attempts=step.max_attempts,
            next_step=step.next_step,
            finishes=step.finishes,
            no_step=step.no_step,
            failure_step=step.failure_step,
            branches=step.branches,
            url=step.url,
            secret=step.secret,
            timeout_seconds=step.timeout_seconds,
            number=step.number,
        )
        for step in sorted(steps, key=lambda step: (step.position or 0, step.pk or 0))
    )
    triggers = Triggers(
        phrases=_lines(workflow.trigger_phrases, "\n"),
        keywords=_lines(workflow.trigger_keywords, ","),
        digit=workflow.trigger_digit,
        priority=workflow.priority,
    )
    return Flow(id=workflow.pk, name=workflow.name, steps=flow_steps, triggers=triggers)
