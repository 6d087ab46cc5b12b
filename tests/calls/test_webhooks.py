"""Workflow webhooks against a real HTTP server: signed JSON out, a JSON object back."""

import json

import pytest

from calls.webhooks import webhook_post
from profiles.workflows import WebhookCall, webhook_signature

pytestmark = pytest.mark.asyncio

SLOTS = {"name": "Ana Ruiz", "day": "2026-12-01", "time": "15:00"}


async def post(server, *, secret="s3cret", timeout=2.0):
    hook = WebhookCall(
        url=server.url,
        secret=secret,
        timeout_seconds=timeout,
        payload={"call_sid": "CA1", "workflow": "Booking", "slots": SLOTS},
    )
    return await webhook_post(hook=hook, call_sid="CA1")


async def test_the_slots_arrive_as_json_signed_with_the_secret(webhook_server):
    result = await post(webhook_server)
    assert result.ok
    assert result.data == {"slots": {"booking_reference": "R-1"}}
    request = webhook_server.received[-1]
    assert request.json()["slots"] == SLOTS
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Voiceai-Signature"] == webhook_signature("s3cret", request.body)
    assert request.headers["X-Voiceai-Signature"] != webhook_signature("other", request.body)


async def test_without_a_secret_nothing_is_signed(webhook_server):
    await post(webhook_server, secret="")
    assert "X-Voiceai-Signature" not in webhook_server.received[-1].headers


async def test_a_slow_webhook_fails_at_its_timeout(webhook_server):
    webhook_server.reset(delay=1.5)
    result = await post(webhook_server, timeout=0.5)
    assert not result.ok
    assert result.error == "no answer within 0.5 s"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 500}, "it answered HTTP 500"),
        ({"raw_body": b"<html>oops</html>"}, "its answer was not a JSON object"),
        ({"json_body": ["a", "list"]}, "its answer was not a JSON object"),
    ],
)
async def test_an_error_or_a_reply_that_is_not_a_json_object_is_a_failure(
    webhook_server, answer, error
):
    webhook_server.reset(**answer)
    result = await post(webhook_server)
    assert not result.ok and result.data is None
    assert result.error == error


async def test_an_unreachable_webhook_is_a_failure():
    hook = WebhookCall(url="http://127.0.0.1:9/nothing", secret="", timeout_seconds=1, payload={})
    result = await webhook_post(hook=hook, call_sid="CA1")
    assert not result.ok
    assert "could not reach it" in result.error
    json.dumps(result.error)  # safe to record in the transcript
