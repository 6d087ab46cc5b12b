"""Hybrid retrieval: pgvector similarity and PostgreSQL full text, fused by reciprocal rank.

Both halves run on their indexes (HNSW with cosine distance; GIN over an English + Spanish
tsvector), restricted to the given knowledge bases and to chunks embedded by the current
embedding model. Reciprocal rank fusion needs no score calibration between the two. The
full-text half ranks only chunks sharing the question's rarer words (`term_rarity`), so its
cost stays flat as a knowledge base grows.
"""

import math
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection, transaction

from knowledge.embeddings import embed_query, embedding_model
from knowledge.questions import search_text
from knowledge.search_stats import SearchStats, search_stats
from knowledge.term_rarity import matching_tsquery, question_lexemes, tsquery_text

CANDIDATES = 20  # from each half, before fusion
RRF_K = 60  # the usual constant: damps the weight of the very first ranks
# HNSW returns fewer rows than asked when a filter drops some: it searches this wide (its
# ef_search) for knowledge bases of unknown size, and within these bounds otherwise.
EF_SEARCH = 200
EF_SEARCH_BOUNDS = (64, 400)
MAX_QUERY_WORDS = 16
# At most this many chunks are ranked by the full-text half, even for a question of common words.
MAX_RANKED_ROWS = 1000


@dataclass(frozen=True)
class Passage:
    chunk_id: int
    document_id: int
    title: str
    heading: str
    text: str
    score: float  # fused (reciprocal rank)
    similarity: float | None  # cosine similarity, when the vector half found it
    text_rank: float | None  # ts_rank, when the full-text half found it

    def as_record(self) -> dict:
        """What a transcript keeps of a passage used in an answer."""
        return {
            "chunk": self.chunk_id,
            "document": self.title,
            "heading": self.heading,
            "score": round(self.score, 5),
            "similarity": None if self.similarity is None else round(self.similarity, 4),
        }


def ef_search(share: float | None) -> int:
    """How wide the HNSW search must be to keep CANDIDATES rows when the knowledge bases
    searched hold `share` of all chunks (the rest are found, then dropped by the filter)."""
    if share is None:
        return EF_SEARCH
    low, high = EF_SEARCH_BOUNDS
    return min(high, max(low, math.ceil(2 * CANDIDATES / max(share, 0.001))))


def search_config(language: str) -> str:
    """The full-text configuration for a language code: Spanish for `es…`, else English."""
    return "spanish" if (language or "").lower().startswith("es") else "english"


@dataclass(frozen=True)
class TextQuery:
    """A question as full-text search reads it: tsquery texts of lexemes (cast, not parsed)."""

    ranked: str  # any of the question's lexemes: what chunks are ranked by
    matched: str | None  # what a chunk must hold to be ranked at all (see term_rarity);
    # None when every word of the question is common: the vector half answers alone


# A question without a word to search for: the full-text half finds nothing.
NO_TEXT = TextQuery(ranked="", matched=None)


def text_query(
    question: str, language: str = "en", stats: SearchStats | None = None
) -> TextQuery | None:
    """Any of the question's words (a caller's question is not a conjunction of every word it
    contains), stemmed in the question's language so that its stopwords drop out; ranked
    chunks limited to those sharing its rarer words."""
    plain = unicodedata.normalize("NFC", question.lower())
    words = re.findall(r"\w+", plain)[:MAX_QUERY_WORDS]
    lexemes = question_lexemes(" ".join(words), search_config(language)) if words else []
    if not lexemes:
        return None
    return TextQuery(
        ranked=tsquery_text(lexemes, "|"),
        matched=matching_tsquery(lexemes, stats or search_stats()),
    )


# Raw SQL for both halves and the passages they find, in one statement: the ORM cannot rank
# the rows of a limited subquery (which is what bounds the full-text half's work), and building
# three querysets cost more CPU than the searches themselves.
VECTOR_CANDIDATES_SQL = """
SELECT id, embedding <=> %(vector)s::vector AS distance
FROM knowledge_chunk
WHERE knowledge_base_id = ANY(%(knowledge_base_ids)s) AND embedding_model = %(model)s
ORDER BY distance
LIMIT %(limit)s
"""

TEXT_CANDIDATES_SQL = """
SELECT id, ts_rank(search_vector, %(ranked)s::tsquery) AS rank
FROM (
    SELECT id, search_vector FROM knowledge_chunk
    WHERE knowledge_base_id = ANY(%(knowledge_base_ids)s)
      AND search_vector @@ %(matched)s::tsquery
    LIMIT %(most)s
) AS matching
ORDER BY rank DESC, id
LIMIT %(limit)s
"""

CANDIDATES_SQL = f"""
WITH by_vector AS ({VECTOR_CANDIDATES_SQL}), by_text AS ({TEXT_CANDIDATES_SQL})
SELECT chunk.id, chunk.document_id, document.title, chunk.heading, chunk.text,
       by_vector.distance, by_text.rank
FROM knowledge_chunk AS chunk
JOIN knowledge_document AS document ON document.id = chunk.document_id
LEFT JOIN by_vector ON by_vector.id = chunk.id
LEFT JOIN by_text ON by_text.id = chunk.id
WHERE chunk.id IN (SELECT id FROM by_vector UNION SELECT id FROM by_text)
"""


def vector_candidates_sql(
    *, vector: list[float], knowledge_base_ids: list[int], model: str, limit: int = CANDIDATES
) -> tuple[str, dict]:
    """The vector half as SQL and its parameters: the nearest chunks by cosine distance."""
    return VECTOR_CANDIDATES_SQL, {
        "vector": "[" + ",".join(map(str, vector)) + "]",
        "knowledge_base_ids": list(knowledge_base_ids),
        "model": model,
        "limit": limit,
    }


def text_candidates_sql(
    *, query: TextQuery, knowledge_base_ids: list[int], limit: int = CANDIDATES
) -> tuple[str, dict]:
    """The full-text half as SQL and its parameters: at most MAX_RANKED_ROWS matching chunks
    are ranked, whatever the question (a bound for the rare question of common words only)."""
    return TEXT_CANDIDATES_SQL, {
        "ranked": query.ranked,
        "matched": query.matched,
        "knowledge_base_ids": list(knowledge_base_ids),
        "most": MAX_RANKED_ROWS,
        "limit": limit,
    }


def text_candidates(
    *, query: TextQuery, knowledge_base_ids: list[int], limit: int = CANDIDATES
) -> list[tuple[int, float]]:
    """(chunk id, ts_rank), best first."""
    sql, params = text_candidates_sql(
        query=query, knowledge_base_ids=knowledge_base_ids, limit=limit
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(chunk_id, rank) for chunk_id, rank in cursor.fetchall()]


def passages_search(
    *, question: str, knowledge_base_ids: list[int], top_k: int = 4, language: str = "en"
) -> list[Passage]:
    """The passages that best answer `question` (asked in `language`), best first.

    The question is searched without the words that only frame it, and with the words of its
    kind of answer when it names nothing else ("what are your hours?"): see `search_text`.
    """
    if not knowledge_base_ids or not re.search(r"\w", question):
        return []
    searched = search_text(question, language)
    vector = embed_query(searched)
    stats = search_stats()
    with transaction.atomic():
        with connection.cursor() as cursor:
            width = ef_search(stats.share_of(knowledge_base_ids))
            cursor.execute(f"SET LOCAL hnsw.ef_search = {width:d}")
        query = text_query(searched, language, stats) or NO_TEXT
        _, by_vector = vector_candidates_sql(
            vector=vector, knowledge_base_ids=knowledge_base_ids, model=embedding_model()
        )
        _, by_text = text_candidates_sql(query=query, knowledge_base_ids=knowledge_base_ids)
        with connection.cursor() as cursor:
            cursor.execute(CANDIDATES_SQL, {**by_vector, **by_text})
            rows = cursor.fetchall()
    return _fused(rows, top_k)


def _fused(rows: list[tuple], top_k: int) -> list[Passage]:
    """The `top_k` best of both halves' candidates, by reciprocal rank fusion."""
    by_vector = sorted((row for row in rows if row[5] is not None), key=lambda row: row[5])
    by_text = sorted((row for row in rows if row[6] is not None), key=lambda r: (-r[6], r[0]))
    scores: dict[int, float] = {}
    for ranked in (by_vector, by_text):
        for rank, row in enumerate(ranked, start=1):
            scores[row[0]] = scores.get(row[0], 0.0) + 1.0 / (RRF_K + rank)
    found = {row[0]: row for row in rows}
    best = sorted(scores, key=scores.__getitem__, reverse=True)[:top_k]
    return [
        Passage(
            chunk_id=chunk_id,
            document_id=found[chunk_id][1],
            title=found[chunk_id][2],
            heading=found[chunk_id][3],
            text=found[chunk_id][4],
            score=scores[chunk_id],
            similarity=None if found[chunk_id][5] is None else 1.0 - found[chunk_id][5],
            text_rank=found[chunk_id][6],
        )
        for chunk_id in best
    ]
