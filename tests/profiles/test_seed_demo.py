"""`seed_demo` builds the demo clinic once and can be run again at every `make run`."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from knowledge.models import Document, DocumentStatus
from profiles.models import PhoneProfile


def seed(capsys) -> str:
    call_command("seed_demo")
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def no_password_in_environment(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)


def test_the_demo_clinic_answers_in_english_and_spanish_from_its_documents(db, capsys):
    seed(capsys)
    profile = PhoneProfile.objects.get(number="+15550100000")
    assert profile.is_active
    assert profile.language == "en-US"
    assert [language.code for language in profile.extra_languages.all()] == ["es-US"]
    knowledge_base = profile.knowledge_bases.get()
    titles = set(knowledge_base.documents.values_list("title", flat=True))
    assert {
        "Opening hours",
        "Location and parking",
        "Services",
        "Insurance and payment",
        "Appointments and cancellation policy",
    } <= titles
    assert knowledge_base.documents.filter(title__icontains="español").exists()
    # Ingested at once, so that the assistant answers from them as soon as `make run` serves.
    assert all(doc.status == DocumentStatus.READY for doc in knowledge_base.documents.all())
    assert all(doc.chunk_count > 0 for doc in knowledge_base.documents.all())


def test_a_generated_password_is_printed_once_and_lets_staff_log_in(db, capsys, client):
    first = seed(capsys)
    match = re.search(r"Staff login: admin / (\S+)", first)
    assert match, first
    assert client.login(username="admin", password=match.group(1))
    assert get_user_model().objects.get(username="admin").is_staff

    second = seed(capsys)
    assert match.group(1) not in second
    assert "existing account" in second


def test_running_it_again_creates_nothing_new_and_keeps_staff_edits(db, capsys):
    seed(capsys)
    profile = PhoneProfile.objects.get(number="+15550100000")
    profile.assistant_name = "Bea"
    profile.save(update_fields=["assistant_name"])
    counts = (PhoneProfile.objects.count(), Document.objects.count())

    out = seed(capsys)
    assert (PhoneProfile.objects.count(), Document.objects.count()) == counts
    assert PhoneProfile.objects.get(number="+15550100000").assistant_name == "Bea"
    assert "(0 new)" in out


def test_the_password_comes_from_the_environment_when_set(db, capsys, client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "clinic-demo-pass-42")
    out = seed(capsys)
    assert "clinic-demo-pass-42" not in out
    assert client.login(username="admin", password="clinic-demo-pass-42")


def test_the_demo_booking_webhook_follows_the_server_it_is_seeded_for(db, settings, capsys):
    from profiles.models import WorkflowStep

    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8001"
    call_command("seed_demo")
    webhook = WorkflowStep.objects.get(kind="webhook")
    assert webhook.url == "http://127.0.0.1:8001/demo/bookings/"

    webhook.text_en = "One moment while I book that."  # a staff edit stays
    webhook.save()
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # make run, on its usual port
    call_command("seed_demo")
    webhook.refresh_from_db()
    assert webhook.url == "http://127.0.0.1:8000/demo/bookings/"
    assert webhook.text_en == "One moment while I book that."

    webhook.url = "https://booking.example.com/hook"  # staff point it at a real system
    webhook.save()
    call_command("seed_demo")
    webhook.refresh_from_db()
    assert webhook.url == "https://booking.example.com/hook"
