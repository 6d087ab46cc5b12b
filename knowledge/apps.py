from django.apps import AppConfig
from django.db.models.signals import pre_migrate


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge"

    def ready(self) -> None:
        from knowledge.pgvector_check import require_vector_extension

        pre_migrate.connect(require_vector_extension, sender=self)
