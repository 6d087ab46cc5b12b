"""The demo clinic's booking endpoint: signed requests only, each booking recorded."""

import json

import pytest

from profiles.demo import demo_booking_secret
from profiles.models import DemoBooking
from profiles.workflows import webhook_signature

pytestmark = pytest.mark.django_db

URL = "/demo/bookings/"
SLOTS = {"name": "Ana Ruiz", "birth_date": "19900412", "day": "2026-12-01", "time": "15:00"}


def post(client, body: bytes, signature: str | None):
    headers = {"HTTP_X_VOICEAI_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_signed_booking_is_recorded_and_gets_a_reference(client):
    body = json.dumps({"call_sid": "CA1", "workflow": "Book", "slots": SLOTS}).encode()
    response = post(client, body, webhook_signature(demo_booking_secret(), body))
    assert response.status_code == 200
    booking = DemoBooking.objects.get()
    assert response.json() == {"slots": {"booking_reference": booking.reference}}
    assert booking.reference.startswith("BSD-")
    assert booking.name == "Ana Ruiz" and booking.slots == SLOTS and booking.call_sid == "CA1"


@pytest.mark.parametrize("signature", [None, "sha256=forged", "wrong"])
def test_an_unsigned_or_forged_request_is_refused(client, signature):
    body = json.dumps({"slots": SLOTS}).encode()
    assert post(client, body, signature).status_code == 403
    assert not DemoBooking.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"slots": "x"}', b"{}"])
def test_a_malformed_booking_gets_a_clear_400(client, body):
    response = post(client, body, webhook_signature(demo_booking_secret(), body))
    assert response.status_code == 400
    assert response.json() == {"error": "expected a JSON object with slots"}
    assert not DemoBooking.objects.exists()


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405
