"""Documents become searchable chunks: safely, idempotently, and with clear errors."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from knowledge.embeddings import EmbeddingError
from knowledge.models import Chunk, Document, DocumentStatus, KnowledgeBase
from knowledge.retrieval import passages_search
from knowledge.services import document_ingest

HOURS = """# Opening hours

We are open Monday to Friday from 8 a.m. to 6 p.m.

## Holidays

We close between Christmas Eve and New Year's Day."""


@pytest.fixture
def knowledge_base(db):
    return KnowledgeBase.objects.create(name="Clinic")


def add(knowledge_base, title="Hours", **content) -> Document:
    return Document.objects.create(knowledge_base=knowledge_base, title=title, **content)


def test_pasted_text_becomes_chunks_with_their_headings(knowledge_base):
    document = add(knowledge_base, source_text=HOURS)
    result = document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert result.outcome == "ingested"
    assert document.status == DocumentStatus.READY and document.error_message == ""
    assert document.chunk_count == Chunk.objects.filter(document=document).count() >= 2
    holidays = Chunk.objects.get(document=document, text__contains="Christmas")
    assert "Holidays" in holidays.heading
    assert holidays.embedding_model and len(holidays.embedding) == 384
    assert holidays.search_vector


@pytest.mark.parametrize(
    ("filename", "data", "needle"),
    [
        ("hours.txt", b"We open at eight on Mondays.", "eight"),
        ("hours.md", b"# Hours\n\nWe open at eight on Mondays.", "eight"),
        (
            "hours.html",
            b"<html><body><nav>Menu</nav><h1>Hours</h1><p>We open at eight.</p></body></html>",
            "eight",
        ),
        ("horario.txt", "Abrimos a las ocho, de lunes a viernes. Señal: ñ".encode(), "ocho"),
    ],
)
def test_uploaded_files_are_read(knowledge_base, settings, tmp_path, filename, data, needle):
    settings.MEDIA_ROOT = tmp_path
    document = add(knowledge_base, source_file=SimpleUploadedFile(filename, data))
    assert document_ingest(document_id=document.pk).outcome == "ingested"
    text = " ".join(Chunk.objects.filter(document=document).values_list("text", flat=True))
    assert needle in text
    assert "Menu" not in text


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "could not be read"),
        ("empty.txt", b"", "empty"),
        ("broken.docx", b"not a zip", "could not be read"),
    ],
)
def test_a_broken_upload_fails_in_plain_words_and_keeps_the_old_chunks(
    knowledge_base, settings, tmp_path, filename, data, message
):
    settings.MEDIA_ROOT = tmp_path
    document = add(knowledge_base, source_text=HOURS)
    document_ingest(document_id=document.pk)
    before = set(Chunk.objects.filter(document=document).values_list("id", flat=True))

    document.source_text = ""
    document.source_file = SimpleUploadedFile(filename, data)
    document.save()
    result = document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert result.outcome == "failed"
    assert document.status == DocumentStatus.FAILED
    assert message in document.error_message
    assert set(Chunk.objects.filter(document=document).values_list("id", flat=True)) == before


def test_unchanged_content_is_not_ingested_again(knowledge_base):
    document = add(knowledge_base, source_text=HOURS)
    document_ingest(document_id=document.pk)
    before = list(Chunk.objects.filter(document=document).values_list("id", flat=True))
    assert document_ingest(document_id=document.pk).outcome == "unchanged"
    assert list(Chunk.objects.filter(document=document).values_list("id", flat=True)) == before


def test_changed_content_replaces_the_chunks(knowledge_base):
    document = add(knowledge_base, source_text=HOURS)
    document_ingest(document_id=document.pk)
    document.source_text = "# Opening hours\n\nWe now open at seven."
    document.save()
    assert document_ingest(document_id=document.pk).outcome == "ingested"
    texts = list(Chunk.objects.filter(document=document).values_list("text", flat=True))
    assert texts == ["We now open at seven."]


def test_an_embedding_provider_that_is_down_fails_clearly_and_keeps_the_old_chunks(
    knowledge_base, settings, llm
):
    document = add(knowledge_base, source_text=HOURS)
    document_ingest(document_id=document.pk)
    count = Chunk.objects.filter(document=document).count()
    settings.EMBEDDING_PROVIDER = "openai"
    llm.reset(fail_with_status=503)
    document.source_text = HOURS + "\n\nNew paragraph."
    document.save()
    with pytest.raises(EmbeddingError):
        document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "will be retried" in document.error_message
    assert Chunk.objects.filter(document=document).count() == count


@pytest.mark.django_db(transaction=True)
def test_a_search_during_re_ingestion_never_sees_half_a_document():
    knowledge_base = KnowledgeBase.objects.create(name="Versions")
    versions = [
        "\n\n".join(f"Paragraph {n} of version {v}. " * 12 for n in range(12)) for v in (1, 2)
    ]
    document = add(knowledge_base, source_text=versions[0])
    document_ingest(document_id=document.pk)
    mixed = []
    stop = threading.Event()

    def search():
        try:
            while not stop.is_set():
                passages = passages_search(
                    question="paragraph version", knowledge_base_ids=[knowledge_base.pk], top_k=30
                )
                seen = {("version 1" in p.text, "version 2" in p.text) for p in passages}
                if len({flags for flags in seen}) > 1:
                    mixed.append(seen)
        finally:
            connection.close()

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        for round_ in range(6):
            Document.objects.filter(pk=document.pk).update(source_text=versions[(round_ + 1) % 2])
            document_ingest(document_id=document.pk)
    finally:
        stop.set()
        searcher.join(10)
    assert mixed == []
