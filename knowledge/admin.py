from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from knowledge.embeddings import EmbeddingError
from knowledge.models import Chunk, Document, KnowledgeBase
from knowledge.retrieval import passages_search
from knowledge.services import document_enqueue_ingestion, document_moved, document_reingest


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
    list_display = ["name", "document_count", "updated_at", "search_link"]
    search_fields = ["name", "description"]
    inlines = [DocumentInline]

    def get_urls(self):
        preview = self.admin_site.admin_view(self.search_preview)
        return [
            path("<int:pk>/search/", preview, name="knowledge_knowledgebase_search"),
            *super().get_urls(),
        ]

    @admin.display(description="search")
    def search_link(self, knowledge_base: KnowledgeBase) -> str:
        url = reverse("admin:knowledge_knowledgebase_search", args=[knowledge_base.pk])
        return format_html('<a href="{}">Try a question</a>', url)

    def search_preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Type a question, see the passages the assistant would use, ranked with scores."""
        knowledge_base = get_object_or_404(KnowledgeBase, pk=pk)
        if not self.has_view_permission(request, knowledge_base):
            return HttpResponse(status=403)
        question = request.GET.get("q", "").strip()[:500]
        passages, error = [], ""
        if question:
            try:
                passages = passages_search(
                    question=question, knowledge_base_ids=[knowledge_base.pk], top_k=8
                )
            except EmbeddingError as exc:
                error = str(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Search {knowledge_base.name}",
            "knowledge_base": knowledge_base,
            "question": question,
            "passages": passages,
            "error": error,
        }
        return TemplateResponse(request, "admin/knowledge/search_preview.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[KnowledgeBase]:
        return super().get_queryset(request).annotate(document_count=Count("documents"))

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, knowledge_base: KnowledgeBase) -> int:
        return knowledge_base.document_count


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "knowledge_base",
        "status",
        "chunk_count",
        "error_message",
        "updated_at",
    ]
    actions = ["reingest"]
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

    def save_model(self, request, document: Document, form, change: bool) -> None:
        super().save_model(request, document, form, change)
        content_changed = {"source_file", "source_text"} & set(form.changed_data)
        if change and "knowledge_base" in form.changed_data:
            document_moved(document=document)
        if not change or content_changed:
            document_enqueue_ingestion(document=document)

    @admin.action(description="Ingest again (re-read, re-chunk, re-embed)")
    def reingest(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            document_reingest(document=document)
        self.message_user(
            request, f"{queryset.count()} document(s) queued for ingestion.", messages.SUCCESS
        )


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
