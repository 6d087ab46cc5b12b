"""Ingestion through a real Celery worker, on the real Redis, as in production."""

import sys
import time
import uuid

import pytest
from celery import Celery
from django.db import connection

from knowledge.models import Document, DocumentStatus, KnowledgeBase
from tests.e2e.conftest import database_url, running, subprocess_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_document_saved_in_the_web_process_is_ingested_by_a_worker(redis_url, settings):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = subprocess_env(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]), REDIS_URL=redis_url
    )
    command = [
        sys.executable, "-m", "celery", "-A", "voiceai", "worker",
        "--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
        "-Q", queue, "--loglevel=INFO",
    ]  # fmt: skip
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    document = Document.objects.create(
        knowledge_base=knowledge_base,
        title="Hours",
        source_text="# Hours\n\nWe open at eight in the morning, Monday to Friday.",
    )
    with running(command, env=env) as log:
        # A client of its own, as the web process is with REDIS_URL set: the suite's Celery app
        # runs tasks inline.
        with Celery("voiceai", broker=redis_url) as client:
            client.send_task("knowledge.tasks.ingest_document", args=[document.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            document.refresh_from_db()
            if document.status in (DocumentStatus.READY, DocumentStatus.FAILED):
                break
            time.sleep(0.2)
        assert document.status == DocumentStatus.READY, log.read_text()
        assert document.chunk_count == 1
        assert "ingest_document" in log.read_text()
