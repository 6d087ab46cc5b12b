from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from knowledge.embeddings import EmbeddingError, embedding_model
from knowledge.models import KnowledgeBase
from knowledge.services import document_ingest


class Command(BaseCommand):
    help = (
        "Embed every document of a knowledge base again with the current embedding provider "
        "(after changing EMBEDDING_PROVIDER or EMBEDDING_MODEL). Retrieval only compares "
        "vectors of the same model, so run it before the new one is used."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kb", required=True, help="the knowledge base's name")

    def handle(self, *args, kb: str, **options):
        try:
            knowledge_base = KnowledgeBase.objects.get(name=kb)
        except KnowledgeBase.DoesNotExist:
            raise CommandError(f"No knowledge base named {kb!r}.") from None
        documents = list(knowledge_base.documents.values_list("pk", flat=True))
        failed = 0
        model = embedding_model()
        for document_id in tqdm(documents, desc=f"Re-embedding with {model}", file=self.stderr):
            try:
                failed += document_ingest(document_id=document_id, force=True).outcome == "failed"
            except EmbeddingError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(f"{kb}: {len(documents) - failed} re-embedded, {failed} failed.")
