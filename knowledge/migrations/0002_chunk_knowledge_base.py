import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_knowledge_base(apps, schema_editor):
    Chunk = apps.get_model("knowledge", "Chunk")
    Document = apps.get_model("knowledge", "Document")
    Chunk.objects.update(
        knowledge_base_id=Subquery(
            Document.objects.filter(pk=OuterRef("document_id")).values("knowledge_base_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="chunk",
            name="knowledge_base",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="chunks",
                to="knowledge.knowledgebase",
            ),
        ),
        migrations.RunPython(copy_knowledge_base, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="chunk",
            name="knowledge_base",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="chunks",
                to="knowledge.knowledgebase",
            ),
        ),
    ]
