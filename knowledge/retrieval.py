"""Hybrid retrieval: pgvector similarity and PostgreSQL full text, fused by reciprocal rank.

Both halves run on their indexes (HNSW with cosine distance; GIN over an English + Spanish
tsvector), restricted to the given knowledge bases and to chunks embedded by the current
embedding model. Reciprocal rank fusion needs no score calibration between the two.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, QuerySet
from pgvector.django import CosineDistance

from knowledge.embeddings import embed_query, embedding_model
from knowledge.models import Chunk
from knowledge.questions import search_text

CANDIDATES = 20  # from each half, before fusion
RRF_K = 60  # the usual constant: damps the weight of the very first ranks
# HNSW returns fewer rows than asked when a filter drops some; search wider than we keep.
EF_SEARCH = 200
MAX_QUERY_WORDS = 16


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


def vector_candidates(
    *, vector: list[float], knowledge_base_ids: list[int], model: str
) -> QuerySet[Chunk]:
    return (
        Chunk.objects.filter(knowledge_base_id__in=knowledge_base_ids, embedding_model=model)
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
    )


def search_config(language: str) -> str:
    """The full-text configuration for a language code: Spanish for `es…`, else English."""
    return "spanish" if (language or "").lower().startswith("es") else "english"


def text_query(question: str, language: str = "en") -> SearchQuery | None:
    """Any of the question's words (a caller's question is not a conjunction of every word it
    contains), parsed in the question's language so that its stopwords drop out."""
    plain = unicodedata.normalize("NFC", question.lower())
    words = re.findall(r"\w+", plain)[:MAX_QUERY_WORDS]
    config = search_config(language)
    queries = [
        SearchQuery(word, config=config, search_type="plain") for word in dict.fromkeys(words)
    ]
    return reduce(lambda a, b: a | b, queries) if queries else None


def text_candidates(*, query: SearchQuery, knowledge_base_ids: list[int]) -> QuerySet[Chunk]:
    return (
        Chunk.objects.filter(knowledge_base_id__in=knowledge_base_ids, search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank")
    )


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
    model = embedding_model()
    query = text_query(searched, language)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL hnsw.ef_search = {EF_SEARCH:d}")
        by_vector = list(
            vector_candidates(
                vector=vector, knowledge_base_ids=knowledge_base_ids, model=model
            ).values_list("id", "distance")[:CANDIDATES]
        )
        by_text = (
            list(
                text_candidates(query=query, knowledge_base_ids=knowledge_base_ids).values_list(
                    "id", "rank"
                )[:CANDIDATES]
            )
            if query is not None
            else []
        )
    scores: dict[int, float] = {}
    for ranked in (by_vector, by_text):
        for rank, (chunk_id, _) in enumerate(ranked, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    best = sorted(scores, key=scores.__getitem__, reverse=True)[:top_k]
    similarity = {chunk_id: 1.0 - distance for chunk_id, distance in by_vector}
    text_rank = dict(by_text)
    # Only what a passage shows: not the embedding or the tsvector of each chunk.
    chunks = (
        Chunk.objects.select_related("document")
        .only("id", "document_id", "heading", "text", "document__title")
        .in_bulk(best)
    )
    return [
        Passage(
            chunk_id=chunk_id,
            document_id=chunks[chunk_id].document_id,
            title=chunks[chunk_id].document.title,
            heading=chunks[chunk_id].heading,
            text=chunks[chunk_id].text,
            score=scores[chunk_id],
            similarity=similarity.get(chunk_id),
            text_rank=text_rank.get(chunk_id),
        )
        for chunk_id in best
        if chunk_id in chunks
    ]
