"""Staff manage knowledge bases and documents through the API: upload, watch ingestion,
ingest again, delete; a broken upload is refused or marked failed, and loses nothing."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge.models import Chunk, Document, DocumentStatus, KnowledgeBase

PARKING = b"# Parking\n\nFree parking behind the building, entrance on Elm Street."


@pytest.fixture
def clinic(db) -> KnowledgeBase:
    return KnowledgeBase.objects.create(name="Clinic", description="Front desk answers")


@pytest.fixture
def upload(staff, media, django_capture_on_commit_callbacks):
    """POST a document as multipart, running what is queued after commit (ingestion)."""

    def post(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return staff.post("/api/documents/", fields, format="multipart")

    return post


def test_an_uploaded_file_is_ingested_and_becomes_ready(staff, clinic, upload):
    response = upload(
        knowledge_base=clinic.pk, source_file=SimpleUploadedFile("parking.md", PARKING)
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["title"] == "parking.md"
    assert created["file_name"].endswith(".md")
    assert created["knowledge_base"] == clinic.pk

    document = staff.get(f"/api/documents/{created['id']}/").json()
    assert document["status"] == DocumentStatus.READY
    assert document["chunk_count"] == 1 and document["error_message"] == ""
    assert document["ingested_at"]
    chunk = Chunk.objects.get(document_id=created["id"])
    assert "Elm Street" in chunk.text


def test_pasted_text_can_be_sent_as_json(staff, clinic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/api/documents/",
            {"knowledge_base": clinic.pk, "title": "Hours", "source_text": "Open at eight."},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert Document.objects.get(pk=response.json()["id"]).status == DocumentStatus.READY


@pytest.fixture
def ready_document(clinic, upload) -> Document:
    response = upload(
        knowledge_base=clinic.pk,
        title="Parking",
        source_file=SimpleUploadedFile("parking.md", PARKING),
    )
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == DocumentStatus.READY
    return document


def test_a_damaged_pdf_is_kept_as_failed_with_the_reason(staff, clinic, upload, ready_document):
    response = upload(
        knowledge_base=clinic.pk, source_file=SimpleUploadedFile("scan.pdf", b"%PDF-1.4 junk")
    )
    assert response.status_code == 201, response.content
    failed = staff.get(f"/api/documents/{response.json()['id']}/").json()
    assert failed["status"] == DocumentStatus.FAILED
    assert "could not be read" in failed["error_message"]
    assert failed["chunk_count"] == 0
    # The other documents are untouched.
    ready_document.refresh_from_db()
    assert ready_document.status == DocumentStatus.READY
    assert ready_document.chunks.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"source_file": SimpleUploadedFile("notes.exe", b"MZ")},
            "source_file",
            "File extension “exe” is not allowed",
        ),
        ({"title": "Parking", "source_text": "Other text"}, "non_field_errors", "already exists"),
        ({"title": "Empty"}, "non_field_errors", "Upload a file or paste text"),
        (
            {
                "title": "Both",
                "source_text": "text",
                "source_file": SimpleUploadedFile("both.txt", b"file"),
            },
            "non_field_errors",
            "one of the two, not both",
        ),
        ({"source_text": "No title"}, "title", "Give a title"),
        ({"knowledge_base": 999999, "title": "X", "source_text": "x"}, "knowledge_base", "does"),
    ],
    ids=["unsupported type", "title taken", "neither", "both", "no title", "unknown base"],
)
def test_a_refused_upload_is_a_400_and_stores_nothing(
    clinic, upload, media, ready_document, fields, field, message
):
    stored_files = sorted(p.name for p in media.rglob("*") if p.is_file())
    response = upload(**{"knowledge_base": clinic.pk, **fields})
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert list(Document.objects.values_list("title", flat=True)) == ["Parking"]
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == stored_files
    ready_document.refresh_from_db()
    assert ready_document.status == DocumentStatus.READY


def test_documents_are_listed_by_knowledge_base_and_status(staff, clinic, upload, ready_document):
    other = KnowledgeBase.objects.create(name="Other")
    upload(knowledge_base=other.pk, source_file=SimpleUploadedFile("scan.pdf", b"%PDF junk"))

    def titles(**params) -> list[str]:
        response = staff.get("/api/documents/", params)
        assert response.status_code == 200, response.content
        return [document["title"] for document in response.json()["results"]]

    assert titles() == ["Parking", "scan.pdf"]
    assert titles(knowledge_base=clinic.pk) == ["Parking"]
    assert titles(status="failed") == ["scan.pdf"]
    assert titles(status="ready", knowledge_base=other.pk) == []
    assert staff.get("/api/documents/", {"status": "lost"}).status_code == 400


def test_reingest_reads_the_document_again(
    staff, ready_document, django_capture_on_commit_callbacks
):
    first_ingested = ready_document.ingested_at
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/documents/{ready_document.pk}/reingest/")
    assert response.status_code == 202
    assert response.json()["status"] == DocumentStatus.PENDING
    ready_document.refresh_from_db()
    assert ready_document.status == DocumentStatus.READY
    assert ready_document.ingested_at > first_ingested
    assert ready_document.chunks.count() == 1


def test_reingest_of_a_fixed_file_clears_the_failure(
    staff, clinic, upload, django_capture_on_commit_callbacks
):
    response = upload(knowledge_base=clinic.pk, source_file=SimpleUploadedFile("notes.txt", b"   "))
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == DocumentStatus.FAILED
    with document.source_file.open("wb") as handle:
        handle.write(b"Now the notes have text.")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/documents/{document.pk}/reingest/")
    data = staff.get(f"/api/documents/{document.pk}/").json()
    assert (data["status"], data["error_message"], data["chunk_count"]) == ("ready", "", 1)


def test_reingest_of_an_unknown_document_is_404(staff, db):
    assert staff.post("/api/documents/999999/reingest/").status_code == 404


def test_delete_removes_the_document_its_passages_and_its_file(
    staff, ready_document, django_capture_on_commit_callbacks
):
    path = ready_document.source_file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.delete(f"/api/documents/{ready_document.pk}/")
    assert response.status_code == 204
    assert not Document.objects.filter(pk=ready_document.pk).exists()
    assert not Chunk.objects.filter(document_id=ready_document.pk).exists()
    assert not Path(path).exists()
    assert KnowledgeBase.objects.filter(pk=ready_document.knowledge_base_id).exists()


# --- knowledge bases ---------------------------------------------------------------------


def test_knowledge_bases_are_listed_with_their_document_counts(staff, clinic, ready_document):
    KnowledgeBase.objects.create(name="Archive")
    data = staff.get("/api/knowledge-bases/").json()
    assert [(kb["name"], kb["document_count"]) for kb in data["results"]] == [
        ("Archive", 0),
        ("Clinic", 1),
    ]


def test_staff_create_and_rename_a_knowledge_base(staff, db):
    response = staff.post(
        "/api/knowledge-bases/", {"name": "Clinic", "description": "FAQ"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["document_count"]) == ("Clinic", 0)
    response = staff.patch(
        f"/api/knowledge-bases/{created['id']}/", {"name": "Front desk"}, format="json"
    )
    assert response.status_code == 200
    knowledge_base = KnowledgeBase.objects.get()
    assert (knowledge_base.name, knowledge_base.description) == ("Front desk", "FAQ")


def test_a_knowledge_base_name_in_use_is_refused(staff, clinic):
    response = staff.post("/api/knowledge-bases/", {"name": "Clinic"}, format="json")
    assert response.status_code == 400
    assert "already exists" in " ".join(response.json()["name"])
    assert KnowledgeBase.objects.count() == 1


def test_knowledge_bases_are_deleted_in_the_admin_not_the_api(staff, clinic):
    assert staff.delete(f"/api/knowledge-bases/{clinic.pk}/").status_code == 405
    assert KnowledgeBase.objects.filter(pk=clinic.pk).exists()
