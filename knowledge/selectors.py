"""Reads of knowledge bases and documents, shaped for the staff pages and the API."""

from django.db.models import Count, QuerySet

from knowledge.models import Document, KnowledgeBase


def knowledge_bases_with_counts() -> QuerySet[KnowledgeBase]:
    """Knowledge bases annotated with `document_count`."""
    # Counting groups the rows, and Django then ignores Meta.ordering: order explicitly.
    return KnowledgeBase.objects.annotate(document_count=Count("documents")).order_by("name")


def documents_listed() -> QuerySet[Document]:
    """Documents with their knowledge base, without their pasted text (it may be long)."""
    return Document.objects.select_related("knowledge_base").defer("source_text")
