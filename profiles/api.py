"""REST API of phone profiles (read, update) and of knowledge search as a profile would search.

Search lives here rather than in `knowledge/` because it can be asked for a profile, and
`knowledge` must not know about profiles.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from knowledge.api import PassageSerializer
from knowledge.embeddings import EmbeddingError
from knowledge.models import KnowledgeBase
from knowledge.retrieval import passages_search
from profiles.models import HandoffMenuOption, PhoneProfile, ProfileLanguage
from profiles.selectors import profiles_with_settings
from profiles.services import profile_update


class ProfileLanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProfileLanguage
        fields = [
            "id",
            "code",
            "tts_provider",
            "voice",
            "transcription_provider",
            "speech_model",
            "welcome_greeting",
            "transfer_message",
        ]
        read_only_fields = fields


class HandoffMenuOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandoffMenuOption
        fields = ["id", "language", "digit", "label", "keywords", "action", "number", "message"]
        read_only_fields = fields


class PhoneProfileSerializer(serializers.ModelSerializer):
    """A profile's settings. Extra languages and the handoff menu are read here and edited in
    the admin."""

    knowledge_bases = serializers.PrimaryKeyRelatedField(
        many=True, queryset=KnowledgeBase.objects.all(), required=False
    )
    extra_languages = ProfileLanguageSerializer(many=True, read_only=True)
    menu_options = HandoffMenuOptionSerializer(many=True, read_only=True)

    class Meta:
        model = PhoneProfile
        fields = [
            "id",
            "number",
            "name",
            "assistant_name",
            "is_active",
            "language",
            "tts_provider",
            "voice",
            "transcription_provider",
            "speech_model",
            "welcome_greeting",
            "interruptible",
            "welcome_greeting_interruptible",
            "report_input_during_agent_speech",
            "dtmf_detection",
            "hints",
            "system_instructions",
            "llm_model",
            "temperature",
            "max_tokens",
            "knowledge_bases",
            "fallback_llm_model",
            "filler_delay_ms",
            "use_knowledge",
            "use_intent_rules",
            "live_agent_number",
            "transfer_message",
            "live_agent_timeout",
            "reconnect_limit",
            "extra_languages",
            "menu_options",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            # Staff may type spaces, dashes and brackets; the model stores the E.164 form.
            "number": {"max_length": 32},
            "live_agent_number": {"max_length": 32},
        }


@extend_schema_view(
    list=extend_schema(summary="List phone profiles"),
    retrieve=extend_schema(summary="Read a phone profile"),
    update=extend_schema(
        summary="Replace a phone profile's settings",
        description="Validated as the admin validates: a number not in E.164 form, an "
        "unknown language code or a value out of range gets 400 with the reason per field.",
    ),
    partial_update=extend_schema(
        summary="Change some of a phone profile's settings",
        description="As PUT, for only the fields given.",
    ),
)
class ProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Phone profiles: list, read and update (create and delete them in the admin)."""

    queryset = profiles_with_settings()
    serializer_class = PhoneProfileSerializer

    def perform_update(self, serializer: PhoneProfileSerializer) -> None:
        data = dict(serializer.validated_data)
        knowledge_bases = data.pop("knowledge_bases", None)
        serializer.instance = profile_update(
            profile=serializer.instance, data=data, knowledge_bases=knowledge_bases
        )


class SearchRequestSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=500)
    knowledge_base = serializers.PrimaryKeyRelatedField(
        queryset=KnowledgeBase.objects.all(),
        required=False,
        help_text="Search this knowledge base; or give `profile`.",
    )
    profile = serializers.PrimaryKeyRelatedField(
        queryset=PhoneProfile.objects.prefetch_related("knowledge_bases"),
        required=False,
        help_text="Search the knowledge bases this profile answers from, in its language.",
    )
    top_k = serializers.IntegerField(
        min_value=1,
        max_value=20,
        required=False,
        help_text="How many passages; by default as many as an answer uses (KNOWLEDGE_TOP_K).",
    )
    language = serializers.CharField(
        max_length=16,
        required=False,
        help_text="The question's language (en, es…); by default the profile's, else en.",
    )

    def validate(self, attrs: dict) -> dict:
        if ("knowledge_base" in attrs) == ("profile" in attrs):
            raise serializers.ValidationError("Give either knowledge_base or profile, not both.")
        return attrs


class SearchResultSerializer(serializers.Serializer):
    question = serializers.CharField()
    knowledge_bases = serializers.ListField(child=serializers.IntegerField())
    passages = PassageSerializer(many=True)


class SearchUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "embedding_unavailable"


class SearchViewSet(viewsets.ViewSet):
    """Knowledge search: a question → the passages an answer would use, ranked."""

    @extend_schema(
        operation_id="search",
        summary="Search knowledge",
        request=SearchRequestSerializer,
        responses={200: SearchResultSerializer},
        description="The passages that best answer the question, best first, with their "
        "fused score (reciprocal rank), cosine similarity and full-text rank. 503 when the "
        "embedding provider is down.",
    )
    def create(self, request: Request) -> Response:
        params = SearchRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        question = params.validated_data["question"]
        profile = params.validated_data.get("profile")
        if profile is not None:
            knowledge_base_ids = [kb.pk for kb in profile.knowledge_bases.all()]
            language = params.validated_data.get("language", profile.language)
        else:
            knowledge_base_ids = [params.validated_data["knowledge_base"].pk]
            language = params.validated_data.get("language", "en")
        try:
            passages = passages_search(
                question=question,
                knowledge_base_ids=knowledge_base_ids,
                top_k=params.validated_data.get("top_k", settings.KNOWLEDGE_TOP_K),
                language=language,
            )
        except EmbeddingError as exc:
            raise SearchUnavailable(str(exc)) from exc
        result = {
            "question": question,
            "knowledge_bases": knowledge_base_ids,
            "passages": passages,
        }
        return Response(SearchResultSerializer(result).data)
