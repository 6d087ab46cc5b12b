from django import forms
from django.contrib import admin
from django.db import models

from profiles.models import (
    DemoBooking,
    HandoffMenuOption,
    PhoneProfile,
    ProfileLanguage,
    Workflow,
    WorkflowStep,
)
from profiles.workflows import flow_from_parts, flow_problems


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


class WorkflowStepFormSet(forms.BaseInlineFormSet):
    """Refuses a workflow whose steps go to a step, or use a slot, that does not exist."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        steps = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        flow = flow_from_parts(workflow=self.instance, steps=steps)
        problems = flow_problems(flow)
        if problems:
            raise forms.ValidationError(problems)


class WorkflowStepInline(admin.StackedInline):
    model = WorkflowStep
    formset = WorkflowStepFormSet
    extra = 0
    # A webhook typed as "example.com/hook" means https://, as Django 6 will read it.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    ordering = ["position", "pk"]
    fieldsets = [
        (None, {"fields": [("position", "key", "kind")]}),
        ("What is said", {"fields": [("text_en", "text_es"), ("reprompt_en", "reprompt_es")]}),
        (
            "Answer (ask, collect digits, branch)",
            {
                "fields": [
                    ("slot", "validation", "pattern"),
                    ("min_digits", "max_digits", "max_attempts"),
                ]
            },
        ),
        (
            "Where it goes next",
            {"fields": [("next_step", "finishes"), ("no_step", "failure_step"), "branches"]},
        ),
        ("Webhook", {"fields": ["url", ("secret", "timeout_seconds")]}),
        ("Transfer", {"fields": ["number"]}),
    ]


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["name", "profile", "is_active", "priority", "trigger_digit", "updated_at"]
    list_filter = ["is_active", "profile"]
    search_fields = ["name", "description", "trigger_phrases"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [WorkflowStepInline]
    fieldsets = [
        (None, {"fields": ["profile", "name", "description", ("is_active", "priority")]}),
        (
            "Started when the caller…",
            {"fields": ["trigger_phrases", "trigger_keywords", "trigger_digit"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]


@admin.register(DemoBooking)
class DemoBookingAdmin(admin.ModelAdmin):
    """What the demo's booking workflow booked (its stand-in booking system)."""

    list_display = ["reference", "name", "call_sid", "created_at"]
    readonly_fields = ["reference", "call_sid", "name", "slots", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
