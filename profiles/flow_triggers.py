"""Which workflow, if any, a caller's words or keypad digit start. Pure functions.

Contract:
- `flow_triggered(flows, text, language)`: a flow matches when the caller's words contain all
  the words of one of its phrases (in any order) or one of its keywords (a keyword of several
  words must be said as written). Words are compared without case, accents or punctuation; a
  plural "s"/"es" is ignored ("appointments" says "appointment"), and so are little words in
  a phrase ("book an appointment" matches "I'd like to book appointment"). Among the flows
  that match, the lowest `priority` wins; on a tie, the flow whose phrase has more words
  (the more specific), then the first given. None when nothing matches.
- `flow_for_digit(flows, digit)`: the flow started by that keypad key, lowest priority first.
Phrases of every language are matched on every call: callers switch languages freely.
"""

from collections.abc import Iterable

from profiles.flows import Flow
from profiles.spoken_numbers import word_set, words

_LITTLE_WORDS = word_set(
    "a an the to of for my me i please un una el la los las de del para mi por favor"
)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("es"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stems(text: str) -> list[str]:
    return [_stem(word) for word in words(text)]


def _phrase_score(phrase: str, said: set[str]) -> int:
    """How many words of `phrase` matched (0: it does not match)."""
    needed = _stems(phrase)
    content = [word for word in needed if word not in _LITTLE_WORDS] or needed
    return len(content) if content and all(word in said for word in content) else 0


def _keyword_score(keyword: str, said: list[str]) -> int:
    needed = _stems(keyword)
    n = len(needed)
    found = n and any(said[i : i + n] == needed for i in range(len(said) - n + 1))
    return n if found else 0


def _score(flow: Flow, said: list[str]) -> int:
    said_set = set(said)
    phrases = (_phrase_score(phrase, said_set) for phrase in flow.triggers.phrases)
    keywords = (_keyword_score(keyword, said) for keyword in flow.triggers.keywords)
    return max((*phrases, *keywords), default=0)


def flow_triggered(flows: Iterable[Flow], text: str, language: str = "en") -> Flow | None:
    """The flow the caller's words start, or None (see the module docstring)."""
    said = _stems(text)
    if not said:
        return None
    best: tuple[int, int, int] | None = None
    chosen: Flow | None = None
    for order, flow in enumerate(flows):
        score = _score(flow, said)
        rank = (flow.triggers.priority, -score, order)
        if score and (best is None or rank < best):
            best, chosen = rank, flow
    return chosen


def flow_for_digit(flows: Iterable[Flow], digit: str) -> Flow | None:
    """The flow whose trigger digit is `digit` (lowest priority first), or None."""
    if not digit:
        return None
    matching = [flow for flow in flows if flow.triggers.digit == digit]
    return min(matching, key=lambda flow: flow.triggers.priority, default=None)
