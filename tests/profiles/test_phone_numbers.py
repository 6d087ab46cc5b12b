import pytest
from django.core.exceptions import ValidationError

from profiles.phone_numbers import to_e164


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+15550100000", "+15550100000"),
        ("+1 (555) 010-0000", "+15550100000"),
        (" +1 555 010 0001 ", "+15550100001"),
        ("+34 600 12 34 56", "+34600123456"),
        ("+52 55 1234 5678", "+525512345678"),
    ],
)
def test_numbers_are_stored_in_e164(typed, stored):
    assert to_e164(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5550100000", "not in international format"),
        ("", "not in international format"),
        ("+1 555 0100", "missing digits"),
        ("+1 555 010 0000 999", "too long"),
        ("+999 1234567", "not a phone number"),
        ("+hello", "not a phone number"),
        ("client:alice", "not in international format"),
    ],
)
def test_bad_numbers_are_refused_saying_why(typed, message):
    with pytest.raises(ValidationError, match=message):
        to_e164(typed)
