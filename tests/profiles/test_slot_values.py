"""A caller's answer becomes a slot value: dates, times, yes/no, names, patterns, digits."""

import datetime as dt

import pytest

from profiles.slot_values import digits_from_speech, slot_value
from profiles.spoken_dates import date_said, time_said

# A Monday morning.
NOW = dt.datetime(2026, 3, 2, 10, 0)


def value(validation: str, text: str, language: str = "en", pattern: str = "") -> str | None:
    return slot_value(validation, text, language=language, now=NOW, pattern=pattern)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "tomorrow", "2026-03-03"),
        ("en", "today", "2026-03-02"),
        ("en", "the day after tomorrow", "2026-03-04"),
        ("en", "next Tuesday", "2026-03-03"),
        ("en", "Tuesday", "2026-03-03"),
        ("en", "I'd like next Friday, please", "2026-03-06"),
        ("en", "Um, let me think... Wednesday", "2026-03-04"),
        ("en", "Tuesday next week", "2026-03-10"),
        ("en", "Monday", "2026-03-09"),  # today is Monday: the next one
        ("en", "December 3rd", "2026-12-03"),
        ("en", "March 1", "2027-03-01"),  # passed this year: next year's
        ("en", "the 12th", "2026-03-12"),
        ("en", "the first", "2026-04-01"),
        ("en", "the fifteenth", "2026-03-15"),
        ("en", "Tuesday the 5th", "2026-03-05"),
        ("en", "April twelfth", "2026-04-12"),
        ("en", "April 12, 1990", "1990-04-12"),
        ("en", "I was born on April 12th, 1990.", "1990-04-12"),
        ("en", "twelfth of April nineteen ninety", "1990-04-12"),
        ("en", "in two weeks", "2026-03-16"),
        ("en", "5/3", "2026-05-03"),  # month first in English
        ("es", "5/3", "2026-03-05"),  # day first in Spanish
        ("es", "mañana", "2026-03-03"),
        ("es", "pasado mañana", "2026-03-04"),
        ("es", "hoy", "2026-03-02"),
        ("es", "5 de marzo", "2026-03-05"),
        ("es", "el cinco de marzo", "2026-03-05"),
        ("es", "el quince de marzo", "2026-03-15"),
        ("es", "el primero de abril", "2026-04-01"),
        ("es", "el próximo martes", "2026-03-03"),
        ("es", "el lunes que viene", "2026-03-09"),
        ("es", "el martes de la semana que viene", "2026-03-10"),
        ("es", "el lunes por la mañana", "2026-03-09"),
        ("es", "martes 5", "2026-03-05"),
        ("es", "12 de abril de 1990", "1990-04-12"),
        ("es", "Nací el doce de abril de mil novecientos noventa", "1990-04-12"),
        ("es", "dentro de dos semanas", "2026-03-16"),
    ],
)
def test_dates_are_understood_in_english_and_spanish(language, text, expected):
    assert value("date", text, language) == expected


@pytest.mark.parametrize(
    "text", ["hello", "yes", "April", "1990", "April 1990", "next week", "June 31", "   "]
)
def test_answers_that_name_no_single_day_are_not_dates(text):
    assert value("date", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 pm", "15:00"),
        ("3 p.m.", "15:00"),
        ("11:30 AM", "11:30"),
        ("15:00", "15:00"),
        ("7 30 pm", "19:30"),
        ("three thirty", "15:30"),
        ("ten fifteen", "10:15"),
        ("eleven forty five", "11:45"),
        ("three oh five", "15:05"),
        ("half past ten", "10:30"),
        ("quarter to four", "15:45"),
        ("twenty past nine", "09:20"),
        ("10 o'clock", "10:00"),
        ("10 in the morning", "10:00"),
        ("tonight at 8", "20:00"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("12 am", "00:00"),
        ("12 pm", "12:00"),
        ("I am free at 10", "10:00"),  # "am" of "I am" is not a.m.
        ("at 7", "07:00"),
        ("a las tres de la tarde", "15:00"),
        ("las diez y media", "10:30"),
        ("las cuatro menos cuarto", "15:45"),
        ("la una y cuarto", "13:15"),
        ("a las 9 de la mañana", "09:00"),
        ("9 de la noche", "21:00"),
        ("a las 12 de la noche", "00:00"),
        ("mediodía", "12:00"),
    ],
)
def test_times_become_24_hour_clock_times(text, expected):
    assert value("time", text) == expected


def test_an_hour_from_one_to_six_without_am_or_pm_is_the_afternoon():
    assert value("time", "at 3") == "15:00"
    assert value("time", "at 3 in the morning") == "03:00"
    assert value("time", "at 9") == "09:00"


@pytest.mark.parametrize("text", ["hello", "25:00", "10:75", "whenever"])
def test_answers_without_a_clock_time_are_not_times(text):
    assert value("time", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("Yeah.", "yes"),
        ("sure", "yes"),
        ("That's correct", "yes"),
        ("That is right", "yes"),
        ("no problem", "yes"),
        ("Sí", "yes"),
        ("si, correcto", "yes"),
        ("claro", "yes"),
        ("por supuesto", "yes"),
        ("no", "no"),
        ("nope", "no"),
        ("No, thanks", "no"),
        ("That's not right", "no"),
        ("not really", "no"),
        ("incorrecto", "no"),
        ("No es correcto", "no"),
        ("para nada", "no"),
        ("Not sure", None),
        ("yes, no, wait", None),
        ("hmm", None),
        ("blue", None),
    ],
)
def test_yes_and_no_in_english_and_spanish(text, expected):
    assert value("yes_no", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is ana garcía", "Ana García"),
        ("It's john o'brien, please.", "John O'Brien"),
        ("This is Mary-Jane Watson.", "Mary-Jane Watson"),
        ("Ronald McDonald", "Ronald McDonald"),
        ("me llamo maría de la cruz", "María de la Cruz"),
        ("Soy Esteban", "Esteban"),
        ("Esteban", "Esteban"),  # "es" starts the name; it is not "es" (is)
        ("Sonia", "Sonia"),
        ("yo soy josé-luis", "José-Luis"),
        ("Yes, it\u2019s Ana", "Ana"),  # a typographic apostrophe
    ],
)
def test_names_lose_their_introduction_and_are_capitalised(text, expected):
    assert value("name", text) == expected


@pytest.mark.parametrize(
    "text", ["12345", "I want to book an appointment for tomorrow please now", "", "R2D2"]
)
def test_answers_that_are_not_names_are_refused(text):
    assert value("name", text) is None


def test_free_text_and_any_answer_keep_the_words_stripped():
    assert value("free_text", "  A sore tooth on the left.  ") == "A sore tooth on the left."
    assert value("", " anything ") == "anything"
    assert value("free_text", "   ") is None


def test_a_pattern_must_match_the_whole_answer():
    pattern = r"[A-Z]{2}-\d{4}"
    assert value("regex", "AB-1234", pattern=pattern) == "AB-1234"
    assert value("regex", "AB-1234.", pattern=pattern) == "AB-1234"  # the transcriber's period
    assert value("regex", "It's AB-1234", pattern=pattern) is None
    assert value("regex", "anything", pattern="(") is None  # an invalid pattern never matches


def test_luhn_numbers_are_checked_whether_typed_or_spoken():
    assert value("luhn", "79927398713") == "79927398713"
    assert value("luhn", "seven nine nine two seven three nine eight seven one three") == (
        "79927398713"
    )
    assert value("luhn", "79927398710") is None
    assert value("luhn", "no idea") is None


def test_an_unknown_validation_accepts_nothing():
    assert value("colour", "red") is None


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "one two three", "123"),
        ("es", "uno dos tres", "123"),
        ("en", "1 2 3", "123"),
        ("en", "555-0100", "5550100"),
        ("en", "My account is 12 34, um, 56", "123456"),
        ("en", "four oh five", "405"),
        ("en", "double oh seven", "007"),
        ("es", "doble cero siete", "007"),
        ("en", "I have two kids and my number is 555 0100", "5550100"),
        ("es", "cuatro o cinco", "4"),  # Spanish "o" is "or", not zero
        ("en", "Oh, I see", None),
        ("en", "no idea", None),
    ],
)
def test_digits_from_speech(language, text, expected):
    assert digits_from_speech(text, language) == expected


def test_dates_are_said_back_with_the_weekday_when_soon_and_the_year_when_not():
    today = NOW.date()
    assert date_said("2026-03-03", today=today, language="en") == "Tuesday, March 3"
    assert date_said("2026-03-03", today=today, language="es-MX") == "martes 3 de marzo"
    assert date_said("1990-04-12", today=today, language="en") == "April 12, 1990"
    assert date_said("1990-04-12", today=today, language="es") == "12 de abril de 1990"
    assert date_said("not a date", today=today, language="en") == "not a date"


def test_times_are_said_back_on_a_twelve_hour_clock():
    assert time_said("15:30", language="en") == "3:30 PM"
    assert time_said("09:00", language="en") == "9 AM"
    assert time_said("00:15", language="en") == "12:15 AM"
    assert time_said("15:30", language="es") == "3:30 de la tarde"
    assert time_said("09:00", language="es") == "9 de la mañana"
    assert time_said("21:00", language="es") == "9 de la noche"
    assert time_said("12:00", language="es") == "12 del mediodía"
