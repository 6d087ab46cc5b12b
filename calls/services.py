"""Writes to calls and their protocol log: the one sanctioned way to change a Call."""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from calls.models import Call, CallEvent, CallStatus, EventDirection, WorkflowRun
from calls.protocol import storable
from calls.summary import KEYS as SUMMARY_KEYS
from calls.summary import SOURCE_EXTRACTIVE, SOURCE_LLM
from profiles.models import PhoneProfile

logger = logging.getLogger(__name__)

# Twilio's statuses only move forward; a late callback must not move a call back.
_STATUS_RANK = {
    CallStatus.QUEUED: 0,
    CallStatus.INITIATED: 0,
    CallStatus.RINGING: 1,
    CallStatus.IN_PROGRESS: 2,
    CallStatus.COMPLETED: 3,
    CallStatus.BUSY: 3,
    CallStatus.FAILED: 3,
    CallStatus.NO_ANSWER: 3,
    CallStatus.CANCELED: 3,
}
FINAL_STATUSES = {status for status, rank in _STATUS_RANK.items() if rank == 3}
# The relay session writes its last turns when its socket closes, which can be just after
# Twilio's callbacks: the summary waits that long for them.
SUMMARY_DELAY_SECONDS = 5


def call_start(
    *,
    call_sid: str,
    account_sid: str,
    profile: PhoneProfile | None,
    from_number: str,
    to_number: str,
    direction: str,
    status: str,
    simulated: bool = False,
) -> Call:
    """The Call for `call_sid`, created on the first webhook; a retried webhook finds it again."""
    call, created = Call.objects.get_or_create(
        call_sid=call_sid,
        defaults={
            "account_sid": account_sid,
            "profile": profile,
            "from_number": from_number,
            "to_number": to_number,
            "direction": direction,
            "language": profile.language if profile else "",
            "started_at": timezone.now(),
            "simulated": simulated,
        },
    )
    if not created and call.profile_id is None and profile is not None:
        call.profile = profile
        call.language = call.language or profile.language
        call.save(update_fields=["profile", "language", "updated_at"])
    call_status_update(call=call, status=status)
    return call


def call_status_update(*, call: Call, status: str, duration_seconds: int | None = None) -> bool:
    """Move the call to `status` unless it is already there or further; True if it changed.

    A final status also closes the call (ended time, duration). Twilio's CallDuration, when
    given, is the authoritative duration.
    """
    if status not in _STATUS_RANK:
        logger.warning("call %s: ignoring unknown status %r", call.call_sid, status)
        return False
    fields: list[str] = []
    current_rank = _STATUS_RANK.get(call.status, 0)
    if call.status not in FINAL_STATUSES and _STATUS_RANK[status] > current_rank:
        call.status = status
        fields.append("status")
    if status in FINAL_STATUSES and call.ended_at is None:
        call.ended_at = timezone.now()
        fields.append("ended_at")
    if duration_seconds is not None and call.duration_seconds != duration_seconds:
        call.duration_seconds = duration_seconds
        fields.append("duration_seconds")
    elif call.ended_at is not None and call.duration_seconds is None:
        call.duration_seconds = _seconds_between(call.started_at, call.ended_at)
        fields.append("duration_seconds")
    if fields:
        call.save(update_fields=[*fields, "updated_at"])
    if "status" in fields and call.status in FINAL_STATUSES:
        _call_summary_enqueue(call=call)
    return "status" in fields


def _call_summary_enqueue(*, call: Call) -> None:
    """Summarise the call (Celery) once the transaction commits. Only the change to a final
    status calls this, and it happens once: a repeated or late callback enqueues nothing."""
    from calls.tasks import summarize_call

    call_id = call.pk
    transaction.on_commit(
        lambda: summarize_call.apply_async((call_id,), countdown=SUMMARY_DELAY_SECONDS)
    )


def call_summary_save(*, call: Call, summary: dict[str, str], source: str) -> None:
    """Store the call's summary, replacing any earlier one. `summary` has exactly the keys
    reason, outcome and follow_up (strings); `source` is "llm" or "extractive"."""
    if set(summary) != set(SUMMARY_KEYS) or not all(isinstance(v, str) for v in summary.values()):
        raise ValueError(f"a summary needs the string keys {SUMMARY_KEYS}, not {sorted(summary)}")
    if source not in (SOURCE_LLM, SOURCE_EXTRACTIVE):
        raise ValueError(f"unknown summary source {source!r}")
    call.summary = {key: summary[key] for key in SUMMARY_KEYS}
    call.summary_source = source
    call.summarized_at = timezone.now()
    call.save(update_fields=["summary", "summary_source", "summarized_at", "updated_at"])


def call_end(
    *,
    call: Call,
    end_reason: str,
    status: str | None = None,
    handoff_data: dict | None = None,
) -> None:
    """Record why the call (or its assistant session) ended."""
    call.end_reason = end_reason
    fields = ["end_reason"]
    if handoff_data is not None:
        call.handoff_data = handoff_data
        fields.append("handoff_data")
    call.save(update_fields=[*fields, "updated_at"])
    if status:
        call_status_update(call=call, status=status)


def call_language_set(*, call: Call, language: str) -> None:
    """The call switched language: later TwiML (a reconnect, a menu) speaks it too."""
    call.language = language
    call.save(update_fields=["language", "updated_at"])


def call_reconnect_claim(*, call: Call, limit: int) -> bool:
    """Take one of the call's `limit` reconnects; False when they are used up.

    One conditional UPDATE, so two concurrent callbacks cannot both take the last one.
    """
    with transaction.atomic():
        claimed = Call.objects.filter(pk=call.pk, reconnect_count__lt=limit).update(
            reconnect_count=F("reconnect_count") + 1
        )
    if claimed:
        call.refresh_from_db(fields=["reconnect_count"])
    return bool(claimed)


def call_event_record(
    *, call: Call | None, direction: EventDirection, type: str, payload: Any
) -> CallEvent:
    return CallEvent.objects.create(
        call=call, direction=direction, type=type, payload=storable(payload)
    )


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def workflow_run_save(
    *,
    call: Call,
    run: WorkflowRun | None,
    flow_id: int,
    flow_name: str,
    state: dict[str, Any],
    result: dict | None = None,
) -> WorkflowRun:
    """Record where the call's workflow is (a new run when `run` is None); a run that is no
    longer active gets its finishing time."""
    if run is None:
        run = WorkflowRun(call=call, workflow_id=flow_id, workflow_name=flow_name[:100])
    run.step = state["step"]
    run.slots = state["slots"]
    run.attempts = state["attempts"]
    run.status = state["status"]
    if result is not None:
        run.result = result
    if run.status != "active" and run.finished_at is None:
        run.finished_at = timezone.now()
    run.save()
    return run
