"""Reads of calls, shaped for the paths that need them."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import Call, CallEvent, CallOutcome, CallStatus, Turn, TurnRole, TurnSource
from profiles.models import PhoneProfile

# End reasons (calls.handoff, calls.session) grouped by what staff want to know about a call.
TRANSFERRED_REASONS = (
    "transferred",
    "live_agent_request",
    "menu",
    "menu_dial",
    "workflow_transfer",
)
FAILED_REASONS = ("failed", "handoff_data_invalid", "unknown_number", "transfer_unanswered")
FAILED_STATUSES = (CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELED)


def outcome_expression() -> Case:
    """SQL for the call's outcome (a CallOutcome value), so lists can filter and sort on it."""
    return Case(
        When(
            Q(end_reason__in=FAILED_REASONS) | Q(status__in=FAILED_STATUSES),
            then=Value(CallOutcome.FAILED),
        ),
        When(end_reason__in=TRANSFERRED_REASONS, then=Value(CallOutcome.TRANSFERRED)),
        When(end_reason="goodbye", then=Value(CallOutcome.GOODBYE)),
        When(Q(ended_at__isnull=False) | ~Q(end_reason=""), then=Value(CallOutcome.COMPLETED)),
        default=Value(CallOutcome.IN_PROGRESS),
    )


def calls_with_outcome() -> QuerySet[Call]:
    """Calls annotated with `outcome` (see outcome_expression)."""
    return Call.objects.annotate(outcome=outcome_expression())


def call_for_summary(*, call_id: int) -> tuple[Call, list[Turn]] | None:
    """The call (with `outcome` and its profile) and its whole transcript, in order."""
    call = calls_with_outcome().select_related("profile").filter(pk=call_id).first()
    if call is None:
        return None
    return call, list(call.turns.order_by("sequence"))


def _spoken_turn_count() -> Coalesce:
    """SQL for how many turns the caller and the assistant spoke (system notes not counted),
    as a subquery, so a page of calls costs one query however many turns they have."""
    spoken = (
        Turn.objects.filter(call=OuterRef("pk"))
        .exclude(role=TurnRole.SYSTEM)
        .order_by()
        .values("call")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(spoken, output_field=IntegerField()), 0)


def calls_overview() -> QuerySet[Call]:
    """Calls with what a list shows: `outcome`, `turn_count` (spoken turns) and the profile,
    in one query."""
    return (
        calls_with_outcome()
        .select_related("profile")
        .annotate(turn_count=_spoken_turn_count())
        .order_by("-started_at", "-pk")
    )


def calls_with_turns() -> QuerySet[Call]:
    """As calls_overview, with each call's turns in order (one more query for all of them)."""
    return calls_overview().prefetch_related(
        Prefetch("turns", queryset=Turn.objects.order_by("sequence")), "workflow_runs"
    )


def session_load(
    *, call_sid: str, profile_id: int
) -> tuple[Call, PhoneProfile, list[Turn], int] | None:
    """For a relay session: the call, its active profile, the conversation so far (without
    system turns) and the next turn number. A reconnect continues the same transcript."""
    call = Call.objects.filter(call_sid=call_sid, profile_id=profile_id).first()
    profile = (
        PhoneProfile.objects.filter(pk=profile_id, is_active=True)
        .prefetch_related("extra_languages", "knowledge_bases", "menu_options")
        .first()
    )
    if call is None or profile is None:
        return None
    turns = list(call.turns.order_by("sequence"))
    next_sequence = turns[-1].sequence + 1 if turns else 1
    conversation = [t for t in turns if t.role != TurnRole.SYSTEM]
    call.language = call.language or profile.language
    return call, profile, conversation, next_sequence


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def calls_for_staff(
    *,
    profile_id: int | None = None,
    outcome: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    said: str = "",
    simulated: bool | None = None,
) -> QuerySet[Call]:
    """The staff's call list, newest first: each call with its profile, `outcome` and
    `turn_count` (what the caller and the assistant said; system notes are not counted).

    Every filter is optional. Dates are whole days in the current time zone, both ends included;
    `said` matches the text of any turn, ignoring case. The turn count is a subquery, so a page
    of calls costs one query however many turns they have.
    """
    calls = (
        calls_with_outcome()
        .select_related("profile")
        .annotate(turn_count=_spoken_turn_count())
        .order_by("-started_at", "-pk")
    )
    if profile_id is not None:
        calls = calls.filter(profile_id=profile_id)
    if outcome:
        calls = calls.filter(outcome=outcome)
    if date_from is not None:
        calls = calls.filter(started_at__gte=_start_of_day(date_from))
    if date_to is not None:
        calls = calls.filter(started_at__lt=_start_of_day(date_to + timedelta(days=1)))
    if said.strip():
        spoken = Turn.objects.filter(call=OuterRef("pk"), text__icontains=said.strip())
        calls = calls.filter(Exists(spoken))
    if simulated is not None:
        calls = calls.filter(simulated=simulated)
    return calls


def call_for_staff(*, call_sid: str) -> Call | None:
    """One call for its transcript page, with `outcome`, its profile and its turns in order
    (`call.turns.all()`): the same two queries however long the call was."""
    return (
        calls_with_outcome()
        .select_related("profile")
        .prefetch_related(
            Prefetch("turns", queryset=Turn.objects.order_by("sequence")), "workflow_runs"
        )
        .filter(call_sid=call_sid)
        .first()
    )


def call_protocol_log(*, call: Call, limit: int) -> tuple[list[CallEvent], bool]:
    """The call's first `limit` protocol events in the order they happened, and whether there
    are more (one query)."""
    events = list(call.events.order_by("created_at", "id")[: limit + 1])
    return events[:limit], len(events) > limit


# A call with no final status after this long lost its status callback; it is not live.
LIVE_CALL_MAX_AGE = timedelta(hours=6)
FINAL_STATUSES = (CallStatus.COMPLETED, *FAILED_STATUSES)


def calls_live() -> QuerySet[Call]:
    """Calls going on now, newest first, with their profile, who spoke last and what they said
    (`last_role`, `last_said`)."""
    last_turn = (
        Turn.objects.filter(call=OuterRef("pk"))
        .exclude(role=TurnRole.SYSTEM)
        .exclude(text="")
        .order_by("-sequence")
    )
    return (
        Call.objects.filter(
            ended_at__isnull=True, started_at__gte=timezone.now() - LIVE_CALL_MAX_AGE
        )
        .exclude(status__in=FINAL_STATUSES)
        .select_related("profile")
        .annotate(
            last_role=Subquery(last_turn.values("role")[:1]),
            last_said=Subquery(last_turn.values("text")[:1]),
        )
        .order_by("-started_at")
    )


def call_is_live(*, call_sid: str) -> bool:
    return calls_live().filter(call_sid=call_sid).exists()


@dataclass(frozen=True)
class MonitorBacklog:
    turns: list[Turn]  # turns after the one the page shows
    paused_by: str  # the staff member who paused the assistant, if it is paused
    live: bool
    can_hand_off: bool  # the profile has a live agent number or a handoff menu


def call_monitor_backlog(*, call_sid: str, after: int) -> MonitorBacklog | None:
    """What a monitor that shows turns up to `after` has missed; None for an unknown call."""
    call = Call.objects.filter(call_sid=call_sid).select_related("profile").first()
    if call is None:
        return None
    profile = call.profile
    pause = (
        call.turns.filter(source=TurnSource.STAFF, role=TurnRole.SYSTEM)
        .filter(text__in=("assistant paused", "assistant resumed"))
        .order_by("-sequence")
        .first()
    )
    return MonitorBacklog(
        turns=list(call.turns.filter(sequence__gt=after).order_by("sequence")),
        paused_by=pause.staff_name if pause and pause.text == "assistant paused" else "",
        live=call_is_live(call_sid=call_sid),
        can_hand_off=profile is not None
        and (bool(profile.live_agent_number) or profile.menu_options.exists()),
    )
