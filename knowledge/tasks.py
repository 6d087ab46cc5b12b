"""Celery tasks of the knowledge base. Tasks take ids and are enqueued after commit."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from knowledge.embeddings import EmbeddingError
from knowledge.models import Document, DocumentStatus
from knowledge.services import document_ingest

MAX_RETRIES = 4


@shared_task(bind=True, acks_late=True, soft_time_limit=600, time_limit=660)
def ingest_document(self, document_id: int, force: bool = False) -> str:
    """Ingest one document. A worker killed mid-task leaves the message unacknowledged, so it
    is delivered again; a provider that is down is retried with backoff."""
    try:
        return document_ingest(document_id=document_id, force=force).outcome
    except Document.DoesNotExist:
        return "deleted"
    except EmbeddingError as exc:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            return "failed"
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        Document.objects.filter(pk=document_id).update(
            status=DocumentStatus.FAILED,
            error_message="Ingestion took longer than ten minutes and was stopped; "
            "split the document or try again.",
        )
        return "failed"
