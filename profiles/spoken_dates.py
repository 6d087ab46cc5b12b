"""Dates and times in what callers say, and how to say them back. English and Spanish.

Contract:
- `spoken_date(text, today=..., language=...)` is the calendar date a caller named, or None.
  Dates are in the future of `today` when the words leave it open: "Tuesday" and "next
  Tuesday" are the first Tuesday after today (the read-back lets the caller correct it),
  "Tuesday next week" is the Tuesday of next week (weeks start on Monday), "the 12th" is the
  next 12th, "March 5" the next March 5. "today", "tomorrow", "the day after tomorrow" (hoy,
  mañana, pasado mañana) count from today. Everything else goes to dateparser, in English
  and Spanish, day-first for Spanish callers ("5/3" is March 5) and month-first otherwise;
  numbers may be spelled ("April twelfth, nineteen ninety"). A month or a year alone is not a
  date.
- `spoken_time(text)` is "HH:MM" (24 hours) for "3 pm", "3:30", "15:00", "three thirty",
  "half past ten", "quarter to four", "twenty past nine", "noon", "midnight", "a las tres de
  la tarde", "las diez y media", "las cuatro menos cuarto", "mediodía"; None otherwise.
  Without a.m./p.m. (or morning, afternoon, evening, de la mañana, de la tarde, de la noche),
  1 to 6 o'clock are read as afternoon: callers book at 3, not at 3 a.m.
- `date_said(iso, today=..., language=...)` and `time_said(hhmm, language=...)` say a stored
  value back: "Tuesday, March 3" / "martes 3 de marzo" in the next 300 days, "April 12,
  1990" / "12 de abril de 1990" otherwise; "3:30 PM" / "3:30 de la tarde".
"""

import datetime as dt
import re

import dateparser

from profiles.spoken_numbers import numerals, word_set, words

_EN_MONTHS = "january february march april may june july august september october november december"
_ES_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
_EN_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_ES_DAYS = "lunes martes miercoles jueves viernes sabado domingo"
_ES_DAYS_SAID = "lunes martes miércoles jueves viernes sábado domingo"
_WEEKDAYS = {name: i for names in (_EN_DAYS, _ES_DAYS) for i, name in enumerate(names.split())}
_MONTH_WORDS = word_set(
    f"{_EN_MONTHS} {_ES_MONTHS} jan feb mar apr jun jul aug sep sept oct nov dec ene abr ago dic"
)
# Words a caller wraps around a date; dateparser needs them gone.
_DATE_NOISE = word_set(
    "um uh er hmm so ok okay well yes yeah please thanks on the for at it its is that be would"
    " i id like want need lets say how about maybe perhaps think can could do works good"
    " el la los las para por favor quiero es el seria mejor puede ser si bueno pues este dia"
    " day this coming upcoming next proximo proxima que viene"
)
_DURATIONS = word_set("days weeks months dias semanas meses")  # "in 2 weeks"
# Words that may stand next to a weekday or a day of the month in a date.
_DAY_PARTS = word_set("morning afternoon evening manana tarde noche")
_DATE_CONTEXT = (
    word_set("of de week semana am pm at a las oclock") | _DAY_PARTS | _MONTH_WORDS | _DURATIONS
)
_NEXT_WEEK = (("next", "week"), ("semana", "que", "viene"), ("proxima", "semana"))


def _has(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


def _next_day_of_month(today: dt.date, day: int) -> dt.date | None:
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            candidate = None  # no 31st this month
        if candidate and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _relative_date(tokens: list[str], today: dt.date) -> dt.date | None:
    """Today, tomorrow, a weekday or a day of the month without a month; None otherwise."""
    if _has(tokens, ("day", "after", "tomorrow")) or _has(tokens, ("pasado", "manana")):
        return today + dt.timedelta(days=2)
    tomorrow = any(
        token == "tomorrow" or (token == "manana" and (i == 0 or tokens[i - 1] != "la"))
        for i, token in enumerate(tokens)  # "por la mañana" is a morning, not tomorrow
    )
    if tomorrow:
        return today + dt.timedelta(days=1)
    if "today" in tokens or "hoy" in tokens:
        return today
    # Only the words that can belong to a date: "uh, let me think, Wednesday" is a Wednesday.
    core = [t for t in tokens if t.isdigit() or t in _WEEKDAYS or t in _DATE_CONTEXT]
    weekdays = [_WEEKDAYS[token] for token in core if token in _WEEKDAYS]
    rest = [token for token in core if token not in _WEEKDAYS]
    if len(weekdays) > 1 or any(token in _MONTH_WORDS for token in rest):
        return None
    only_date = all(t in core or t in _DATE_NOISE for t in tokens)  # not "the one after..."
    if only_date and len(rest) == 1 and rest[0].isdigit() and 1 <= int(rest[0]) <= 31:
        return _next_day_of_month(today, int(rest[0]))  # "the 12th", "Tuesday the 5th"
    if not weekdays or not set(rest) <= {"week", "semana", "of", "de"} | _DAY_PARTS:
        return None
    if any(_has(tokens, phrase) for phrase in _NEXT_WEEK):
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
        return monday + dt.timedelta(days=weekdays[0])
    ahead = (weekdays[0] - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


def spoken_date(text: str, *, today: dt.date, language: str) -> dt.date | None:
    """The date named in `text` (see the module docstring), or None."""
    tokens = numerals(words(text), years=True)
    found = _relative_date(tokens, today)
    if found is not None:
        return found
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY" if language.lower().startswith("es") else "MDY",
    }
    parser = dateparser.date.DateDataParser(languages=["en", "es"], settings=settings)
    kept = [token for token in tokens if token not in _DATE_NOISE]
    # Then with only the date's own words: "I was born on April 12, 1990".
    core = [t for t in kept if t.isdigit() or t in _MONTH_WORDS or t in ("of", "de")]
    has_month = any(token in _MONTH_WORDS for token in core)
    for candidate in (kept, core) if has_month else (kept,):
        data = parser.get_date_data(" ".join(candidate)) if candidate else None
        # "in 2 weeks" is a day; "next week" is not.
        periods = ("day", "week") if _DURATIONS.intersection(candidate) else ("day",)
        if data and data.date_obj is not None and data.period in periods:
            return data.date_obj.date()
    return None


# --- Times --------------------------------------------------------------------------------------

_CLOCK = re.compile(r"\b(\d{1,2})\s*[:h.]\s*(\d{2})\b")
_AM_PM = re.compile(r"\b([ap])\.?\s?m\b\.?")
_AM = re.compile(r"\b(?:am|morning|(?:de|por|en) la (?:manana|madrugada))\b")
_PM = re.compile(r"\b(?:pm|afternoon|evening|night|tonight|(?:de|por|en) la (?:tarde|noche))\b")
_NOON = re.compile(r"\b(?:noon|midday|mediodia)\b")
_MIDNIGHT = re.compile(r"\b(?:midnight|medianoche)\b")
_NIGHT = re.compile(r"\b(?:at night|de la noche)\b")
# "half past 10", "20 past 9", "quarter to 4"; "10 y media", "4 menos cuarto".
_RELATIVE = re.compile(
    r"\b(?P<m>half|quarter|\d{1,2})(?: minutes?)? (?P<rel>past|after|to|till|before)"
    r" (?P<h>\d{1,2})\b"
    r"|\b(?P<h2>\d{1,2}) (?P<rel2>y|menos) (?P<m2>media|cuarto|\d{1,2})(?: minutos?)?\b"
)
# An hour with its minutes: "3 30", "3 oh 5", "10 oclock", "at 3".
_PLAIN = re.compile(r"\b(?P<h>\d{1,2})(?: (?:oh )?(?P<m>\d{1,2}))?(?: oclock| en punto| horas?)?\b")
_MINUTE_WORDS = {"half": 30, "quarter": 15, "media": 30, "cuarto": 15}


def _hour_minute(said: str) -> tuple[int, int] | None:
    if found := _RELATIVE.search(said):
        hour = int(found["h"] or found["h2"])
        word = found["m"] or found["m2"]
        minute = _MINUTE_WORDS.get(word)
        minute = int(word) if minute is None else minute
        if (found["rel"] or found["rel2"]) in ("to", "till", "before", "menos"):
            hour, minute = hour - 1, 60 - minute
        return hour % 24 if hour >= 0 else 23, minute
    if found := _PLAIN.search(said):
        return int(found["h"]), int(found["m"] or 0)
    return None


def spoken_time(text: str) -> str | None:
    """The clock time named in `text` as "HH:MM" (see the module docstring), or None."""
    lowered = re.sub(r"\bi am\b", "i", (text or "").lower())  # not a.m.
    lowered = _AM_PM.sub(lambda m: f" {m.group(1)}m ", lowered)
    lowered = _CLOCK.sub(r" \1 \2 ", lowered)
    said = " ".join(numerals(words(lowered)))
    if _MIDNIGHT.search(said):
        return "00:00"
    found = _hour_minute(said)
    if found is None:
        return "12:00" if _NOON.search(said) else None
    hour, minute = found
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    if _AM.search(said):
        hour = 0 if hour == 12 else hour
    elif _PM.search(said) or _NOON.search(said):
        if hour == 12 and _NIGHT.search(said):
            hour = 0
        elif hour < 12:
            hour += 12
    elif 1 <= hour <= 6:
        hour += 12  # see the module docstring
    return f"{hour:02d}:{minute:02d}"


# --- Saying them back ---------------------------------------------------------------------------


def date_said(iso: str, *, today: dt.date, language: str) -> str:
    """`iso` ("2026-03-03") as a person says it; the text unchanged when it is not a date."""
    try:
        date = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    spanish = language.lower().startswith("es")
    months = (_ES_MONTHS if spanish else _EN_MONTHS).split()
    month = months[date.month - 1] if spanish else months[date.month - 1].capitalize()
    if today <= date <= today + dt.timedelta(days=300):
        if spanish:
            return f"{_ES_DAYS_SAID.split()[date.weekday()]} {date.day} de {month}"
        return f"{_EN_DAYS.split()[date.weekday()].capitalize()}, {month} {date.day}"
    if spanish:
        return f"{date.day} de {month} de {date.year}"
    return f"{month} {date.day}, {date.year}"


def time_said(hhmm: str, *, language: str) -> str:
    """`hhmm` ("15:30") as a person says it; the text unchanged when it is not a time."""
    if not re.fullmatch(r"\d{2}:\d{2}", hhmm or ""):
        return hhmm
    hour, minute = (int(part) for part in hhmm.split(":"))
    clock = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute else "")
    if not language.lower().startswith("es"):
        return f"{clock} {'AM' if hour < 12 else 'PM'}"
    if hour == 12 and not minute:
        return "12 del mediodía"
    part = "de la mañana" if 6 <= hour < 12 else "de la tarde" if 12 <= hour < 20 else "de la noche"
    return f"{clock} {part}" if hour >= 6 else f"{clock} de la madrugada"
