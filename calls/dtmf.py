"""Digits a caller entered: pressed on the keypad (DTMF) or spoken.

Contract:
- `spoken_digits(text)` turns an utterance that is essentially a number into its digits, in
  English or Spanish, numerals or words, any case, accents and punctuation ("Mi número es
  555-1234." → "5551234"); None when it holds no number.
- `DigitBuffer` collects keypad presses for one entry; it is pure, the caller runs the pause
  timer and calls `submit()` when it expires.

Rules for `spoken_digits`:
- Digits are numerals ("4", "12", "555-0100") and number words: zero to nineteen, tens
  ("twenty", "thirty four" → "34", "veintitrés" → "23", "treinta y cuatro" → "34"), "double"/
  "doble" and "triple" before a digit ("double five" → "55"). English "oh" is zero next to
  another digit ("oh four five" → "045"); a bare "o" only next to an English number word,
  because in Spanish "o" means "or".
- "One" is a pronoun, not a digit, after "a/the/this/that/have/any/no/which/each/another" or
  before "of" ("I don't have one").
- Filler words ("um", "my", "is", "es", "el", "please") are ignored; digits separated only by
  them form one run ("one two, uh, three" → "123").
- The utterance counts as a number when digit words outnumber the other words ("It's 1 2 3",
  but not "one moment please" or "I need one appointment"; "oh" does not vote, so "Oh, one
  moment" is not a number), or, failing that, when a run of digits sits right next to a trigger
  word (pin, code, number, digits, account, extension, zip; número, código, clave, cuenta...):
  "I have two kids and my number is 555 0100" → "5550100".
- The longest run is returned (the first on a tie).
"""

import re
import unicodedata

_APOSTROPHE = re.compile("['`\u2019\u2018\u00b4]")
_NON_WORD = re.compile(r"[\W_]+")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _table(words: str, start: int = 0) -> dict[str, int]:
    return {word: value for value, word in enumerate(words.split(), start)}


_EN_UNITS = _table("zero one two three four five six seven eight nine")
_ES_UNITS = _table("cero uno dos tres cuatro cinco seis siete ocho nueve")
_TEENS = (
    _table("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen", 10)
    | _table("diez once doce trece catorce quince dieciseis diecisiete dieciocho diecinueve", 10)
    | _table(
        "veinte veintiuno veintidos veintitres veinticuatro veinticinco veintiseis veintisiete"
        " veintiocho veintinueve",
        20,
    )
)
_TENS = _table("twenty thirty forty fifty sixty seventy eighty ninety", 2) | _table(
    "veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa", 2
)
_UNITS = _EN_UNITS | _ES_UNITS
_ENGLISH_NUMBER = frozenset(_EN_UNITS) | _set(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
    " thirty forty fifty sixty seventy eighty ninety double triple"
)
_REPEAT = {"double": 2, "doble": 2, "triple": 3}
_ZERO_WORDS = _set("oh o")
_ONE_PRONOUN_AFTER = _set("a an the this that have has any no which each every another")
_FILLERS = _set(
    "um umm uh uhh uhm er ah eh hmm so ok okay yes yeah sure please my its it is the that thats"
    " and dash hyphen mi es el la son los pues bueno este si claro por favor y guion seria"
)
_TRIGGERS = _set(
    "pin code number numbers digit digits zip extension ext account id passcode phone"
    " confirmation member numero numeros codigo clave digitos cuenta extension telefono postal"
)


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", _APOSTROPHE.sub("", text or "").lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", plain).split()


def _numeral(word: str) -> bool:
    return word.isascii() and word.isdigit()  # not "²" or other Unicode digits


def _single_digit(word: str) -> str | None:
    if _numeral(word) and len(word) == 1:
        return word
    if word in _ZERO_WORDS:
        return "0"  # "double oh seven"
    value = _UNITS.get(word)
    return None if value is None else str(value)


def _is_digitish(word: str) -> bool:
    return _numeral(word) or word in _UNITS or word in _TEENS or word in _TENS or word in _REPEAT


def _items(words: list[str]) -> list[tuple[str, str, bool]]:
    """Each word as (kind, digits, votes): kind is "d" (digits), "t" (trigger) or "w" (other);
    fillers are dropped."""
    items: list[tuple[str, str, bool]] = []
    i = 0
    while i < len(words):
        word, before = words[i], words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        after2 = words[i + 2] if i + 2 < len(words) else ""
        step, item = 1, ("w", "", False)
        if _numeral(word):
            item = ("d", word, True)
        elif word in ("one", "uno") and (before in _ONE_PRONOUN_AFTER or after == "of"):
            pass  # "I don't have one", "one of them"
        elif word in _TENS and _UNITS.get(after, 0) > 0 and after in _EN_UNITS:
            item, step = ("d", f"{_TENS[word]}{_UNITS[after]}", True), 2  # "thirty four"
        elif word in _TENS and after == "y" and _UNITS.get(after2, 0) > 0:
            item, step = ("d", f"{_TENS[word]}{_UNITS[after2]}", True), 3  # "treinta y cuatro"
        elif word in _TEENS:
            item = ("d", str(_TEENS[word]), True)
        elif word in _TENS:
            item = ("d", f"{_TENS[word]}0", True)
        elif word in _UNITS:
            item = ("d", str(_UNITS[word]), True)
        elif word in _REPEAT and (digit := _single_digit(after)):
            item, step = ("d", digit * _REPEAT[word], True), 2  # "double five", "double oh"
        elif _zero(word, before, after):
            item = ("d", "0", False)  # "oh" is also "oh, I see": it adds a zero but no vote
        elif word in _TRIGGERS:
            item = ("t", "", False)
        elif word in _FILLERS:
            item = ("", "", False)
        if item[0]:
            items.append(item)
        i += step
    return items


def _zero(word: str, before: str, after: str) -> bool:
    """English "oh" (or "o") read as zero, judged by the words around it."""
    if word == "oh":
        return _is_digitish(before) or _is_digitish(after)
    if word == "o":  # Spanish "cuatro o cinco" is "four or five"
        neighbours = (before, after)
        return any(n in _ENGLISH_NUMBER for n in neighbours) and not any(
            n in _ES_UNITS for n in neighbours
        )
    return False


def spoken_digits(text: str) -> str | None:
    """The digits a caller spoke when the utterance is essentially a number ("one two three
    four" → "1234", "uno dos tres cuatro" → "1234", "My PIN is 12 34." → "1234", "oh four
    five" → "045"), else None. See the module docstring for the rules."""
    items = _items(_words(text))
    runs: list[tuple[int, int, str]] = []  # (first item, last item, digits)
    for index, (kind, digits, _) in enumerate(items):
        if kind != "d":
            continue
        if runs and runs[-1][1] == index - 1:
            start, _, so_far = runs[-1]
            runs[-1] = (start, index, so_far + digits)
        else:
            runs.append((index, index, digits))
    votes = sum(1 for kind, _, vote in items if kind == "d" and vote)
    others = sum(1 for kind, _, _ in items if kind == "w")
    if votes <= others:  # not essentially a number: keep only runs next to a trigger
        triggers = {index for index, (kind, _, _) in enumerate(items) if kind == "t"}
        runs = [run for run in runs if run[0] - 1 in triggers or run[1] + 1 in triggers]
    if not runs:
        return None
    return max(runs, key=lambda run: len(run[2]))[2]  # max() keeps the first on a tie


_KEYS = frozenset("0123456789")


class DigitBuffer:
    """Keypad digits being collected for one entry. Pure: the caller handles the pause timer.

    "#" submits what was typed ("#" with nothing typed is ignored and keeps waiting), "*"
    starts over, and reaching `max_digits` submits at once. After a submission the buffer is
    empty, ready for the next entry.
    """

    def __init__(self, max_digits: int | None = None) -> None:
        if max_digits is not None and max_digits < 1:
            raise ValueError(f"max_digits must be at least 1, not {max_digits}")
        self.max_digits = max_digits
        self._digits = ""

    @property
    def digits(self) -> str:
        """What has been typed for the current entry so far."""
        return self._digits

    def press(self, key: str) -> str | None:
        """Add one key ("0"-"9", "*", "#"). Returns the entry when this key completes it, else
        None. Anything that is not a single key ("a", "", "12") is ignored."""
        if key == "#":
            return self.submit()
        if key == "*":
            self.clear()
        elif key in _KEYS:
            self._digits += key
            if self.max_digits is not None and len(self._digits) >= self.max_digits:
                return self.submit()
        return None

    def submit(self) -> str | None:
        """The pause ran out (or "#" was pressed): the entry typed, None when nothing was."""
        entry, self._digits = self._digits, ""
        return entry or None

    def clear(self) -> None:
        """Forget what was typed for this entry."""
        self._digits = ""
