"""REST API of calls and their transcripts (read only)."""

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from calls.models import TURN_SHOWN_FIELDS, Call, CallOutcome, Turn, WorkflowRun
from calls.selectors import calls_overview, calls_with_turns


class TurnSerializer(serializers.ModelSerializer):
    class Meta:
        model = Turn
        fields = [*TURN_SHOWN_FIELDS, "created_at"]
        read_only_fields = fields


class WorkflowRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkflowRun
        fields = [
            "workflow",
            "workflow_name",
            "status",
            "step",
            "slots",
            "result",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class CallSerializer(serializers.ModelSerializer):
    """A call as a list shows it: who, when, how it ended, its summary, how many turns."""

    profile_name = serializers.CharField(source="profile.name", read_only=True, default=None)
    outcome = serializers.ChoiceField(choices=CallOutcome.choices, read_only=True)
    turn_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Call
        fields = [
            "call_sid",
            "profile",
            "profile_name",
            "from_number",
            "to_number",
            "direction",
            "status",
            "outcome",
            "end_reason",
            "language",
            "simulated",
            "started_at",
            "ended_at",
            "duration_seconds",
            "reconnect_count",
            "summary",
            "summary_source",
            "summarized_at",
            "turn_count",
        ]
        read_only_fields = fields


class CallDetailSerializer(CallSerializer):
    """A call with its transcript, in order, and what the assistant handed back to Twilio."""

    turns = TurnSerializer(many=True, read_only=True)
    workflow_runs = WorkflowRunSerializer(many=True, read_only=True)

    class Meta(CallSerializer.Meta):
        fields = [*CallSerializer.Meta.fields, "handoff_data", "turns", "workflow_runs"]
        read_only_fields = fields


class CallFilter(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(choices=CallOutcome.choices)
    started_from = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label="Started on or after (date)"
    )
    started_to = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", label="Started on or before (date)"
    )
    q = django_filters.CharFilter(method="filter_said", label="Words said on the call")

    class Meta:
        model = Call
        fields = ["profile", "outcome", "simulated", "started_from", "started_to", "q"]

    def filter_said(self, queryset: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        said = Turn.objects.filter(call=OuterRef("pk"), text__icontains=value)
        return queryset.filter(Exists(said))


@extend_schema_view(
    list=extend_schema(summary="List calls", description="Newest first, with filters."),
    retrieve=extend_schema(summary="Read a call with its transcript"),
)
class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls, newest first; one call by its SID, with its turns."""

    lookup_field = "call_sid"
    serializer_class = CallSerializer
    filterset_class = CallFilter

    def get_queryset(self) -> QuerySet[Call]:
        return calls_with_turns() if self.action == "retrieve" else calls_overview()

    def get_serializer_class(self) -> type[CallSerializer]:
        return CallDetailSerializer if self.action == "retrieve" else CallSerializer
