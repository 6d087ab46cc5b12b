"""A phone number's identity: who answers it, in which voices and languages, and how."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from profiles.phone_numbers import E164_PATTERN, E164Field

language_code_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    "Enter a BCP-47 language code such as en-US or es-MX.",
)


class TtsProvider(models.TextChoices):
    GOOGLE = "Google"
    AMAZON = "Amazon"
    ELEVENLABS = "ElevenLabs"


class TranscriptionProvider(models.TextChoices):
    DEEPGRAM = "Deepgram"
    GOOGLE = "Google"


class CallerInput(models.TextChoices):
    """Which caller input an attribute applies to (ConversationRelay's none/dtmf/speech/any)."""

    NONE = "none", "Nothing"
    DTMF = "dtmf", "Keypad only"
    SPEECH = "speech", "Speech only"
    ANY = "any", "Speech or keypad"


class PhoneProfile(models.Model):
    number = E164Field(
        unique=True,
        help_text="The Twilio number callers dial, in international format: +15550100000.",
    )
    name = models.CharField(max_length=100, help_text="The business or line, as staff know it.")
    assistant_name = models.CharField(max_length=60, default="Ava")
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive numbers answer with a short apology."
    )

    # Voice: the <ConversationRelay> attributes for the primary language.
    language = models.CharField(
        max_length=16, default="en-US", validators=[language_code_validator]
    )
    tts_provider = models.CharField(
        "TTS provider", max_length=16, choices=TtsProvider.choices, default=TtsProvider.GOOGLE
    )
    voice = models.CharField(
        max_length=100, blank=True, help_text="Provider-specific voice; blank for its default."
    )
    transcription_provider = models.CharField(
        max_length=16,
        choices=TranscriptionProvider.choices,
        default=TranscriptionProvider.DEEPGRAM,
    )
    speech_model = models.CharField(
        max_length=64, blank=True, help_text="Provider-specific model; blank for its default."
    )
    welcome_greeting = models.TextField(
        blank=True, help_text="Spoken when the call connects; blank to wait for the caller."
    )
    interruptible = models.CharField(
        max_length=8,
        choices=CallerInput.choices,
        default=CallerInput.ANY,
        help_text="Which caller input stops the assistant mid-sentence.",
    )
    welcome_greeting_interruptible = models.CharField(
        max_length=8, choices=CallerInput.choices, default=CallerInput.ANY
    )
    report_input_during_agent_speech = models.CharField(
        max_length=8,
        choices=CallerInput.choices,
        default=CallerInput.NONE,
        help_text="Which caller input reaches the assistant while it is speaking.",
    )
    dtmf_detection = models.BooleanField("keypad (DTMF) detection", default=True)
    hints = models.TextField(
        blank=True, help_text="Comma-separated words the transcriber should expect (names)."
    )

    # AI
    system_instructions = models.TextField(
        blank=True, help_text="Who the assistant is and how it should help callers."
    )
    llm_model = models.CharField("LLM model", max_length=100, default="gpt-4o-mini")
    temperature = models.FloatField(
        default=0.3, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)]
    )
    max_tokens = models.PositiveIntegerField(
        default=300, validators=[MinValueValidator(1), MaxValueValidator(4096)]
    )
    knowledge_bases = models.ManyToManyField(
        "knowledge.KnowledgeBase", blank=True, related_name="profiles"
    )
    fallback_llm_model = models.CharField(
        "fallback LLM model",
        max_length=100,
        blank=True,
        help_text="Tried once when the main model fails before answering. Blank: apologise.",
    )
    filler_delay_ms = models.PositiveIntegerField(
        "filler after (ms)",
        default=1000,
        validators=[MinValueValidator(200), MaxValueValidator(10000)],
        help_text="When the answer has not started by then, say a short “let me check”.",
    )
    use_knowledge = models.BooleanField(
        default=True, help_text="Answer from the knowledge bases above."
    )
    use_intent_rules = models.BooleanField(
        "use local intent rules",
        default=True,
        help_text="Answer greetings, thanks, goodbyes and requests for a person without the LLM.",
    )

    # Handoff
    live_agent_number = E164Field(
        blank=True, help_text="Where a caller who asks for a person is transferred."
    )
    transfer_message = models.TextField(
        blank=True,
        default="Please hold while I connect you to a member of our team.",
        help_text="Said before the transfer, in the primary language (extra languages have their "
        "own). Blank: a standard sentence.",
    )
    live_agent_timeout = models.PositiveSmallIntegerField(
        "ring the live agent for (seconds)",
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )
    reconnect_limit = models.PositiveSmallIntegerField(
        default=1,
        validators=[MaxValueValidator(5)],
        help_text="How many times a call whose connection to the assistant dropped is "
        "reconnected before it ends with an apology.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__regex=E164_PATTERN), name="profile_number_e164"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class ProfileLanguage(models.Model):
    """An extra language the assistant can switch to, with its own voice (a <Language>)."""

    profile = models.ForeignKey(
        PhoneProfile, on_delete=models.CASCADE, related_name="extra_languages"
    )
    code = models.CharField(max_length=16, validators=[language_code_validator])
    tts_provider = models.CharField(
        "TTS provider",
        max_length=16,
        choices=TtsProvider.choices,
        blank=True,
        help_text="Blank: as the profile.",
    )
    voice = models.CharField(max_length=100, blank=True)
    transcription_provider = models.CharField(
        max_length=16,
        choices=TranscriptionProvider.choices,
        blank=True,
        help_text="Blank: as the profile.",
    )
    speech_model = models.CharField(max_length=64, blank=True)
    welcome_greeting = models.TextField(
        blank=True, help_text="The greeting in this language, when the call starts in it."
    )
    transfer_message = models.TextField(
        blank=True, help_text="Said before a transfer in this language. Blank: a standard one."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="profile_language_unique"),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        # On the admin's add page the profile is not saved yet, but it is attached.
        profile = getattr(self, "profile", None) if self.profile_id is None else self.profile
        if profile is not None and self.code == profile.language:
            raise ValidationError({"code": "This is already the profile's primary language."})


class MenuAction(models.TextChoices):
    DIAL = "dial", "Transfer the call to a number"
    MESSAGE = "message", "Say a message, then hang up"
    ASSISTANT = "assistant", "Go back to the assistant"


class HandoffMenuOption(models.Model):
    """One choice of the menu a caller hears when the assistant hands the call back to Twilio.

    Options with a language are read only to callers in that language; options without one are
    read to everyone.
    """

    profile = models.ForeignKey(PhoneProfile, on_delete=models.CASCADE, related_name="menu_options")
    language = models.CharField(
        max_length=16,
        blank=True,
        validators=[language_code_validator],
        help_text="Blank: offered in every language.",
    )
    digit = models.CharField(
        max_length=1, validators=[RegexValidator(r"^[0-9]$", "Use one digit, 0 to 9.")]
    )
    label = models.CharField(
        max_length=60, help_text="Read to the caller: “For <label>, press <digit>.”"
    )
    keywords = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated words that also choose this option when spoken.",
    )
    action = models.CharField(max_length=16, choices=MenuAction.choices)
    number = E164Field(blank=True, help_text="For a transfer: the number to dial.")
    message = models.TextField(blank=True, help_text="For a message: what to say.")

    class Meta:
        ordering = ["digit"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "language", "digit"], name="menu_option_digit_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.digit}: {self.label}"

    def clean(self) -> None:
        if self.action == MenuAction.DIAL and not self.number:
            raise ValidationError({"number": "A transfer needs the number to dial."})
        if self.action == MenuAction.MESSAGE and not self.message.strip():
            raise ValidationError({"message": "Write the message the caller will hear."})


# --- Workflows ------------------------------------------------------------------------------


slug_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}$", "Use lowercase letters, digits and _ (start with a letter)."
)


class Workflow(models.Model):
    """A step-by-step call flow of one number (booking an appointment, say).

    A caller starts it by saying one of its phrases or keywords, or by pressing its keypad
    digit; then its steps run in order. The engine is `profiles.workflows`.
    """

    profile = models.ForeignKey(PhoneProfile, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="When two workflows match what the caller said, the lower wins."
    )
    trigger_phrases = models.TextField(
        blank=True,
        help_text=(
            "One phrase per line, in any of the profile's languages (book an appointment, "
            "pedir una cita). The caller's words start the workflow when they contain all of "
            "a phrase's words."
        ),
    )
    trigger_keywords = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated words; any one of them in what the caller says starts it.",
    )
    trigger_digit = models.CharField(
        max_length=1,
        blank=True,
        validators=[RegexValidator(r"^[0-9*#]$", "One keypad key: 0-9, * or #.")],
        help_text="A key that starts it (mention it in the welcome greeting).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["profile", "priority", "name"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "name"], name="workflow_profile_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    SAY = "say", "Say a message"
    ASK = "ask", "Ask a question (answer into a slot)"
    COLLECT_DIGITS = "collect_digits", "Collect digits"
    CONFIRM = "confirm", "Confirm (read back, yes or no)"
    BRANCH = "branch", "Branch on a slot"
    WEBHOOK = "webhook", "Call a webhook"
    TRANSFER = "transfer", "Transfer to a number"
    END = "end", "Say goodbye and hang up"


class Validation(models.TextChoices):
    NONE = "", "Any answer"
    DATE = "date", "A date"
    TIME = "time", "A time"
    YES_NO = "yes_no", "Yes or no"
    NAME = "name", "A name"
    FREE_TEXT = "free_text", "Free text"
    REGEX = "regex", "Matches a regular expression"
    LUHN = "luhn", "Digits with a valid Luhn checksum"


class WorkflowStep(models.Model):
    """One step of a workflow. Steps run in `position` order unless a step names its next.

    Texts may use {slot} placeholders, filled with what the caller gave. The English and
    Spanish texts are spoken to callers in that language; a missing one falls back to the
    other.
    """

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(
        max_length=40,
        validators=[slug_validator],
        help_text="The step's name, for other steps to go to (ask_date, confirm…).",
    )
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    text_en = models.TextField(
        "text (English)", blank=True, help_text="The message, question or prompt."
    )
    text_es = models.TextField("text (Spanish)", blank=True)
    reprompt_en = models.TextField(
        "reprompt (English)", blank=True, help_text="Said when the answer is not valid."
    )
    reprompt_es = models.TextField("reprompt (Spanish)", blank=True)
    slot = models.CharField(
        max_length=40,
        blank=True,
        validators=[slug_validator],
        help_text="Ask / collect digits: where the answer is kept. Branch: the slot to test.",
    )
    validation = models.CharField(
        max_length=16, choices=Validation.choices, blank=True, default=Validation.NONE
    )
    pattern = models.CharField(
        max_length=200, blank=True, help_text="Regular expression, for that validation."
    )
    min_digits = models.PositiveSmallIntegerField(null=True, blank=True)
    max_digits = models.PositiveSmallIntegerField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Ask / collect: tries before giving up (to the failure step, or a person).",
    )
    next_step = models.CharField(
        max_length=40, blank=True, help_text="The step that follows; blank for the next one."
    )
    finishes = models.BooleanField(
        "finishes the workflow",
        default=False,
        help_text="After this step the workflow is over and the assistant takes the call again.",
    )
    no_step = models.CharField(
        max_length=40, blank=True, help_text="Confirm: where a 'no' goes back to."
    )
    failure_step = models.CharField(
        max_length=40,
        blank=True,
        help_text="Webhook: where a failure goes. Ask / collect: where running out of tries goes.",
    )
    branches = models.TextField(
        blank=True,
        help_text="Branch: one 'value => step' per line; otherwise the next step.",
    )
    url = models.URLField("webhook URL", blank=True, max_length=500)
    secret = models.CharField(
        "webhook secret",
        max_length=200,
        blank=True,
        help_text="Signs each request: X-Voiceai-Signature: sha256=HMAC(secret, body).",
    )
    timeout_seconds = models.FloatField(
        default=5, validators=[MinValueValidator(0.5), MaxValueValidator(30)]
    )
    number = E164Field(blank=True, help_text="Transfer: the number to dial.")

    class Meta:
        ordering = ["workflow", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "key"], name="workflowstep_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_kind_display()})"


class DemoBooking(models.Model):
    """An appointment booked by the demo clinic's booking workflow, through its webhook.

    The demo's stand-in for a real booking system, so the demo works with no outside service.
    """

    call_sid = models.CharField("call SID", max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    slots = models.JSONField(default=dict, help_text="Everything the workflow sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"BSD-{self.pk or 0:04d}"
