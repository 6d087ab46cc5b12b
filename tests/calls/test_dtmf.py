"""Digits a caller enters: spoken (English or Spanish) or pressed on the keypad."""

import pytest

from calls.dtmf import DigitBuffer, spoken_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one two three four", "1234"),
        ("One, two, three, four.", "1234"),
        ("uno dos tres cuatro", "1234"),
        ("Uno, dos, tres, cuatro.", "1234"),
        ("4 5 6", "456"),
        ("My PIN is 12 34.", "1234"),
        ("my pin is 1234", "1234"),
        ("It's one two three.", "123"),
        ("Um, one, two, uh, three", "123"),
        ("nine", "9"),
        ("zero", "0"),
        ("cero", "0"),
        ("Zero, zero, seven.", "007"),
        ("SEIS SIETE OCHO", "678"),
        ("Mi número es 555-1234.", "5551234"),
        ("mi numero es 555 1234", "5551234"),
        ("El código es nueve ocho siete.", "987"),
        ("Sí, es el cuatro cinco seis.", "456"),
        ("Mi clave es: 4, 4, 1, 9.", "4419"),
        ("1-800-555-0199", "18005550199"),
        ("It is 2 4 6 8, please.", "2468"),
        # English "oh" is a zero next to other digits; Spanish "o" means "or".
        ("oh four five", "045"),
        ("four o five", "405"),
        ("double oh seven", "007"),
        # Repeats, teens and tens.
        ("double five", "55"),
        ("triple seven", "777"),
        ("doble cero", "00"),
        ("twelve thirty-four", "1234"),
        ("twenty three", "23"),
        ("nineteen eighty", "1980"),
        ("dieciséis", "16"),
        ("dieciseis", "16"),
        ("veintitrés", "23"),
        ("treinta y cuatro", "34"),
        # A number in a longer sentence counts when it sits next to "number", "PIN", ...
        ("I have two kids and my number is 555 0100", "5550100"),
        ("My account number is four four two, I think.", "442"),
    ],
)
def test_a_spoken_number_becomes_its_digits(text, expected):
    assert spoken_digits(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "...",
        "no",
        "hello",
        "I don't know it",
        # Number words in a sentence that is not about a number.
        "one moment please",
        "One moment, please.",
        "I need one appointment.",
        "I don't have one.",
        "Do you open at 9?",
        "Oh, okay.",
        "Oh, one moment.",
        "Un momento, por favor.",
        "Necesito una cita.",
        "I'll call about my account in one week.",
    ],
)
def test_an_utterance_that_is_not_a_number_has_no_digits(text):
    assert spoken_digits(text) is None


@pytest.mark.parametrize(
    ("max_digits", "keys", "returned", "left"),
    [
        # "#" submits what was typed.
        (None, ["1", "2", "#"], [None, None, "12"], ""),
        # "*" starts the entry over.
        (None, ["1", "*", "3", "#"], [None, None, None, "3"], ""),
        (None, ["*"], [None], ""),
        # "#" with nothing typed keeps waiting.
        (None, ["#"], [None], ""),
        (None, ["*", "#", "5"], [None, None, None], "5"),
        # Reaching max_digits submits at once; the next digit starts a new entry.
        (4, ["1", "2", "3", "4"], [None, None, None, "1234"], ""),
        (4, ["1", "2", "3", "4", "5", "#"], [None, None, None, "1234", None, "5"], ""),
        (1, ["7", "8"], ["7", "8"], ""),
        (4, ["1", "2", "#"], [None, None, "12"], ""),
        # Anything but a single key is ignored.
        (None, ["1", "a", "", "12", " ", "A", "w", "#"], [None] * 7 + ["1"], ""),
        (2, ["1", "12", "3"], [None, None, "13"], ""),
        # Nothing submitted yet: still being typed.
        (None, ["0", "0", "7"], [None, None, None], "007"),
    ],
)
def test_keypad_presses_are_collected_into_entries(max_digits, keys, returned, left):
    buffer = DigitBuffer(max_digits)
    assert [buffer.press(key) for key in keys] == returned
    assert buffer.digits == left


@pytest.mark.parametrize(
    ("keys", "submitted"),
    [
        (["1", "2"], "12"),
        (["0"], "0"),
        ([], None),
        (["1", "*"], None),
        (["1", "2", "#"], None),  # already submitted by "#"
    ],
)
def test_the_pause_running_out_submits_what_was_typed(keys, submitted):
    buffer = DigitBuffer()
    for key in keys:
        buffer.press(key)
    assert buffer.submit() == submitted
    assert buffer.digits == ""
    assert buffer.submit() is None  # nothing typed since


def test_after_a_submission_the_next_entry_starts_empty():
    buffer = DigitBuffer(max_digits=3)
    assert [buffer.press(key) for key in "12#"] == [None, None, "12"]
    assert [buffer.press(key) for key in "456"] == [None, None, "456"]
    buffer.press("9")
    assert buffer.submit() == "9"
    assert [buffer.press(key) for key in "78#"] == [None, None, "78"]


def test_clear_forgets_what_was_typed():
    buffer = DigitBuffer()
    buffer.press("4")
    buffer.press("2")
    buffer.clear()
    assert buffer.digits == ""
    assert buffer.press("#") is None


@pytest.mark.parametrize("max_digits", [0, -1])
def test_a_buffer_must_accept_at_least_one_digit(max_digits):
    with pytest.raises(ValueError, match="max_digits"):
        DigitBuffer(max_digits)
