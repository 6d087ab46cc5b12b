from django.contrib import admin

from profiles.models import HandoffMenuOption, PhoneProfile, ProfileLanguage


class ProfileLanguageInline(admin.StackedInline):
    model = ProfileLanguage
    extra = 0
    fields = [
        ("code", "tts_provider", "voice"),
        ("transcription_provider", "speech_model"),
        "welcome_greeting",
        "transfer_message",
    ]


class HandoffMenuOptionInline(admin.TabularInline):
    model = HandoffMenuOption
    extra = 0
    fields = ["digit", "language", "label", "keywords", "action", "number", "message"]
    verbose_name = "handoff menu option"
    verbose_name_plural = (
        "Handoff menu (offered when the assistant hands the call over; empty: dial the live agent)"
    )


@admin.register(PhoneProfile)
class PhoneProfileAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "assistant_name", "language", "is_active", "updated_at"]
    list_filter = ["is_active", "language", "tts_provider", "use_knowledge"]
    search_fields = ["number", "name", "assistant_name"]
    filter_horizontal = ["knowledge_bases"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProfileLanguageInline, HandoffMenuOptionInline]
    fieldsets = [
        (None, {"fields": ["number", "name", "assistant_name", "is_active"]}),
        (
            "Voice",
            {
                "fields": [
                    ("language", "tts_provider", "voice"),
                    ("transcription_provider", "speech_model"),
                    "welcome_greeting",
                    ("interruptible", "welcome_greeting_interruptible"),
                    ("report_input_during_agent_speech", "dtmf_detection"),
                    "hints",
                ]
            },
        ),
        (
            "Assistant",
            {
                "fields": [
                    "system_instructions",
                    ("llm_model", "temperature", "max_tokens"),
                    ("fallback_llm_model", "filler_delay_ms"),
                    ("use_knowledge", "use_intent_rules"),
                    "knowledge_bases",
                ]
            },
        ),
        (
            "Handoff to a person",
            {
                "fields": [
                    ("live_agent_number", "live_agent_timeout"),
                    "transfer_message",
                    "reconnect_limit",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
