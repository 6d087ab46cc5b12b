"""Full-text vectors weigh a chunk's own heading (A) above the headings over it (B) and its
text (D), as ingestion now writes them: recompute the vectors of chunks ingested before. The
embeddings do not change, so nothing needs re-embedding."""

from django.db import migrations

OWN_HEADING = r"regexp_replace(heading, '^.* › ', '')"
PARENT_HEADINGS = r"regexp_replace(heading, '( › )?[^›]*$', '')"


def weighted(config: str) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{config}', coalesce({expression}, '')), '{weight}')"
        for expression, weight in ((OWN_HEADING, "A"), (PARENT_HEADINGS, "B"), ("text", "D"))
    )


def unweighted(config: str) -> str:
    return f"to_tsvector('{config}', coalesce(heading, '') || ' ' || coalesce(text, ''))"


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0003_gin_without_pending_list"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "UPDATE knowledge_chunk SET search_vector = "
                f"{weighted('english')} || {weighted('spanish')}"
            ),
            reverse_sql=(
                "UPDATE knowledge_chunk SET search_vector = "
                f"{unweighted('english')} || {unweighted('spanish')}"
            ),
        ),
    ]
