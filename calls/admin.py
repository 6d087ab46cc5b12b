"""Calls are records of what happened: staff read (and may delete) them, never edit them."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from calls.models import Call, CallEvent, Turn


class RecordAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TurnInline(RecordAdminMixin, admin.TabularInline):
    model = Turn
    extra = 0
    fields = [
        "sequence",
        "role",
        "source",
        "language",
        "text",
        "text_heard",
        "interrupted",
        "ms_to_first_text",
        "ms_to_last_text",
        "error",
    ]
    readonly_fields = fields
    can_delete = False


@admin.register(Call)
class CallAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = [
        "call_sid",
        "started_at",
        "to_number",
        "profile",
        "from_number",
        "status",
        "end_reason",
        "duration_seconds",
        "turn_count",
    ]
    list_filter = ["status", "end_reason", "profile", "direction"]
    list_select_related = ["profile"]
    search_fields = ["call_sid", "from_number", "to_number", "turns__text"]
    date_hierarchy = "started_at"
    inlines = [TurnInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Call]:
        return super().get_queryset(request).annotate(turn_count=Count("turns", distinct=True))

    @admin.display(description="turns", ordering="turn_count")
    def turn_count(self, call: Call) -> int:
        return call.turn_count


@admin.register(Turn)
class TurnAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["call", "sequence", "role", "source", "text", "interrupted", "created_at"]
    list_filter = ["role", "source", "interrupted", "language"]
    list_select_related = ["call"]
    search_fields = ["call__call_sid", "text", "text_heard"]
    date_hierarchy = "created_at"


@admin.register(CallEvent)
class CallEventAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "call", "direction", "type"]
    list_filter = ["direction", "type"]
    list_select_related = ["call"]
    search_fields = ["call__call_sid", "type"]
    date_hierarchy = "created_at"
