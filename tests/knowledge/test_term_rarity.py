"""Full-text search on a large knowledge base ranks the chunks with the question's rare words,
not every chunk sharing a common word with it, and still finds the passage asked for."""

import pytest
from django.db import connection

from knowledge.models import Chunk, Document
from knowledge.retrieval import (
    CANDIDATES,
    EF_SEARCH,
    EF_SEARCH_BOUNDS,
    ef_search,
    passages_search,
    text_candidates_sql,
    text_query,
)
from knowledge.search_stats import SearchStats, search_stats, search_stats_forget
from knowledge.services import chunk_search_vector
from knowledge.term_rarity import RANKED_ROWS_BUDGET, matching_tsquery, tsquery_text


def stats(rows: float, **frequencies: float) -> SearchStats:
    return SearchStats(
        rows=rows, frequencies=frequencies, rarest_listed=0.002, knowledge_base_shares={}
    )


def test_a_small_knowledge_base_matches_any_word():
    assert matching_tsquery(["park", "free"], stats(500, park=0.5, free=0.5)) == "'park' | 'free'"


def test_without_statistics_nothing_is_pruned():
    assert matching_tsquery(["offic", "monday"], stats(0)) == "'offic' | 'monday'"


def test_a_large_one_matches_the_rare_words_or_all_the_common_ones():
    large = stats(100_000, hour=0.05, monday=0.1, park=0.002)
    # "orthodontist" is not among the common words: in about half as many chunks as the rarest.
    query = matching_tsquery(["hour", "monday", "park", "orthodontist"], large)
    assert query == "'orthodontist' | 'park' | ('hour' & 'monday')"


def test_common_words_are_joined_until_few_enough_chunks_hold_them_all():
    large = stats(100_000, hour=0.05, monday=0.1, offic=0.6)
    # 5,000 chunks say "hour"; about 500 of them "monday" too: within half the budget.
    assert 100_000 * 0.05 * 0.1 <= RANKED_ROWS_BUDGET / 2 < 100_000 * 0.05
    assert matching_tsquery(["offic", "monday", "hour"], large) == "('hour' & 'monday')"


def test_common_words_everywhere_are_left_to_the_rare_ones():
    crowded = stats(100_000, offic=0.99, monday=0.99)
    assert matching_tsquery(["offic", "monday", "park"], crowded) == "'park'"


def test_a_question_of_common_words_only_leaves_the_search_to_the_vector_half():
    everywhere = stats(100_000, offic=0.9, open=0.3, hour=0.2)
    assert matching_tsquery(["offic", "open", "hour"], everywhere) is None


def test_lexemes_are_quoted_for_tsquery(db):
    query = tsquery_text(["o'brien", "back\\slash", "x-ray"], "|")

    def matches(lexeme: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT array_to_tsvector(ARRAY[%s]) @@ %s::tsquery", [lexeme, query])
            return cursor.fetchone()[0]

    assert all(matches(lexeme) for lexeme in ["o'brien", "back\\slash", "x-ray"])
    assert not any(matches(lexeme) for lexeme in ["o", "brien", "x", "ray"])


@pytest.mark.parametrize(
    ("share", "width"),
    [(None, EF_SEARCH), (1.0, EF_SEARCH_BOUNDS[0]), (0.2, 10 * CANDIDATES)],
)
def test_the_vector_search_widens_for_a_knowledge_base_holding_few_of_the_chunks(share, width):
    assert ef_search(share) == width


def test_a_tiny_share_searches_as_wide_as_allowed():
    assert ef_search(0.0) == EF_SEARCH_BOUNDS[1]


@pytest.fixture
def crowded_knowledge_base(demo_knowledge_base):
    """The demo documents among 3,000 passages that all speak of the office and its hours."""
    filler = Document.objects.create(
        knowledge_base=demo_knowledge_base, title="Office notes", source_text="-"
    )
    Chunk.objects.bulk_create(
        Chunk(
            document=filler,
            knowledge_base=demo_knowledge_base,
            ordinal=n,
            text=f"Note {n}: the office opening hours on Monday are posted at the front desk.",
        )
        for n in range(3000)
    )
    Chunk.objects.filter(document=filler).update(search_vector=chunk_search_vector())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_chunk")
    search_stats_forget()
    yield demo_knowledge_base
    search_stats_forget()


def test_statistics_come_from_analyze(crowded_knowledge_base):
    known = search_stats()
    assert known.rows >= 3000
    assert known.frequencies["offic"] > 0.9
    assert known.share_of([crowded_knowledge_base.pk]) == pytest.approx(1.0)


def rows_ranked(node: dict) -> int:
    """The rows of the subquery whose output ts_rank reads."""
    if node["Node Type"] == "Subquery Scan":
        return node["Actual Rows"]
    return max((rows_ranked(child) for child in node.get("Plans", [])), default=-1)


def test_common_words_alone_do_not_decide_what_is_ranked(crowded_knowledge_base):
    question = "Is parking free at the office on Monday?"
    query = text_query(question)
    assert query.matched == "'free' | 'park'"  # every note has "office" and "Monday"
    sql, params = text_candidates_sql(query=query, knowledge_base_ids=[crowded_knowledge_base.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()[0]
    assert rows_ranked(plan["Plan"]) < 100, plan

    [best, *_] = passages_search(question=question, knowledge_base_ids=[crowded_knowledge_base.pk])
    assert best.title == "Location and parking"
