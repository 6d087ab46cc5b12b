"""Knowledge benchmarks: retrieval latency at 10,000 and 100,000 chunks, ingestion throughput.

Run with `make bench`. It works in a scratch database on the same server as the project
(the embedded PostgreSQL unless DATABASE_URL is set), dropped at the end, and prints a table.
Passages are synthetic but shaped like a business's documents: sentences about hours,
prices, services and policies, with the vocabulary and length of the demo documents.
"""

import os
import random
import statistics
import sys
import time
import uuid

import django

from bench.stats import percentile

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(","))
QUERIES = 200
INGEST_DOCUMENTS = 40

SUBJECTS = [
    "opening hours", "parking", "insurance", "cancellation", "whitening", "implants", "crowns",
    "fillings", "children", "emergencies", "payment plans", "new patients", "x-rays", "braces",
    "cleaning", "root canal", "wisdom teeth", "veneers", "dentures", "sedation", "holidays",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TEMPLATES = [
    "Our {s} service is available on {d} from {h} a.m. to {h2} p.m. at the {place} office.",
    "Patients asking about {s} should call before {d} so that we can prepare their visit.",
    "A {s} appointment costs {p} dollars, and most insurance plans cover part of it.",
    "For {s}, bring your insurance card and a photo ID, and arrive fifteen minutes early.",
    "The {place} team handles {s} questions every {d}; the wait is usually {m} minutes.",
]
PLACES = ["Harbor", "Central", "North", "Riverside", "Hillcrest", "Lakeside", "Old Town"]


def passage(rng: random.Random) -> str:
    sentences = [
        rng.choice(TEMPLATES).format(
            s=rng.choice(SUBJECTS),
            d=rng.choice(DAYS),
            h=rng.randint(7, 10),
            h2=rng.randint(4, 8),
            place=rng.choice(PLACES),
            p=rng.randint(40, 900),
            m=rng.randint(5, 40),
        )
        for _ in range(rng.randint(3, 6))
    ]
    return " ".join(sentences)


def question(rng: random.Random) -> str:
    return rng.choice(
        [
            f"When can I come in for {rng.choice(SUBJECTS)} on {rng.choice(DAYS)}?",
            f"How much does {rng.choice(SUBJECTS)} cost?",
            f"Do you do {rng.choice(SUBJECTS)} at the {rng.choice(PLACES)} office?",
            f"What should I bring for {rng.choice(SUBJECTS)}?",
        ]
    )


def chunks_bulk_load(*, document, texts: list[str], vectors: list, first_ordinal: int) -> float:
    """Store `texts` (embedded as `vectors`) as chunks of `document`, numbered from
    `first_ordinal`, searchable at once; returns the seconds spent building the indexes.

    A bulk load builds the indexes once, afterwards, as one would for an import: maintaining
    them row by row would take ten times longer and measure nothing we need.
    """
    from django.db import connection

    from knowledge.embeddings import embedding_model
    from knowledge.models import Chunk
    from knowledge.services import chunk_search_vector

    model = embedding_model()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname IN "
            "('chunk_embedding_hnsw', 'chunk_search_vector_gin')"
        )
        index_definitions = [row[0] for row in cursor.fetchall()]
        cursor.execute("DROP INDEX chunk_embedding_hnsw, chunk_search_vector_gin")
    Chunk.objects.bulk_create(
        (
            Chunk(
                document=document,
                knowledge_base_id=document.knowledge_base_id,
                ordinal=first_ordinal + n,
                text=text,
                embedding=vector,
                embedding_model=model,
            )
            for n, (text, vector) in enumerate(zip(texts, vectors, strict=True))
        ),
        batch_size=2000,
    )
    # Indexed as ingestion indexes them (headings weighted above the text).
    Chunk.objects.filter(document=document, search_vector__isnull=True).update(
        search_vector=chunk_search_vector()
    )
    index_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in index_definitions:
            cursor.execute(definition)
    index_seconds = time.perf_counter() - index_started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_chunk")
    return index_seconds


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voiceai.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    scratch = f"voiceai_bench_{uuid.uuid4().hex[:8]}"
    django.setup()
    from django.db import connection

    from bench.servers import database_switched

    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        with database_switched(scratch):
            return run()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def run() -> int:
    from django.core.management import call_command
    from django.db import connection, transaction

    from knowledge.embeddings import embed_query, embed_texts, embedding_model
    from knowledge.models import Document, KnowledgeBase
    from knowledge.retrieval import (
        ef_search,
        passages_search,
        text_candidates,
        text_query,
        vector_candidates_sql,
    )
    from knowledge.search_stats import search_stats, search_stats_forget
    from knowledge.services import document_ingest

    call_command("migrate", verbosity=0)
    rng = random.Random(42)
    rows: list[tuple[str, str]] = []

    # Ingestion throughput, through the real path (extract, chunk, embed, store, index).
    knowledge_base = KnowledgeBase.objects.create(name="Ingestion")
    documents = [
        Document.objects.create(
            knowledge_base=knowledge_base,
            title=f"Document {n}",
            source_text="\n\n".join(
                f"## {rng.choice(SUBJECTS).title()}\n\n{passage(rng)}" for _ in range(25)
            ),
        )
        for n in range(INGEST_DOCUMENTS)
    ]
    started = time.perf_counter()
    chunks = sum(document_ingest(document_id=d.pk).chunks for d in documents)
    elapsed = time.perf_counter() - started
    rows.append(("ingestion", f"{chunks / elapsed:,.0f} chunks/s ({chunks} chunks, real path)"))

    knowledge_base = KnowledgeBase.objects.create(name="Search")
    holder = Document.objects.create(knowledge_base=knowledge_base, title="Bulk", source_text="-")
    model = embedding_model()
    inserted = 0
    for size in SIZES:
        texts = [passage(rng) for _ in range(size - inserted)]
        embed_started = time.perf_counter()
        vectors = embed_texts(texts)
        embed_seconds = time.perf_counter() - embed_started
        index_seconds = chunks_bulk_load(
            document=holder, texts=texts, vectors=vectors, first_ordinal=inserted
        )
        inserted = size
        search_stats_forget()  # the bulk load ran ANALYZE: plan with the new statistics
        questions = [question(rng) for _ in range(QUERIES)]
        for warm in questions[:10]:
            passages_search(question=warm, knowledge_base_ids=[knowledge_base.pk])
        latencies = []
        for asked in questions:
            started = time.perf_counter()
            found = passages_search(question=asked, knowledge_base_ids=[knowledge_base.pk])
            latencies.append((time.perf_counter() - started) * 1000)
            assert found, asked
        rows.append(
            (
                f"retrieval, {size:,} chunks",
                f"p50 {statistics.median(latencies):.1f} ms, p95 "
                f"{percentile(latencies, 0.95):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms"
                f" ({QUERIES} questions, top 4, local embedder)",
            )
        )
        halves: dict[str, list[float]] = {"vector half": [], "full-text half": []}
        for asked in questions:
            vector, query = embed_query(asked), text_query(asked)
            width = ef_search(search_stats().share_of([knowledge_base.pk]))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL hnsw.ef_search = {width:d}")
                started = time.perf_counter()
                cursor.execute(
                    *vector_candidates_sql(
                        vector=vector, knowledge_base_ids=[knowledge_base.pk], model=model
                    )
                )
                cursor.fetchall()
                halves["vector half"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                text_candidates(query=query, knowledge_base_ids=[knowledge_base.pk])
                halves["full-text half"].append((time.perf_counter() - started) * 1000)
        for half, values in halves.items():
            rows.append(
                (
                    f"  {half}",
                    f"p50 {statistics.median(values):.1f} ms, "
                    f"p95 {percentile(values, 0.95):.1f} ms",
                )
            )
        rows.append((f"  local embedding, {len(texts):,} texts", f"{embed_seconds:.1f} s"))
        rows.append((f"  index builds (HNSW + GIN), {size:,} chunks", f"{index_seconds:.1f} s"))

    width = max(len(name) for name, _ in rows)
    print(f"\nKnowledge benchmarks ({os.cpu_count()} CPUs, {sys.version.split()[0]})")
    print("-" * (width + 60))
    for name, figure in rows:
        print(f"{name.ljust(width)}  {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
