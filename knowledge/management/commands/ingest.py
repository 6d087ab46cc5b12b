from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from knowledge.embeddings import EmbeddingError
from knowledge.extraction import SUPPORTED_EXTENSIONS
from knowledge.models import Document, KnowledgeBase
from knowledge.services import document_ingest


class Command(BaseCommand):
    help = (
        "Ingest files and folders into a knowledge base (created if missing), with a progress "
        "bar. A file already there under the same title is replaced when its content changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="files or folders")
        parser.add_argument("--kb", required=True, help="the knowledge base's name")

    def handle(self, *args, paths: list[Path], kb: str, **options):
        files = _files(paths)
        if not files:
            raise CommandError(f"No {', '.join(SUPPORTED_EXTENSIONS)} files in {paths}.")
        knowledge_base, _ = KnowledgeBase.objects.get_or_create(name=kb)
        counts = {"ingested": 0, "unchanged": 0, "failed": 0}
        failures = []
        for path in tqdm(files, desc=f"Ingesting into {kb}", unit="file", file=self.stderr):
            document = _document_for(knowledge_base, path)
            try:
                result = document_ingest(document_id=document.pk)
            except EmbeddingError as exc:
                raise CommandError(f"{path}: {exc}") from None
            counts[result.outcome] += 1
            if result.error:
                failures.append(f"{path}: {result.error}")
        for failure in failures:
            self.stderr.write(self.style.ERROR(failure))
        self.stdout.write(
            f"{knowledge_base.name}: {counts['ingested']} ingested, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed."
        )


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [p for p in candidates if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS]
    return found


def _document_for(knowledge_base: KnowledgeBase, path: Path) -> Document:
    """The knowledge base's document for this file, its stored copy refreshed."""
    document, _ = Document.objects.get_or_create(
        knowledge_base=knowledge_base, title=path.stem.replace("_", " ").replace("-", " ")[:200]
    )
    document.source_text = ""
    if document.source_file:
        document.source_file.delete(save=False)
    document.source_file.save(path.name, ContentFile(path.read_bytes()), save=True)
    return document
