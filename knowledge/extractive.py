"""Answers without an LLM: the sentences of the best passages that best answer the question.

This is how the assistant answers out of the box, with no OPENAI_API_KEY. It never invents:
it picks up to three sentences from the documents, in their order, and says nothing when no
sentence covers at least half of what the question is about (see `knowledge.questions`).

A sentence scores for each topic word it says, less for one only its section's heading says
("Services" answers "tell me about your services"), and for giving the kind of answer asked
for: "what are your hours?" is answered by the sentence with the days and times, not by the
one that says "hours". Sentences of passages in the call's language come first, and an answer
is never a mix of two languages.
"""

import re

from knowledge.chunking import HEADING_SEPARATOR
from knowledge.embeddings import stems as terms
from knowledge.language import base_language, text_language
from knowledge.questions import Question, answer_kinds, question_parse
from knowledge.retrieval import Passage, passages_search

MAX_SENTENCES = 3
# A sentence must match at least this share of the best sentence's score to be spoken too.
KEEP_RATIO = 0.67
# What a topic word found in each place is worth.
IN_SENTENCE = 1.0
IN_HEADING = 0.4  # the heading of the sentence's own section
IN_PARENT_HEADING = 0.3  # a heading above it
GIVES_KIND = 0.5  # a time for "when", an address for "where", an amount for "how much"
CUE_IN_HEADING = 0.1  # "hours" asked, and the section is "Opening hours"
RANK_PENALTY = 0.01  # better-ranked passages win ties

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[¿¡\"'(]?[A-ZÁÉÍÓÚÑ0-9])")
_ABBREVIATION_END = re.compile(r"\b(?:Dr|Dra|Mr|Mrs|Ms|Sr|Sra|St)\.$", re.IGNORECASE)


def sentences_of(text: str) -> list[str]:
    parts: list[str] = []
    for paragraph in text.split("\n"):
        pending = ""
        for piece in _SENTENCE.split(paragraph.strip()):
            pending = f"{pending} {piece}".strip() if pending else piece
            if not _ABBREVIATION_END.search(pending):
                parts.append(pending)
                pending = ""
        if pending:
            parts.append(pending)
    return [part.strip(" -•") for part in parts if part.strip(" -•")]


def best_sentences(question: str, passages: list[Passage], language: str = "") -> list[str]:
    """Up to MAX_SENTENCES sentences answering `question`, in document order; [] when nothing
    matches well. With a `language`, the sentences of passages written in it are preferred;
    the others are used only when none of those answers."""
    asked = question_parse(question)
    if not asked.topic and asked.kind is None:
        return []
    for group in _by_language(passages, base_language(language)):
        scored = _scored(asked, group)
        if scored:
            best = max(score for score, _, _ in scored)
            kept = sorted(
                (entry for entry in scored if entry[0] >= best * KEEP_RATIO),
                key=lambda entry: -entry[0],
            )[:MAX_SENTENCES]
            return [sentence for _, _, sentence in sorted(kept, key=lambda entry: entry[1])]
    return []


def extractive_answer(
    *, questions: list[str], knowledge_base_ids: list[int], language: str, top_k: int
) -> tuple[list[str], list[Passage]]:
    """The sentences answering the first of `questions` that the documents answer, and the
    passages found for it; ([], the passages of the last question) when none is answered."""
    sentences: list[str] = []
    passages: list[Passage] = []
    for question in questions:
        passages = passages_search(
            question=question,
            knowledge_base_ids=knowledge_base_ids,
            top_k=top_k,
            language=language,
        )
        sentences = best_sentences(question, passages, language)
        if sentences:
            break
    return sentences, passages


def _by_language(passages: list[Passage], language: str) -> list[list[Passage]]:
    """The passages in `language` (or in no telling which), then the others."""
    if not language:
        return [passages]
    groups: tuple[list[Passage], list[Passage]] = ([], [])
    for passage in passages:
        groups[text_language(passage.text) not in (language, "")].append(passage)
    return [group for group in groups if group]


def _scored(
    asked: Question, passages: list[Passage]
) -> list[tuple[float, tuple[int, int, int], str]]:
    """(score, position, sentence) of each sentence covering half of the question's topic,
    or, for a question with no topic ("what are your hours?"), giving its kind of answer.
    Positions follow each document's order, documents in the order they were first found."""
    needed = sum(asked.topic.values()) / 2
    scored: list[tuple[float, tuple[int, int, int], str]] = []
    documents: dict[int, int] = {}
    for rank, passage in enumerate(passages):
        document = documents.setdefault(passage.document_id, len(documents))
        parents, _, own = passage.heading.rpartition(HEADING_SEPARATOR)
        own_terms, parent_terms = set(terms(own)), set(terms(parents))
        section_cue = bool(asked.cues & (own_terms | parent_terms))
        for index, sentence in enumerate(sentences_of(passage.text)):
            # Chunks are stored in document order, so their ids follow it.
            position = (document, passage.chunk_id, index)
            said = set(terms(sentence))
            # Each topic word counts once, where it counts most.
            found = [
                (weight, _place_weight(term, said, own_terms, parent_terms))
                for term, weight in asked.topic.items()
            ]
            covered = sum(weight for weight, place in found if place)
            gives_kind = asked.kind is not None and asked.kind in answer_kinds(sentence)
            if covered < needed or not (covered or gives_kind):
                continue
            score = (
                sum(weight * place for weight, place in found)
                + GIVES_KIND * gives_kind
                + CUE_IN_HEADING * section_cue
                - RANK_PENALTY * rank
            )
            scored.append((score, position, sentence))
    return scored


def _place_weight(term: str, said: set[str], own: set[str], parents: set[str]) -> float:
    if term in said:
        return IN_SENTENCE
    if term in own:
        return IN_HEADING
    return IN_PARENT_HEADING if term in parents else 0.0
