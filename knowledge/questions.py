"""What a caller's question asks: its topic, and the kind of answer it expects.

Contract:

- `question_parse(text)` splits a question's content words (stemmed as `embeddings.stems`
  does) into its `topic` ("parking", "cigna") and its `cues`, the words that ask for a kind of
  answer ("hours", "open", "where", "how much"), which give its `kind`: TIME, PLACE, PRICE or
  None. Words that frame any question ("tell me about", "near the clinic", "¿tienen...?") are
  neither: they would make a sentence look relevant for saying "clinic".
- `answer_kinds(sentence)`: the kinds of answer a sentence gives (a clock time or a weekday, a
  street address, an amount of money).
- `search_text(question, language)`: the words to search for. A question that only says what
  kind of answer it wants ("what are your hours?", "¿dónde están?") names nothing a passage
  would repeat, so the words of such answers are added ("Monday", "calle").

Both English and Spanish are understood whatever the call's language; pure, no database.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from knowledge.embeddings import STOPWORDS, stem, words
from knowledge.language import base_language


class AnswerKind(StrEnum):
    TIME = "time"
    PLACE = "place"
    PRICE = "price"


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in words(text))


_CUES = {
    AnswerKind.TIME: _stems(
        """when time times hour hours open opens opening close closes closing closed schedule
        cuando hora horas horario horarios abren abre abierto abiertos abrir cierran cierra
        cerrado cerrados atienden"""
    ),
    AnswerKind.PLACE: _stems(
        """where address located location directions donde direccion ubicados ubicadas
        ubicado ubicada ubicacion encuentran quedan queda"""
    ),
    AnswerKind.PRICE: _stems(
        """much cost costs price prices pricing charge charges fee fees cuanto cuesta cuestan
        costo costos precio precios cobran cargo tarifa"""
    ),
}
# Words that frame a question rather than say what it is about: asking and knowing, speech
# fillers, "near", and what a caller calls the business itself ("your clinic", "su oficina").
_FRAMING = _stems(
    """tell know like want wonder wondering ask question questions information info detail
    details happen happens near nearby clinic office practice business company place thing
    things something anything ok okay um uh yeah yes well actually maybe really need get
    decir digame diga saber quiero quisiera gustaria puedo puede pueden podria necesito tienen
    tiene tener hacen hace informacion pregunta cerca clinica consultorio oficina negocio lugar
    estan pasa bueno vale oiga"""
)
# The light verbs of "do you take / accept / offer ...?": part of the topic, but what follows
# them matters more ("do you take Cigna?" is not answered by "take a ticket at the entrance").
_LIGHT = _stems("take takes accept offer offers provide make aceptan acepta ofrecen ofrece")
LIGHT_WEIGHT = 0.5
# Searching for them finds passages that merely use the same common verb.
_UNSEARCHED = _FRAMING | _LIGHT

# A short question with one of these leans on the previous one: "and on Saturdays?", "how much
# is it?", "¿y eso?".
_REFERENCES = frozenset(["it", "that", "this", "them", "those", "eso", "esto", "ello"])
_CONNECTIVES = re.compile(r"^\W*(?:and|also|what about|how about|y|también|tambien)\b", re.I)


@dataclass(frozen=True)
class Question:
    topic: Mapping[str, float]  # stem: weight (1.0, or LIGHT_WEIGHT for a light verb)
    cues: frozenset[str]
    kind: AnswerKind | None
    refers_back: bool  # it leans on an earlier question ("and on Saturdays?")


def _is_filler(word: str, stemmed: str) -> bool:
    # Single letters are noise ("a", "y"); single digits are not ("the number 4 bus").
    single_letter = len(word) == 1 and not word.isdigit()
    return word in STOPWORDS or single_letter or stemmed in _FRAMING


def question_parse(text: str) -> Question:
    """The question's topic stems, cue stems, kind of answer, and whether it refers back."""
    spoken = words(text)
    topic: dict[str, float] = {}
    cues: set[str] = set()
    kinds: list[AnswerKind] = []
    for word in spoken:
        stemmed = stem(word)
        cued = [kind for kind, cue_stems in _CUES.items() if stemmed in cue_stems]
        if cued:
            cues.add(stemmed)
            kinds.extend(cued)
        elif not _is_filler(word, stemmed):
            topic[stemmed] = LIGHT_WEIGHT if stemmed in _LIGHT else 1.0
    return Question(
        topic=MappingProxyType(topic),
        cues=frozenset(cues),
        kind=kinds[0] if kinds else None,  # the first cue the caller says decides
        refers_back=bool(_REFERENCES.intersection(spoken)) or bool(_CONNECTIVES.search(text)),
    )


_DAYS = (
    r"mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|weekends?"
    r"|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bados?|domingos?"
)
_FEATURES = {
    AnswerKind.TIME: re.compile(
        rf"\b(?:{_DAYS})\b|\b\d{{1,2}}(?::\d{{2}})?\s*[ap]\.?m\b|\b\d{{1,2}}:\d{{2}}\b|\bnoon\b"
        r"|\bmediod[íi]a\b",
        re.IGNORECASE,
    ),
    AnswerKind.PLACE: re.compile(
        r"\b\d+\s+(?:[A-Z][\w.'-]*\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd"
        r"|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Square|Plaza|Highway|Hwy|Parkway)\b"
        r"|\b(?:calle|avenida|avda|paseo|plaza|carrera|camino)\s+\w+"
        r"|\b(?:suite|floor|oficina|piso|planta)\s+\d+|\b\d+(?:st|nd|rd|th)\s+floor\b",
    ),
    AnswerKind.PRICE: re.compile(
        r"[$€£]\s?\d|\b\d+(?:[.,]\d+)?\s*(?:dollars?|d[óo]lares|euros?|pesos|usd)\b"
        r"|\b(?:free|gratis|gratuit[oa]s?)\b",
        re.IGNORECASE,
    ),
}


def answer_kinds(sentence: str) -> frozenset[AnswerKind]:
    """The kinds of answer the sentence gives: a time or day, an address, an amount."""
    return frozenset(kind for kind, pattern in _FEATURES.items() if pattern.search(sentence))


# What answers of each kind say, in each language: searched for when a question says nothing else.
_ANSWER_WORDS = {
    AnswerKind.TIME: {
        "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
        "es": "lunes martes miércoles jueves viernes sábados domingos",
    },
    AnswerKind.PLACE: {
        "en": "street avenue suite floor building",
        "es": "calle avenida oficina piso edificio",
    },
    AnswerKind.PRICE: {"en": "dollars cost price", "es": "dólares cuesta precio"},
}


def search_text(question: str, language: str = "en") -> str:
    """The question without its framing words, plus the words of its kind of answer when it
    names no topic of its own."""
    asked = question_parse(question)
    kept = [
        word
        for word in re.findall(r"\w+", question)
        if not any(stem(normal) in _UNSEARCHED for normal in words(word))
    ]
    if not asked.topic and asked.kind is not None:
        answer_words = _ANSWER_WORDS[asked.kind]
        kept.append(answer_words.get(base_language(language), answer_words["en"]))
    return " ".join(kept)
