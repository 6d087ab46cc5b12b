"""What PostgreSQL knows of the chunks table, for planning a search: how many chunks there are,
how common each word is, and what share of the chunks each knowledge base holds.

ANALYZE (run by autovacuum) keeps, in pg_stats, the most common lexemes of a tsvector column
and the most common values of a column, each with the fraction of rows holding it: what the
query planner itself estimates with. They are read at most every few minutes per process, so a
search costs no extra query for them. Before the first ANALYZE nothing is known, and searches
plan as for a small table.
"""

import threading
import time
from dataclasses import dataclass

from django.db import connection

STATS_SECONDS = 300


@dataclass(frozen=True)
class SearchStats:
    rows: float  # chunks in the table; 0 when not known
    frequencies: dict[str, float]  # fraction of chunks holding each of the most common lexemes
    rarest_listed: float  # a lexeme not listed is in fewer chunks than this fraction
    knowledge_base_shares: dict[int, float]  # fraction of chunks in each large knowledge base

    def rows_with(self, lexeme: str) -> float:
        # As PostgreSQL's planner estimates a lexeme it does not list: half the rarest listed.
        return self.rows * self.frequencies.get(lexeme, self.rarest_listed / 2)

    def share_of(self, knowledge_base_ids: list[int]) -> float | None:
        """The fraction of all chunks in these knowledge bases; None when not known."""
        if not self.rows or not self.knowledge_base_shares:
            return None
        return sum(self.knowledge_base_shares.get(pk, 0.0) for pk in knowledge_base_ids)


UNKNOWN = SearchStats(rows=0.0, frequencies={}, rarest_listed=0.0, knowledge_base_shares={})

_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, SearchStats]] = {}


def search_stats() -> SearchStats:
    """The chunks' statistics, read from pg_stats at most every STATS_SECONDS."""
    key = connection.settings_dict["NAME"]
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached and now - cached[0] < STATS_SECONDS:
        return cached[1]
    stats = _search_stats_read()
    with _cache_lock:
        _cache[key] = (now, stats)
    return stats


def search_stats_forget() -> None:
    """Read the statistics again at the next search (after a bulk load and ANALYZE)."""
    with _cache_lock:
        _cache.clear()


def _search_stats_read() -> SearchStats:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.attname, s.most_common_elems::text::text[], "
            "s.most_common_elem_freqs, s.most_common_vals::text::text[], s.most_common_freqs "
            "FROM pg_class c JOIN pg_stats s ON s.tablename = c.relname "
            "AND s.schemaname = current_schema() "
            "AND s.attname IN ('search_vector', 'knowledge_base_id') "
            "WHERE c.oid = 'knowledge_chunk'::regclass"
        )
        rows = cursor.fetchall()
    if not rows or rows[0][0] <= 0:
        return UNKNOWN
    stats = {"rows": float(rows[0][0]), "frequencies": {}, "rarest_listed": 0.0, "shares": {}}
    for _, column, elements, element_freqs, values, value_freqs in rows:
        if column == "search_vector" and elements and element_freqs:
            # After the listed frequencies come their lowest and their highest.
            stats["frequencies"] = dict(zip(elements, element_freqs[: len(elements)], strict=True))
            stats["rarest_listed"] = element_freqs[len(elements)]
        elif column == "knowledge_base_id" and values and value_freqs:
            stats["shares"] = {int(v): f for v, f in zip(values, value_freqs, strict=True)}
    return SearchStats(
        rows=stats["rows"],
        frequencies=stats["frequencies"],
        rarest_listed=stats["rarest_listed"],
        knowledge_base_shares=stats["shares"],
    )
