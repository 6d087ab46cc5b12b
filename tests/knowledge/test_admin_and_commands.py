"""Staff manage documents in the admin; engineers ingest from the terminal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from knowledge.models import Chunk, Document, DocumentStatus, KnowledgeBase


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_a_document_added_in_the_admin_is_ingested_after_commit(
    staff_client, media, django_capture_on_commit_callbacks
):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/knowledge/document/add/",
            {
                "knowledge_base": knowledge_base.pk,
                "title": "Parking",
                "source_text": "",
                "source_file": SimpleUploadedFile("parking.md", b"# Parking\n\nFree parking."),
            },
        )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.status == DocumentStatus.READY and document.chunk_count == 1
    page = staff_client.get("/admin/knowledge/document/").content.decode()
    assert "ready" in page.lower()


def test_a_broken_upload_shows_its_error_in_the_admin(
    staff_client, media, django_capture_on_commit_callbacks
):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/admin/knowledge/document/add/",
            {
                "knowledge_base": knowledge_base.pk,
                "title": "Scan",
                "source_text": "",
                "source_file": SimpleUploadedFile("scan.pdf", b"%PDF-1.4 garbage"),
            },
        )
    document = Document.objects.get()
    assert document.status == DocumentStatus.FAILED
    page = staff_client.get(f"/admin/knowledge/document/{document.pk}/change/").content.decode()
    assert "could not be read" in page


def test_an_unsupported_file_is_refused_by_the_form(staff_client, media):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    response = staff_client.post(
        "/admin/knowledge/document/add/",
        {
            "knowledge_base": knowledge_base.pk,
            "title": "Prices",
            "source_text": "",
            "source_file": SimpleUploadedFile("prices.xlsx", b"PK"),
        },
    )
    assert response.status_code == 200
    assert "File extension" in response.content.decode()
    assert not Document.objects.exists()


def test_staff_re_ingest_documents_from_the_list(staff_client, django_capture_on_commit_callbacks):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    document = Document.objects.create(
        knowledge_base=knowledge_base, title="Hours", source_text="# Hours\n\nWe open at 8."
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/admin/knowledge/document/",
            {"action": "reingest", "_selected_action": [document.pk]},
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.chunk_count == 1


def test_the_search_preview_ranks_passages_with_scores(staff_client, demo_knowledge_base):
    url = f"/admin/knowledge/knowledgebase/{demo_knowledge_base.pk}/search/"
    page = staff_client.get(url, {"q": "Is there free parking?"}).content.decode()
    first_row = page[page.index("<tbody>") :].split("</tr>")[0]
    assert "Location and parking" in first_row
    assert "0." in page  # scores are shown


def test_outsiders_cannot_use_the_search_preview(client, outsider_user, demo_knowledge_base):
    client.force_login(outsider_user)
    url = f"/admin/knowledge/knowledgebase/{demo_knowledge_base.pk}/search/"
    assert client.get(url, {"q": "parking"}).status_code == 302


def test_ingest_reads_files_and_folders(db, tmp_path, media, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hours.md").write_text("# Hours\n\nWe open at eight.")
    (folder / "ignored.xlsx").write_bytes(b"PK")
    (tmp_path / "parking.txt").write_text("Parking is free behind the building.")
    call_command("ingest", str(folder), str(tmp_path / "parking.txt"), "--kb", "Clinic")
    assert "2 ingested, 0 unchanged, 0 failed" in capsys.readouterr().out
    assert Chunk.objects.filter(knowledge_base__name="Clinic").count() == 2

    call_command("ingest", str(folder), "--kb", "Clinic")
    assert "0 ingested, 1 unchanged, 0 failed" in capsys.readouterr().out


def test_ingest_refuses_a_path_that_does_not_exist(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("ingest", str(tmp_path / "nope"), "--kb", "Clinic")


def test_reembed_embeds_every_document_again(demo_knowledge_base, capsys):
    Chunk.objects.update(embedding_model="old-model")
    call_command("reembed", "--kb", demo_knowledge_base.name)
    assert "6 re-embedded, 0 failed" in capsys.readouterr().out
    assert not Chunk.objects.filter(embedding_model="old-model").exists()
