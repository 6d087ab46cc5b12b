from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from knowledge.models import Chunk, Document, KnowledgeBase


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["title", "status", "chunk_count", "updated_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(KnowledgeBase)
class KnowledgeBaseAdmin(admin.ModelAdmin):
    list_display = ["name", "document_count", "updated_at"]
    search_fields = ["name", "description"]
    inlines = [DocumentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[KnowledgeBase]:
        return super().get_queryset(request).annotate(document_count=Count("documents"))

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, knowledge_base: KnowledgeBase) -> int:
        return knowledge_base.document_count


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "knowledge_base", "status", "chunk_count", "updated_at"]
    list_filter = ["status", "knowledge_base"]
    list_select_related = ["knowledge_base"]
    search_fields = ["title", "source_text"]
    readonly_fields = [
        "status",
        "error_message",
        "chunk_count",
        "content_hash",
        "ingested_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["knowledge_base", "title", "source_file", "source_text"]}),
        (
            "Ingestion",
            {"fields": ["status", "error_message", "chunk_count", "content_hash", "ingested_at"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    """Chunks are produced by ingestion: staff read them to see what retrieval searches."""

    list_display = ["document", "ordinal", "heading", "embedding_model"]
    list_filter = ["embedding_model", "document__knowledge_base"]
    list_select_related = ["document"]
    search_fields = ["text", "heading", "document__title"]
    fields = ["document", "ordinal", "heading", "text", "embedding_model", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
