"""One caller answer, checked and normalised for a workflow slot. Pure functions, no I/O.

Contract: `slot_value(validation, text, language=..., now=..., pattern=...)` is the value to
keep, or None when the answer does not fit the validation (a `profiles.models.Validation`
value):
- "" (any answer) and "free_text": the answer stripped; None when empty.
- "date": an ISO date ("2026-03-05"), future dates preferred (`profiles.spoken_dates`).
- "time": "HH:MM", 24 hours (`profiles.spoken_dates`).
- "yes_no": "yes" or "no", from English or Spanish words ("yeah", "sure", "that's right",
  "sí", "claro", "nope", "not really", "incorrecto"...); None when the answer holds both
  ("yes, no, wait") or neither.
- "name": the name without "my name is", "this is", "me llamo", "soy"..., each word
  capitalised (a word the transcriber already capitalised is kept: "McDonald"); None unless
  it is 1 to 5 words of letters (with ' and -).
- "regex": the answer (stripped, then without trailing punctuation) when `pattern` matches
  all of it; None otherwise or when the pattern is not a valid regular expression.
- "luhn": the digits spoken or typed when they pass the Luhn checksum (at least 2 digits).
An unknown validation returns None.

`digits_from_speech(text, language)` (from `profiles.spoken_numbers`) is the longest run of
digits in an utterance ("one two three", "uno dos tres", "1 2 3" → "123").
"""

import datetime as dt
import re

from profiles.spoken_dates import spoken_date, spoken_time
from profiles.spoken_numbers import digits_from_speech, word_set, words

__all__ = ["digits_from_speech", "slot_value", "yes_or_no"]

_YES_WORDS = word_set(
    "yes yeah yep yup yea sure correct right exactly absolutely definitely certainly affirmative"
    " ok okay alright fine perfect great agreed confirm confirmed true"
    " si claro correcto cierto exacto exactamente vale perfecto afirmativo dale sale va bien"
    " listo confirmo efectivamente"
)
_NO_WORDS = word_set(
    "no nope nah not never incorrect wrong negative false nada tampoco incorrecto equivocado"
    " falso negativo mal nunca"
)
# Whole phrases first: a "no" inside them does not say no, or a yes word inside them does.
_YES_PHRASES = re.compile(
    r"\b(?:no problem|not a problem|why not|of course|sounds good|go ahead|por supuesto"
    r"|desde luego|no hay problema|como no|that s it|thats it|eso es)\b"
)
_NO_PHRASES = re.compile(
    r"\b(?:(?:not|no|isnt|isn t|thats not|that s not) (?:quite |really |exactly )?"
    r"(?:right|correct|it|true|really)|no (?:es|esta) (?:correcto|bien|asi|cierto)"
    r"|para nada|de ninguna manera)\b"
)


def yes_or_no(text: str) -> str | None:
    """ "yes", "no", or None when the answer is neither or both (see the module docstring)."""
    said = " ".join(words(text))
    yes = bool(_YES_PHRASES.search(said))
    no = bool(_NO_PHRASES.search(said))
    said = _NO_PHRASES.sub(" ", _YES_PHRASES.sub(" ", said))
    yes = yes or any(word in _YES_WORDS for word in said.split())
    no = no or any(word in _NO_WORDS for word in said.split())
    if yes == no:
        return None
    return "yes" if yes else "no"


_NAME_INTRO = re.compile(
    r"^(?:(?:hi|hello|hola|yes|yeah|si|ok|okay|sure|well|um|uh|bueno|pues|claro)[\s,.!]+)*"
    r"(?:(?:my name is|my name['\u2019]s|the name is|the name['\u2019]s|name is|this is|it is"
    r"|it['\u2019]s|its|i am|i['\u2019]m|call me|me llamo|mi nombre es|el nombre es|yo soy|soy"
    r"|habla|es)\b)?\s*",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(
    r"[\s,.!]+(?:please|thanks|thank you|por favor|gracias)[\s.!]*$|[\s,.!?]+$", re.IGNORECASE
)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_PARTICLES = word_set("de del la las los y van von der da di du le")


def _name_word(word: str, first: bool) -> str:
    if any(c.isupper() for c in word):
        return word  # the transcriber knew better: "McDonald", "DeShawn"
    if word in _PARTICLES and not first:
        return word  # "María de la Cruz"
    return re.sub(r"(^|['\u2019-])(\w)", lambda m: m.group(1) + m.group(2).upper(), word)


def _name(text: str) -> str | None:
    name = _NAME_TAIL.sub("", _NAME_INTRO.sub("", text.strip(), count=1)).strip()
    parts = name.split()
    if not 1 <= len(parts) <= 5 or not all(_NAME_WORD.fullmatch(part) for part in parts):
        return None
    return " ".join(_name_word(part, index == 0) for index, part in enumerate(parts))


def _regex(text: str, pattern: str) -> str | None:
    try:
        compiled = re.compile(pattern)
    except (re.error, TypeError):
        return None
    for candidate in (text.strip(), text.strip().rstrip(".!?,;")):
        if candidate and compiled.fullmatch(candidate):
            return candidate
    return None


def luhn_valid(digits: str) -> bool:
    """Whether `digits` (only 0-9) pass the Luhn checksum (card numbers, many member ids)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def slot_value(
    validation: str, text: str, *, language: str, now: dt.datetime, pattern: str = ""
) -> str | None:
    """The normalised answer for `validation`, or None (see the module docstring)."""
    text = (text or "").strip()
    if not text:
        return None
    if validation in ("", "free_text"):
        return text
    if validation == "date":
        found = spoken_date(text, today=now.date(), language=language)
        return found.isoformat() if found else None
    if validation == "time":
        return spoken_time(text)
    if validation == "yes_no":
        return yes_or_no(text)
    if validation == "name":
        return _name(text)
    if validation == "regex":
        return _regex(text, pattern)
    if validation == "luhn":
        digits = digits_from_speech(text, language)
        return digits if digits and len(digits) >= 2 and luhn_valid(digits) else None
    return None
