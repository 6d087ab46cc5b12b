"""Fixtures of the REST API tests: API clients for each persona, and the data they read."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls.models import Call, Turn, TurnRole, TurnSource
from knowledge.models import Document, KnowledgeBase
from knowledge.services import document_ingest
from profiles.demo import DEMO_KNOWLEDGE_BASE, demo_documents
from profiles.models import PhoneProfile, ProfileLanguage


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def outsider(outsider_user) -> APIClient:
    """Logged in (session), not staff."""
    client = APIClient()
    client.force_login(outsider_user)
    return client


@pytest.fixture
def staff(staff_user) -> APIClient:
    """Logged in (session) as staff."""
    client = APIClient()
    client.force_login(staff_user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clinic_knowledge(db) -> KnowledgeBase:
    """The demo clinic's documents, ingested with the default (local) embedder."""
    knowledge_base = KnowledgeBase.objects.create(name=DEMO_KNOWLEDGE_BASE)
    for title, text in demo_documents():
        document = Document.objects.create(
            knowledge_base=knowledge_base, title=title, source_text=text
        )
        assert document_ingest(document_id=document.pk).outcome == "ingested"
    return knowledge_base


@pytest.fixture
def profile(db) -> PhoneProfile:
    profile = PhoneProfile.objects.create(
        number="+15550100000",
        name="Bright Smile Dental",
        language="en-US",
        live_agent_number="+15550100099",
    )
    ProfileLanguage.objects.create(profile=profile, code="es-US", voice="es-US-Neural2-A")
    return profile


def make_call(
    profile: PhoneProfile | None,
    n: int,
    *,
    said: tuple[str, ...] = (),
    days_ago: int = 0,
    **fields,
) -> Call:
    """A call with one caller turn per sentence in `said`, each answered by the assistant."""
    started = timezone.now() - timedelta(days=days_ago, minutes=5)
    call = Call.objects.create(
        call_sid=f"CA{n:032d}",
        profile=profile,
        from_number="+15550100001",
        to_number=profile.number if profile else "+15550100000",
        direction="inbound",
        started_at=started,
        **fields,
    )
    sequence = 0
    for sentence in said:
        sequence += 1
        Turn.objects.create(
            call=call,
            sequence=sequence,
            role=TurnRole.CALLER,
            source=TurnSource.SPEECH,
            text=sentence,
        )
        sequence += 1
        Turn.objects.create(
            call=call,
            sequence=sequence,
            role=TurnRole.ASSISTANT,
            source=TurnSource.RULE,
            text="Happy to help.",
        )
    return call
