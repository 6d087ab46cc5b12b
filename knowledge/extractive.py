"""Answers without an LLM: the sentences of the best passages that best match the question.

This is how the assistant answers out of the box, with no OPENAI_API_KEY. It never invents:
it picks up to three sentences from the documents, in their order, and says nothing when no
sentence shares a meaningful word with the question.
"""

import math
import re

from knowledge.embeddings import stems as terms
from knowledge.retrieval import Passage

MAX_SENTENCES = 3
# A sentence must match at least this share of the best sentence's score to be spoken too.
KEEP_RATIO = 0.67

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


def best_sentences(question: str, passages: list[Passage]) -> list[str]:
    """Up to MAX_SENTENCES sentences answering `question`; [] when nothing matches well."""
    wanted = set(terms(question))
    if not wanted:
        return []
    # A sentence must share at least half of the question's words: "do you sell pizza on
    # Tuesdays?" is not answered by a sentence that merely mentions Tuesdays.
    needed = math.ceil(len(wanted) / 2)
    scored: list[tuple[float, int, str]] = []
    position = 0
    for rank, passage in enumerate(passages):
        heading_terms = set(terms(passage.heading))
        for sentence in sentences_of(passage.text):
            found = wanted & set(terms(sentence))
            # The heading says what a passage is about ("Parking"), so it counts a little;
            # better-ranked passages win ties.
            score = len(found) + 0.25 * len(wanted & heading_terms) - 0.01 * rank
            if len(found) >= needed:
                scored.append((score, position, sentence))
            position += 1
    if not scored:
        return []
    best = max(score for score, _, _ in scored)
    kept = sorted(
        (entry for entry in scored if entry[0] >= best * KEEP_RATIO),
        key=lambda entry: -entry[0],
    )[:MAX_SENTENCES]
    return [sentence for _, _, sentence in sorted(kept, key=lambda entry: entry[1])]
