"""What happened on each call: the call itself, its transcript turns and the raw protocol log."""

from django.db import models
from django.utils import timezone


class CallStatus(models.TextChoices):
    """Twilio's CallStatus values."""

    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


class Call(models.Model):
    call_sid = models.CharField("call SID", max_length=64, unique=True)
    account_sid = models.CharField("account SID", max_length=64, blank=True)
    profile = models.ForeignKey(
        "profiles.PhoneProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        help_text="Empty when the called number had no active profile.",
    )
    from_number = models.CharField("from", max_length=64, blank=True)
    to_number = models.CharField("to", max_length=64, blank=True)
    direction = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=CallStatus.choices, default=CallStatus.RINGING)
    language = models.CharField(
        max_length=16, blank=True, help_text="The language the call is in now."
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    end_reason = models.CharField(
        max_length=64, blank=True, help_text="completed, goodbye, live_agent_request, failed…"
    )
    handoff_data = models.JSONField(
        null=True, blank=True, help_text="What the assistant handed back to Twilio at the end."
    )
    reconnect_count = models.PositiveSmallIntegerField(
        default=0, help_text="Times the assistant was reconnected after its connection dropped."
    )
    simulated = models.BooleanField(
        default=False, help_text="Made from the browser simulator by a staff member, not a phone."
    )
    summary = models.JSONField(
        null=True,
        blank=True,
        help_text='Written when the call ends: {"reason", "outcome", "follow_up"}.',
    )
    summary_source = models.CharField(
        max_length=16, blank=True, help_text="llm, or extractive when no LLM was configured."
    )
    summarized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["profile", "-started_at"], name="call_profile_started")]

    def __str__(self) -> str:
        return self.call_sid


class CallOutcome(models.TextChoices):
    """How a call ended, as staff read it; derived from status and end reason (selectors)."""

    IN_PROGRESS = "in_progress", "in progress"
    COMPLETED = "completed"
    GOODBYE = "goodbye"
    TRANSFERRED = "transferred"
    FAILED = "failed"


class TurnRole(models.TextChoices):
    CALLER = "caller"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class TurnSource(models.TextChoices):
    SPEECH = "speech", "caller speech"
    DTMF = "dtmf", "keypad"
    RULE = "rule", "local rule"
    LLM = "llm", "LLM"
    KNOWLEDGE = "knowledge", "knowledge base"
    WORKFLOW = "workflow"
    STAFF = "staff", "staff member"
    SYSTEM = "system"


class Turn(models.Model):
    """One utterance on the call. Timings are milliseconds after the prompt was received."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="turns")
    sequence = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=TurnRole.choices)
    source = models.CharField(max_length=16, choices=TurnSource.choices, blank=True)
    language = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True, help_text="What was said, or what the assistant generated.")
    text_heard = models.TextField(
        blank=True, help_text="For an interrupted answer: what the caller heard before talking."
    )
    interrupted = models.BooleanField(default=False)
    staff_name = models.CharField(
        max_length=150, blank=True, help_text="The staff member who typed this or acted (takeover)."
    )
    error = models.TextField(blank=True)
    knowledge = models.JSONField(
        default=list, blank=True, help_text="The knowledge passages the answer used, with scores."
    )
    ms_to_first_text = models.PositiveIntegerField(
        "ms to first word", null=True, blank=True, help_text="Prompt received → first text sent."
    )
    ms_to_last_text = models.PositiveIntegerField(
        "ms to last word", null=True, blank=True, help_text="Prompt received → last text sent."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["call", "sequence"], name="turn_call_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}#{self.sequence} {self.role}"


# What staff are shown of a turn, on the live monitor and in the API (besides its time).
TURN_SHOWN_FIELDS = (
    "sequence",
    "role",
    "source",
    "language",
    "text",
    "text_heard",
    "interrupted",
    "staff_name",
    "error",
    "knowledge",
    "ms_to_first_text",
    "ms_to_last_text",
)


class EventDirection(models.TextChoices):
    IN = "in", "from Twilio"
    OUT = "out", "to Twilio"


class CallEvent(models.Model):
    """One protocol message or webhook, kept verbatim. `call` is empty when it never matched one."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    direction = models.CharField(max_length=4, choices=EventDirection.choices)
    type = models.CharField(max_length=32)
    payload = models.JSONField(
        null=True, blank=True, help_text="The message as received or sent (text if not JSON)."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["call", "created_at"], name="callevent_call_created")]

    def __str__(self) -> str:
        return f"{self.direction} {self.type}"


class WorkflowRunStatus(models.TextChoices):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled", "cancelled by the caller"
    HANDED_OFF = "handed_off", "handed to a person"
    TRANSFERRED = "transferred"
    FAILED = "failed"


class WorkflowRun(models.Model):
    """One workflow on one call: where it is, and what the caller gave so far.

    The relay session keeps it up to date, so a reconnect of the same call carries on where
    it stopped; completed runs show their slots on the call page and in the API.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="workflow_runs")
    workflow = models.ForeignKey(
        "profiles.Workflow",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    workflow_name = models.CharField(max_length=100, help_text="As it was named during the call.")
    status = models.CharField(
        max_length=16, choices=WorkflowRunStatus.choices, default=WorkflowRunStatus.ACTIVE
    )
    step = models.CharField(max_length=40, blank=True, help_text="The step it is at, or ended at.")
    attempts = models.PositiveSmallIntegerField(default=0)
    slots = models.JSONField(default=dict, blank=True)
    result = models.JSONField(
        null=True, blank=True, help_text="The last webhook reply, when the workflow has one."
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["call", "started_at", "pk"]
        indexes = [models.Index(fields=["call", "status"], name="workflowrun_call_status")]

    def __str__(self) -> str:
        return f"{self.workflow_name} on {self.call_id} ({self.status})"
