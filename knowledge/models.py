"""Knowledge bases, their documents, and the chunks that retrieval searches."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from pgvector.django import HnswIndex, VectorField

# Every embedding provider produces vectors of this size: an HNSW index needs one fixed size.
EMBEDDING_DIMENSIONS = 384

DOCUMENT_EXTENSIONS = ["txt", "md", "html", "htm", "pdf", "docx"]


class KnowledgeBase(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentStatus(models.TextChoices):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Document(models.Model):
    knowledge_base = models.ForeignKey(
        KnowledgeBase, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(max_length=200)
    source_file = models.FileField(
        upload_to="knowledge/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
        help_text="A .txt, .md, .html, .pdf or .docx file; or paste the text below instead.",
    )
    source_text = models.TextField(blank=True)
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the content last ingested."
    )
    status = models.CharField(
        max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    error_message = models.TextField(blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    ingested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["knowledge_base", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["knowledge_base", "title"], name="document_title_unique_in_kb"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if bool(self.source_file) == bool(self.source_text.strip()):
            raise ValidationError("Upload a file or paste text: one of the two, not both.")


class Chunk(models.Model):
    """A passage of a document, embedded for similarity search and indexed for full text."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    # The document's, repeated so that both halves of a search filter one table on one column.
    knowledge_base = models.ForeignKey(
        KnowledgeBase, on_delete=models.CASCADE, related_name="chunks"
    )
    ordinal = models.PositiveIntegerField(help_text="Position in the document, from 0.")
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    search_vector = SearchVectorField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["document", "ordinal"], name="chunk_ordinal_unique"),
        ]
        indexes = [
            HnswIndex(
                name="chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            # No pending list: chunks are written in batches by ingestion, in the background,
            # while every search must be fast; a pending list is scanned linearly by searches.
            GinIndex(fields=["search_vector"], name="chunk_search_vector_gin", fastupdate=False),
        ]

    def __str__(self) -> str:
        return f"{self.document} #{self.ordinal}"
