"""Workflow webhooks: POST what the caller gave to the business, signed, with a deadline.

The body is JSON: {"call_sid", "workflow", "step", "slots"}. With a secret, the request
carries `X-Voiceai-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`, the scheme
GitHub and Stripe use, so a receiver can check it with any HMAC library. A reply must be a
JSON object; anything else (an error status, a timeout, a body that is not a JSON object)
counts as a failure, which the workflow routes to its failure step.
"""

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import requests

from profiles.webhook_signing import SIGNATURE_HEADER, webhook_signature

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    data: dict[str, Any] | None = None
    error: str = ""  # why it failed, for the transcript


async def webhook_post(
    *, url: str, payload: dict[str, Any], secret: str, timeout_seconds: float, call_sid: str
) -> WebhookResult:
    """POST `payload` to `url`; never raises. Runs in a thread: the event loop stays free."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "voiceai-workflow/1"}
    if secret:
        headers[SIGNATURE_HEADER] = webhook_signature(secret, body)
    try:
        response = await asyncio.to_thread(
            requests.post, url, data=body, headers=headers, timeout=timeout_seconds
        )
    except requests.Timeout:
        logger.warning("call %s: webhook %s timed out after %ss", call_sid, url, timeout_seconds)
        return WebhookResult(False, error=f"no answer within {timeout_seconds:g} s")
    except requests.RequestException as exc:
        logger.warning("call %s: webhook %s failed: %s", call_sid, url, exc)
        return WebhookResult(False, error=f"could not reach it ({type(exc).__name__})")
    if not response.ok:
        logger.warning("call %s: webhook %s answered %s", call_sid, url, response.status_code)
        return WebhookResult(False, error=f"it answered HTTP {response.status_code}")
    try:
        data = response.json() if response.content else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        logger.warning("call %s: webhook %s did not answer a JSON object", call_sid, url)
        return WebhookResult(False, error="its answer was not a JSON object")
    return WebhookResult(True, data=data)
