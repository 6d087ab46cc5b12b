"""Chunks are searchable through their indexes, and documents hold a file or text."""

import random

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from pgvector.django import CosineDistance, L2Distance

from knowledge.models import EMBEDDING_DIMENSIONS, Chunk, Document, KnowledgeBase


def random_vector(rng: random.Random) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(EMBEDDING_DIMENSIONS)]


@pytest.fixture
def chunks(db):
    rng = random.Random(7)
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    document = Document.objects.create(
        knowledge_base=knowledge_base, title="Hours", source_text="We open at eight."
    )
    Chunk.objects.bulk_create(
        Chunk(
            document=document,
            knowledge_base=knowledge_base,
            ordinal=i,
            text=f"Passage {i} about opening hours and parking",
            embedding=random_vector(rng),
            embedding_model="test",
        )
        for i in range(200)
    )
    Chunk.objects.update(search_vector=SearchVector("text", config="english"))
    return rng


def explain(queryset, *knobs: str) -> str:
    # With a few hundred rows the planner prefers a sequential scan; switching that off
    # shows whether the index *can* serve the query, which is what the schema must ensure.
    with transaction.atomic(), connection.cursor() as cursor:
        for knob in ("enable_seqscan", *knobs):
            cursor.execute(f"SET LOCAL {knob} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_cosine_ordered_chunk_query_uses_the_hnsw_index(chunks):
    query = random_vector(chunks)
    nearest = Chunk.objects.order_by(CosineDistance("embedding", query))[:5]
    plan = explain(nearest)
    assert "chunk_embedding_hnsw" in plan, plan
    assert len(list(nearest)) == 5


def test_the_hnsw_index_serves_cosine_distance_only(chunks):
    # Guards the operator class: an L2-ordered query must not be able to use it.
    plan = explain(Chunk.objects.order_by(L2Distance("embedding", random_vector(chunks)))[:5])
    assert "chunk_embedding_hnsw" not in plan, plan


def test_a_full_text_query_uses_the_gin_index(chunks):
    matches = Chunk.objects.filter(search_vector=SearchQuery("parking", config="english"))
    # A GIN index serves bitmap scans only; an index scan of another index is priced out.
    plan = explain(matches, "enable_indexscan")
    assert "chunk_search_vector_gin" in plan, plan
    assert matches.count() == 200


def test_a_document_needs_a_file_or_text(db):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    empty = Document(knowledge_base=knowledge_base, title="Empty")
    with pytest.raises(ValidationError, match="Upload a file or paste text"):
        empty.full_clean()
    both = Document(
        knowledge_base=knowledge_base,
        title="Both",
        source_text="Hello",
        source_file=SimpleUploadedFile("hours.txt", b"Hello"),
    )
    with pytest.raises(ValidationError, match="one of the two"):
        both.full_clean()


def test_a_document_file_must_be_a_supported_type(db):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    document = Document(
        knowledge_base=knowledge_base,
        title="Spreadsheet",
        source_file=SimpleUploadedFile("prices.xlsx", b"PK"),
    )
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "source_file" in error.value.message_dict
