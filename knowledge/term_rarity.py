"""How common each word is among the chunks, and which of a question's words to match on.

Ranking every chunk that shares any word with a question is what makes full-text search slow
on a large knowledge base: "when is the office open on Monday?" shares a word with most
passages of a clinic's handbook, and ts_rank reads each one (about 2.5 µs a row, so 140 ms at
100,000 chunks). Search engines skip what cannot reach the top by matching on the rare words
first (max-score, WAND); PostgreSQL has no such operator, so we do the choice here: match on
the question's rarer words and rank the matches by all of its words.

Word frequencies come from PostgreSQL's own statistics (`search_stats`).
"""

from collections.abc import Sequence

from django.db import connection

from knowledge.search_stats import SearchStats

# Rows ts_rank may read for one question: a few milliseconds of ranking.
RANKED_ROWS_BUDGET = 1000
# On a large table, a word in more than this share of the chunks is as good as a stopword.
COMMON_SHARE = 0.1


def matching_tsquery(lexemes: Sequence[str], stats: SearchStats) -> str | None:
    """What a chunk must hold to be ranked, as tsquery text (to cast to tsquery as it is),
    chosen so that about RANKED_ROWS_BUDGET chunks match at most; None when no word of the
    question can choose among the chunks.

    - When all the question's words together are that rare: any of them (nothing pruned).
    - Otherwise, a word in more than COMMON_SHARE of the chunks chooses nothing (as a stopword;
      it still ranks), and a chunk must hold any of the rarest words, or all of the next ones
      together (as many as it takes, their frequencies multiplied as if independent).

    A chunk left out holds only the question's common words, and ranks below one with a rare
    word; the vector half still finds it by meaning. The cost of the words left out is the
    point: matching a word in a third of 100,000 chunks reads 30,000 index entries.
    """
    by_rarity = sorted(dict.fromkeys(lexemes), key=stats.rows_with)
    if not stats.rows or sum(map(stats.rows_with, by_rarity)) <= RANKED_ROWS_BUDGET:
        return tsquery_text(by_rarity, "|")
    selective = [x for x in by_rarity if stats.rows_with(x) <= COMMON_SHARE * stats.rows]
    half = RANKED_ROWS_BUDGET / 2
    rare: list[str] = []
    total = 0.0
    for lexeme in selective:
        if total + stats.rows_with(lexeme) > half:
            break
        total += stats.rows_with(lexeme)
        rare.append(lexeme)
    together: list[str] = []
    estimate = stats.rows
    for lexeme in selective[len(rare) :]:
        together.append(lexeme)
        estimate *= stats.rows_with(lexeme) / stats.rows
        if estimate <= half:
            break
    alternatives = [tsquery_text(rare, "|")] if rare else []
    if together and estimate <= (half if rare else RANKED_ROWS_BUDGET):
        alternatives.append(f"({tsquery_text(together, '&')})")
    return " | ".join(alternatives) or None


def tsquery_text(lexemes: Sequence[str], operator: str) -> str:
    """A tsquery of quoted lexemes joined by `operator` ("|" or "&"). Cast with ::tsquery it
    keeps each lexeme as it is: to_tsquery would parse "x-ray" again, into a phrase."""
    quoted = ("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)
    return f" {operator} ".join(quoted)


def question_lexemes(text: str, config: str) -> list[str]:
    """The lexemes PostgreSQL's `config` makes of `text` (stemmed, stopwords dropped)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s))", [config, text])
        return [row[0] for row in cursor.fetchall()]
