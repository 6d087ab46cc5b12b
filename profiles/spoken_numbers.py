"""Numbers in what callers say, in English and Spanish. Pure functions, no I/O.

Contract:
- `words(text)` is the utterance as lowercase words without accents or punctuation
  ("¿Sí, señor?" → ["si", "senor"]); apostrophes are dropped first ("o'clock" → "oclock").
- `numerals(tokens, years=...)` replaces each run of number words with its numeral, cardinal or
  ordinal: "twenty five" → "25", "treinta y uno" → "31", "twelfth" → "12", "el primero" →
  "el 1", "two thousand and five" → "2005", "mil novecientos noventa" → "1990". With
  `years=True` English years read in pairs become one number ("nineteen ninety two" → "1992",
  "twenty twenty six" → "2026", "nineteen oh five" → "1905"); leave it off for clock times,
  where "ten fifteen" is 10:15. Numerals with an ordinal suffix lose it ("3rd" → "3"). Two
  number words side by side that do not make one number stay apart ("one two" → "1 2").
- `digits_from_speech(text, language)` is the longest run of digits a caller spoke or typed
  ("one two three", "uno dos tres", "1 2 3", "555-0100" → digits); filler words may sit
  inside the run ("one, uh, two"); "double"/"doble" and "triple" repeat the next digit; "oh"
  (and, in English only, "o") is zero next to another digit. None when there is no digit.
"""

import re
import unicodedata

_APOSTROPHE = re.compile("['`\u2019\u2018\u00b4]")
_NON_WORD = re.compile(r"[\W_]+")
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(?:st|nd|rd|th|º|ª|o|a|er|ro|do|to|vo|no)$")


def words(text: str) -> list[str]:
    """Lowercase words of `text`, accents and punctuation removed."""
    plain = unicodedata.normalize("NFKD", _APOSTROPHE.sub("", text or "").lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", plain).split()


def word_set(names: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(names.split())


def _table(names: str, start: int = 0, step: int = 1) -> dict[str, int]:
    return {name: start + index * step for index, name in enumerate(names.split())}


_EN_UNITS = _table("zero one two three four five six seven eight nine")
_ES_UNITS = _table("cero uno dos tres cuatro cinco seis siete ocho nueve") | {"un": 1, "una": 1}
_UNITS = _EN_UNITS | _ES_UNITS
_EN_TEENS = _table(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen", 10
)
_TEENS = (
    _EN_TEENS
    | _table("diez once doce trece catorce quince dieciseis diecisiete dieciocho diecinueve", 10)
    | _table(
        "veinte veintiuno veintidos veintitres veinticuatro veinticinco veintiseis veintisiete"
        " veintiocho veintinueve",
        20,
    )
    | {"veintiun": 21, "veintiuna": 21}
)
_EN_TENS = _table("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)
_ES_TENS = _table("treinta cuarenta cincuenta sesenta setenta ochenta noventa", 30, 10)
_ORDINALS = (
    _table("first second third fourth fifth sixth seventh eighth ninth", 1)
    | _table(
        "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth"
        " eighteenth nineteenth",
        10,
    )
    | {"twentieth": 20, "thirtieth": 30, "primero": 1, "primer": 1}
)
_EN_UNIT_ORDINALS = {k: v for k, v in _ORDINALS.items() if v < 10 and k.isascii()}
_YEAR_HEADS = frozenset(_EN_TEENS) | frozenset(_EN_TENS)  # "nineteen" ninety, "twenty" ten
_ES_HUNDREDS = {"cien": 100, "ciento": 100} | _table(
    "doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos"
    " novecientos",
    200,
    100,
)


def _small(tokens: list[str], i: int) -> tuple[int, int, bool] | None:
    """A number below 100 spelled at tokens[i]: (value, index after it, is_ordinal)."""
    word = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word in _EN_TENS:
        if after in _EN_UNITS and _EN_UNITS[after] > 0:
            return _EN_TENS[word] + _EN_UNITS[after], i + 2, False
        if after in _EN_UNIT_ORDINALS:
            return _EN_TENS[word] + _EN_UNIT_ORDINALS[after], i + 2, True
        return _EN_TENS[word], i + 1, False
    if word in _ES_TENS:
        unit = tokens[i + 2] if i + 2 < len(tokens) else ""
        if after == "y" and _ES_UNITS.get(unit, 0) > 0:
            return _ES_TENS[word] + _ES_UNITS[unit], i + 3, False
        return _ES_TENS[word], i + 1, False
    for table, ordinal in ((_TEENS, False), (_UNITS, False), (_ORDINALS, True)):
        if word in table:
            return table[word], i + 1, ordinal
    return None


def _number(tokens: list[str], i: int, years: bool) -> tuple[int, int, bool] | None:
    """The number spelled at tokens[i], up to the thousands: (value, index after, ordinal)."""
    total, value, j, ordinal, seen = 0, 0, i, False, False
    while j < len(tokens) and not ordinal:
        word = tokens[j]
        if word in ("hundred", "thousand", "mil") and (seen or word == "mil"):
            if word == "hundred":
                value = value * 100
            else:
                total, value = total + (value or 1) * 1000, 0
            j += 1
            if j + 1 < len(tokens) and tokens[j] == "and" and _small(tokens, j + 1):
                j += 1  # "two thousand and five"
            seen = True
            continue
        if word in _ES_HUNDREDS and value % 100 == 0:
            value, j, seen = value + _ES_HUNDREDS[word], j + 1, True
            continue
        small = _small(tokens, j)
        if small is None or (seen and value % 100):
            break  # "one two": two numbers, not one
        if (
            years
            and not seen
            and word in _YEAR_HEADS
            and small[1] == j + 1
            and (pair := _year_tail(tokens, j + 1))
        ):
            return small[0] * 100 + pair[0], pair[1], False
        value, j, ordinal, seen = value + small[0], small[1], small[2], True
    return (total + value, j, ordinal) if seen else None


def _year_tail(tokens: list[str], i: int) -> tuple[int, int] | None:
    """The second half of an English year read in pairs: "ninety two", "oh five", "ten"."""
    if i >= len(tokens):
        return None
    if tokens[i] in ("oh", "o") and i + 1 < len(tokens) and tokens[i + 1] in _EN_UNITS:
        return _EN_UNITS[tokens[i + 1]], i + 2
    if tokens[i] in _YEAR_HEADS:
        small = _small(tokens, i)
        if small and not small[2] and tokens[small[1] : small[1] + 1] != ["hundred"]:
            return small[0], small[1]
    return None


def numerals(tokens: list[str], *, years: bool = False) -> list[str]:
    """`tokens` (from `words`) with each spelled number replaced by its numeral."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if suffixed := _ORDINAL_SUFFIX.match(tokens[i]):
            out.append(suffixed.group(1))
            i += 1
        elif (found := _number(tokens, i, years)) is not None:
            out.append(str(found[0]))
            i = found[1]
        else:
            out.append(tokens[i])
            i += 1
    return out


# --- Digits, one by one -------------------------------------------------------------------------

_REPEAT = {"double": 2, "doble": 2, "triple": 3}
_DIGIT_FILLERS = word_set(
    "um umm uh uhh er ah eh hmm and y dash hyphen guion then luego comma coma space espacio"
)


_DIGIT_WORDS = _EN_UNITS | _table("cero uno dos tres cuatro cinco seis siete ocho nueve")


def _digit_word(word: str) -> str | None:
    if word.isascii() and word.isdigit():
        return word
    return str(_DIGIT_WORDS[word]) if word in _DIGIT_WORDS else None


def _zero_word(word: str, language: str) -> bool:
    # Spanish "o" means "or": "cuatro o cinco".
    return word == "oh" or (word == "o" and not language.lower().startswith("es"))


def digits_from_speech(text: str, language: str) -> str | None:
    """The longest run of digits in `text` (see the module docstring), or None."""
    tokens = words(text)
    runs: list[str] = []
    current: str | None = None
    i = 0
    while i < len(tokens):
        word, after = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
        digit = _digit_word(word)
        if _zero_word(word, language) and (current is not None or _digit_word(after)):
            digit = "0"  # "oh four", "four oh": not "Oh, I see"
        if word in _REPEAT:
            repeated = "0" if _zero_word(after, language) else _digit_word(after)
            if repeated is not None and len(repeated) == 1:
                digit, i = repeated * _REPEAT[word], i + 1
        if digit is not None:
            current = (current or "") + digit
        elif current is not None and word not in _DIGIT_FILLERS:
            runs.append(current)
            current = None
        i += 1
    if current is not None:
        runs.append(current)
    return max(runs, key=len) if runs else None
