"""Writes to the knowledge base: the one sanctioned way to ingest a document.

Ingestion reads the document's text, splits it into chunks that keep their headings, embeds
them and replaces the document's chunks in one transaction, so a search sees the old chunks or
the new ones, never half of each. A failed run keeps the previous chunks and says why in plain
words on the document.
"""

import hashlib
import logging
import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib.postgres.search import CombinedSearchVector, SearchVector
from django.core.files import File
from django.db import transaction
from django.db.models import F, Func, TextField, Value
from django.utils import timezone

from knowledge.chunking import chunk_text
from knowledge.embeddings import EmbeddingError, embed_texts, embedding_model
from knowledge.extraction import ExtractionError, extract_text
from knowledge.models import Chunk, Document, DocumentStatus, KnowledgeBase

logger = logging.getLogger(__name__)

# Chunks are indexed for full text in both languages the assistant speaks.
SEARCH_CONFIGS = ("english", "spanish")


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # "ingested", "unchanged" or "failed"
    chunks: int = 0
    error: str = ""


def knowledge_base_create(*, name: str, description: str = "") -> KnowledgeBase:
    """A new, empty knowledge base. Raises ValidationError (a taken name) as the admin does."""
    knowledge_base = KnowledgeBase(name=name, description=description)
    knowledge_base.full_clean()
    knowledge_base.save()
    return knowledge_base


def knowledge_base_update(*, knowledge_base: KnowledgeBase, data: dict[str, Any]) -> KnowledgeBase:
    """Set the given fields (name, description) and save. Raises ValidationError."""
    for name, value in data.items():
        setattr(knowledge_base, name, value)
    knowledge_base.full_clean()
    knowledge_base.save(update_fields=[*data, "updated_at"])
    return knowledge_base


def document_create(
    *,
    knowledge_base: KnowledgeBase,
    title: str,
    source_file: File | None = None,
    source_text: str = "",
) -> Document:
    """A new document from an uploaded file or pasted text, queued for ingestion.

    Validated as the admin validates it (one of file or text, a supported file extension, a
    title not yet used in the knowledge base): a refusal raises ValidationError and stores
    nothing. A file that is refused only when read (a damaged PDF) is stored, and ingestion
    marks the document failed with the reason.
    """
    document = Document(
        knowledge_base=knowledge_base,
        title=title,
        source_file=source_file or "",
        source_text=source_text,
    )
    document.full_clean()
    with transaction.atomic():
        document.save()
        document_enqueue_ingestion(document=document)
    return document


def document_reingest(*, document: Document) -> None:
    """Read, chunk and embed the document again, even when its text has not changed."""
    document.content_hash = ""  # forces a full run even when the text is the same
    document.save(update_fields=["content_hash", "updated_at"])
    document_enqueue_ingestion(document=document)


def document_delete(*, document: Document) -> None:
    """Delete the document, its chunks and, once that is committed, its stored file."""
    storage, name = document.source_file.storage, document.source_file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def document_enqueue_ingestion(*, document: Document) -> None:
    """Mark the document pending and ingest it (Celery) once the transaction commits."""
    from knowledge.tasks import ingest_document

    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.PENDING, error_message="", updated_at=timezone.now()
    )
    document.status, document.error_message = DocumentStatus.PENDING, ""
    transaction.on_commit(lambda: ingest_document.delay(document.pk))


def document_moved(*, document: Document) -> None:
    """The document now belongs to another knowledge base: so do its chunks."""
    document.chunks.update(knowledge_base_id=document.knowledge_base_id)


def document_text(document: Document) -> str:
    """The document's text: its pasted text, or what its file says. Raises ExtractionError."""
    if document.source_text.strip():
        return document.source_text.strip()
    if not document.source_file:
        raise ExtractionError("The document has neither a file nor text.")
    try:
        with document.source_file.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise ExtractionError("The uploaded file is missing from storage.") from None
    return extract_text(filename=document.source_file.name, data=data)


def document_ingest(*, document_id: int, force: bool = False) -> IngestResult:
    """Ingest one document; unchanged content is skipped unless `force` (after a new embedder).

    Raises EmbeddingError after recording it, so the task can retry a provider that is down.
    """
    document = Document.objects.get(pk=document_id)
    _set_status(document, DocumentStatus.PROCESSING)
    try:
        text = document_text(document)
        model = embedding_model()
        content_hash = hashlib.sha256(text.encode()).hexdigest()
        unchanged = (
            content_hash == document.content_hash
            and document.chunks.exclude(embedding_model=model).count() == 0
            and document.chunks.exists()
        )
        if unchanged and not force:
            _set_status(document, DocumentStatus.READY)
            return IngestResult("unchanged", document.chunk_count)
        drafts = chunk_text(text)
        if not drafts:
            raise ExtractionError("No text was found in this document.")
        vectors = embed_texts([f"{d.heading}\n{d.text}" if d.heading else d.text for d in drafts])
    except ExtractionError as exc:
        return _fail(document, str(exc))
    except EmbeddingError as exc:
        _fail(document, f"{exc} Ingestion will be retried.")
        raise

    with transaction.atomic():
        document.chunks.all().delete()
        Chunk.objects.bulk_create(
            Chunk(
                document=document,
                knowledge_base_id=document.knowledge_base_id,
                ordinal=draft.ordinal,
                heading=draft.heading[:300],
                text=draft.text,
                embedding=vector,
                embedding_model=model,
            )
            for draft, vector in zip(drafts, vectors, strict=True)
        )
        document.chunks.update(search_vector=chunk_search_vector())
        document.content_hash = content_hash
        document.chunk_count = len(drafts)
        document.ingested_at = timezone.now()
        document.error_message = ""
        _set_status(document, DocumentStatus.READY, "content_hash", "chunk_count", "ingested_at")
    logger.info("document %s ingested: %s chunks (%s)", document.pk, len(drafts), model)
    return IngestResult("ingested", len(drafts))


# ts_rank weighs a match by its label: A 1.0, B 0.4, D 0.1. A chunk's own heading says what it
# is about ("Opening hours"), the headings above it less so: without this, the "Holidays"
# section, whose text says "opening hours" again, outranks the hours themselves.
# Removed from a heading path (see chunking: "Location and parking", separator, "Parking"),
# these leave its own heading ("Parking") and the headings above it ("Location and parking").
OWN_HEADING = r"^.* › "  # noqa: RUF001 (up to the last separator)
PARENT_HEADINGS = r"( › )?[^›]*$"  # noqa: RUF001 (the last separator and the last heading)


def chunk_search_vector() -> CombinedSearchVector:
    """The full-text vector of a chunk, in both languages, for an UPDATE of chunks: its own
    heading weighted A, the headings above it B, its text D."""
    parts = {
        "A": _regexp_replace(F("heading"), OWN_HEADING),
        "B": _regexp_replace(F("heading"), PARENT_HEADINGS),
        "D": F("text"),
    }
    vectors = [
        SearchVector(expression, config=config, weight=weight)
        for config in SEARCH_CONFIGS
        for weight, expression in parts.items()
    ]
    return reduce(operator.add, vectors)


def _regexp_replace(expression: F, pattern: str) -> Func:
    return Func(
        expression,
        Value(pattern),
        Value(""),
        function="regexp_replace",
        output_field=TextField(),
    )


def _set_status(document: Document, status: str, *fields: str) -> None:
    document.status = status
    document.save(update_fields=["status", "error_message", *fields, "updated_at"])


def _fail(document: Document, message: str) -> IngestResult:
    logger.warning("document %s failed to ingest: %s", document.pk, message)
    document.error_message = message
    _set_status(document, DocumentStatus.FAILED)
    return IngestResult("failed", error=message)
