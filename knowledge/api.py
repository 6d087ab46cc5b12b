"""REST API of knowledge bases and their documents (upload, re-ingest, delete, status)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from knowledge.models import Document, KnowledgeBase
from knowledge.selectors import documents_listed, knowledge_bases_with_counts
from knowledge.services import (
    document_create,
    document_delete,
    document_reingest,
    knowledge_base_create,
    knowledge_base_update,
)


class KnowledgeBaseSerializer(serializers.ModelSerializer):
    document_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = KnowledgeBase
        fields = ["id", "name", "description", "document_count", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(summary="List knowledge bases"),
    retrieve=extend_schema(summary="Read a knowledge base"),
    create=extend_schema(summary="Create a knowledge base"),
    update=extend_schema(summary="Replace a knowledge base's name and description"),
    partial_update=extend_schema(summary="Rename or describe a knowledge base"),
)
class KnowledgeBaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Knowledge bases: list, read, create and rename (delete them in the admin)."""

    queryset = knowledge_bases_with_counts()
    serializer_class = KnowledgeBaseSerializer

    def perform_create(self, serializer: KnowledgeBaseSerializer) -> None:
        knowledge_base = knowledge_base_create(**serializer.validated_data)
        knowledge_base.document_count = 0
        serializer.instance = knowledge_base

    def perform_update(self, serializer: KnowledgeBaseSerializer) -> None:
        knowledge_base_update(knowledge_base=serializer.instance, data=serializer.validated_data)


class DocumentSerializer(serializers.ModelSerializer):
    """A document and where its ingestion stands: `status` (pending, processing, ready,
    failed), and when it failed, `error_message` says why in plain words."""

    knowledge_base_name = serializers.CharField(source="knowledge_base.name", read_only=True)
    file_name = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "knowledge_base",
            "knowledge_base_name",
            "title",
            "file_name",
            "status",
            "error_message",
            "chunk_count",
            "ingested_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_file_name(self, document: Document) -> str:
        """The stored file's name, or "" for pasted text."""
        return document.source_file.name or ""


class DocumentUploadSerializer(serializers.Serializer):
    knowledge_base = serializers.PrimaryKeyRelatedField(queryset=KnowledgeBase.objects.all())
    title = serializers.CharField(
        max_length=200, required=False, help_text="By default, the file's name."
    )
    source_file = serializers.FileField(
        required=False, help_text="A .txt, .md, .html, .pdf or .docx file."
    )
    source_text = serializers.CharField(
        required=False, help_text="Or the document's text, instead of a file."
    )

    def validate(self, attrs: dict) -> dict:
        if "title" not in attrs:
            if "source_file" not in attrs:
                raise serializers.ValidationError({"title": "Give a title for pasted text."})
            attrs["title"] = attrs["source_file"].name.rsplit("/", 1)[-1][:200]
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List documents"),
    retrieve=extend_schema(summary="Read a document and its ingestion status"),
    destroy=extend_schema(summary="Delete a document, its passages and its file"),
)
class DocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Documents: list (filter by knowledge base and status), read, upload, re-ingest, delete.

    Ingestion runs in the background (inline when no Redis is configured): poll a document
    until its status is ready or failed.
    """

    queryset = documents_listed()
    serializer_class = DocumentSerializer
    filterset_fields = ["knowledge_base", "status"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Upload a document",
        request=DocumentUploadSerializer,
        responses={201: DocumentSerializer},
        description="Upload a file (multipart) or send text; the document is queued for "
        "ingestion. A file type that is not supported, a title already used in the knowledge "
        "base, or both or neither of file and text get 400 and store nothing. A file that "
        "turns out unreadable (a damaged PDF) is kept with status failed and its reason.",
    )
    def create(self, request: Request) -> Response:
        upload = DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        document = document_create(**upload.validated_data)
        # Without a broker ingestion has already run; with one, this is still pending.
        document.refresh_from_db()
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Ingest a document again", request=None, responses={202: DocumentSerializer}
    )
    @action(detail=True, methods=["post"])
    def reingest(self, request: Request, pk: str) -> Response:
        """Read, chunk and embed the document again, even when its text has not changed."""
        document = self.get_object()
        document_reingest(document=document)
        document.refresh_from_db()
        return Response(self.get_serializer(document).data, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, document: Document) -> None:
        document_delete(document=document)


class PassageSerializer(serializers.Serializer):
    """A passage found by knowledge search (knowledge.retrieval.Passage)."""

    chunk = serializers.IntegerField(source="chunk_id")
    document = serializers.IntegerField(source="document_id")
    title = serializers.CharField(help_text="The document's title.")
    heading = serializers.CharField()
    text = serializers.CharField()
    score = serializers.FloatField(help_text="Fused score (reciprocal rank), higher is better.")
    similarity = serializers.FloatField(
        allow_null=True, help_text="Cosine similarity, when the vector search found it."
    )
    text_rank = serializers.FloatField(
        allow_null=True, help_text="Full-text rank, when the full-text search found it."
    )
