"""Hybrid retrieval finds the passage a caller's question needs, using both indexes."""

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction

from knowledge.embeddings import embed_query, embedding_model
from knowledge.models import Chunk, Document, KnowledgeBase
from knowledge.retrieval import (
    passages_search,
    text_candidates,
    text_candidates_sql,
    text_query,
    vector_candidates_sql,
)
from knowledge.services import document_ingest

# Questions a caller would ask about the demo clinic, and the document that answers each.
QUESTIONS = [
    ("What time do you open on Monday?", "Opening hours"),
    ("Are you open on Saturdays?", "Opening hours"),
    ("What do I do if I have a dental emergency at night?", "Opening hours"),
    ("Are you open over Christmas?", "Opening hours"),
    ("Where is the clinic?", "Location and parking"),
    ("Is there parking?", "Location and parking"),
    ("Which bus goes to your office?", "Location and parking"),
    ("Do you have wheelchair access?", "Location and parking"),
    ("Do you do teeth whitening?", "Services"),
    ("Can you see my five year old son?", "Services"),
    ("Do you do implants?", "Services"),
    ("How long does a cleaning take?", "Services"),
    ("Do you take Delta Dental?", "Insurance and payment"),
    ("Do you accept Medicaid?", "Insurance and payment"),
    ("How much is a check-up without insurance?", "Insurance and payment"),
    ("Can I pay in installments?", "Insurance and payment"),
    ("What happens if I cancel late?", "Appointments and cancellation policy"),
    ("How early should a new patient arrive?", "Appointments and cancellation policy"),
    ("What if I'm running late?", "Appointments and cancellation policy"),
    ("¿A qué hora abren los sábados?", "Información en español"),
    ("¿Dónde están ubicados?", "Información en español"),
    ("¿Aceptan seguro dental?", "Información en español"),
]


def test_recall_at_3_on_caller_questions_is_high(demo_knowledge_base):
    found = 0
    misses = []
    for question, title in QUESTIONS:
        language = "es" if "¿" in question else "en"
        passages = passages_search(
            question=question,
            knowledge_base_ids=[demo_knowledge_base.pk],
            top_k=3,
            language=language,
        )
        if title in [passage.title for passage in passages]:
            found += 1
        else:
            misses.append((question, [p.title for p in passages]))
    recall = found / len(QUESTIONS)
    print(f"recall@3 = {recall:.2f} on {len(QUESTIONS)} questions; misses: {misses}")
    assert recall >= 0.9, misses


def test_the_best_passage_comes_first_with_its_scores(demo_knowledge_base):
    [best, *_] = passages_search(
        question="Is there free parking?", knowledge_base_ids=[demo_knowledge_base.pk]
    )
    assert best.title == "Location and parking"
    assert "parking" in best.text.lower()
    assert best.score > 0 and best.similarity is not None and best.text_rank is not None


def test_a_sections_own_heading_outweighs_the_headings_above_it(demo_knowledge_base):
    # "Opening hours" is also the heading above "Holidays", whose text says "opening hours".
    [(best, _), *_] = text_candidates(
        query=text_query("hours"), knowledge_base_ids=[demo_knowledge_base.pk]
    )
    assert Chunk.objects.get(pk=best).heading == "Opening hours"


def test_only_the_given_knowledge_bases_are_searched(demo_knowledge_base):
    other = KnowledgeBase.objects.create(name="Pizza place")
    document = Document.objects.create(
        knowledge_base=other, title="Parking", source_text="Parking is free behind the pizzeria."
    )
    document_ingest(document_id=document.pk)
    titles = {
        p.title
        for p in passages_search(
            question="Where can I park?", knowledge_base_ids=[demo_knowledge_base.pk], top_k=10
        )
    }
    assert "Parking" not in titles
    assert passages_search(question="Where can I park?", knowledge_base_ids=[]) == []


def test_vectors_of_another_embedding_model_are_not_compared(demo_knowledge_base):
    Chunk.objects.update(embedding_model="some-other-model")
    passages = passages_search(
        question="Is there free parking?", knowledge_base_ids=[demo_knowledge_base.pk]
    )
    assert all(p.similarity is None for p in passages)  # only the full-text half answered


def explain(query, knobs: tuple[str, ...]) -> str:
    # A few dozen rows are cheaper to scan and sort than to look up, so the planner would not
    # use an index here; with scans and sorts priced out, the plan shows which index can serve
    # the query's shape (its filters, its ORDER BY distance), which is what the schema ensures.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_chunk")
        for knob in knobs:
            cursor.execute(f"SET LOCAL {knob} = off")
        sql, params = query if isinstance(query, tuple) else query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        # SET LOCAL outlives the savepoint inside the test's transaction.
        for knob in knobs:
            cursor.execute(f"RESET {knob}")
        return plan


def test_both_halves_use_their_indexes(demo_knowledge_base):
    # A knowledge base of realistic size, mostly about other things than the question.
    filler = Document.objects.create(
        knowledge_base=demo_knowledge_base, title="Filler", source_text="x"
    )
    Chunk.objects.bulk_create(
        Chunk(
            document=filler,
            knowledge_base=demo_knowledge_base,
            ordinal=n,
            text=f"Passage {n} about tooth care, brushing and flossing habits.",
        )
        for n in range(3000)
    )
    Chunk.objects.filter(document=filler).update(search_vector=SearchVector("text"))
    ids = [demo_knowledge_base.pk]
    vector_plan = explain(
        vector_candidates_sql(
            vector=embed_query("parking"), knowledge_base_ids=ids, model=embedding_model()
        ),
        ("enable_seqscan", "enable_sort", "enable_bitmapscan"),
    )
    assert "chunk_embedding_hnsw" in vector_plan, vector_plan
    text_plan = explain(
        text_candidates_sql(query=text_query("where can I park"), knowledge_base_ids=ids),
        ("enable_seqscan", "enable_indexscan"),
    )
    assert "chunk_search_vector_gin" in text_plan, text_plan


@pytest.mark.parametrize("question", ["", "   ", "?!"])
def test_an_empty_question_finds_nothing(demo_knowledge_base, question):
    assert passages_search(question=question, knowledge_base_ids=[demo_knowledge_base.pk]) == []
