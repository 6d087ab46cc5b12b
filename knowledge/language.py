"""Which of the assistant's languages a passage of a document is written in.

Contract: `text_language(text)` is "en", "es" or "" (too short or too mixed to tell). It counts
the words each language cannot do without (articles, prepositions, pronouns, the verb "to
be"): a business's documents are written in full sentences, and a name, a number or a brand
("Delta Dental") belongs to neither language. Pure and fast; no model to download.
"""

import re

# Lowercase, accents kept. Words both languages use ("a", "no", "me", "he") or that are also
# words of the other ("son", "con", "la") are left out.
_ENGLISH = """
    the and is are was were be been we you our your they their it its of to for with on in at
    from by or not this that these those will can have has if than an
"""
_SPANISH = """
    el los las del y que en para por su sus es están está un una unos unas al nuestro nuestra
    nuestros nuestras se lo le les o como más hasta desde usted ustedes también pero muy ser hay
"""
_FUNCTION_WORDS = {"en": frozenset(_ENGLISH.split()), "es": frozenset(_SPANISH.split())}
# Letters and marks English never writes.
_SPANISH_MARKS = re.compile(r"[ñáéíóú¿¡]")
_WORD = re.compile(r"[^\W\d_]+")


def text_language(text: str) -> str:
    """The text's language, "en" or "es", when that language's function words outnumber the
    other's; else ""."""
    lowered = text.lower()
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    for word in _WORD.findall(lowered):
        for language, function_words in _FUNCTION_WORDS.items():
            counts[language] += word in function_words
    counts["es"] += bool(_SPANISH_MARKS.search(lowered))
    if counts["en"] == counts["es"]:
        return ""
    return max(counts, key=counts.__getitem__)


def base_language(code: str) -> str:
    """The primary subtag of a language code, lowercase: "es-US" → "es"; "" stays ""."""
    return re.split(r"[-_]", (code or "").strip(), maxsplit=1)[0].lower()
