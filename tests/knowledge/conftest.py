import pytest

from knowledge.models import Document, KnowledgeBase
from knowledge.services import document_ingest
from profiles.demo import DEMO_KNOWLEDGE_BASE, demo_documents


@pytest.fixture
def demo_knowledge_base(db) -> KnowledgeBase:
    """The demo clinic's six documents, ingested with the default (local) embedder."""
    knowledge_base = KnowledgeBase.objects.create(name=DEMO_KNOWLEDGE_BASE)
    for title, text in demo_documents():
        document = Document.objects.create(
            knowledge_base=knowledge_base, title=title, source_text=text
        )
        assert document_ingest(document_id=document.pk).outcome == "ingested"
    return knowledge_base
