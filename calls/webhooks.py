"""Workflow webhooks: POST what the caller gave to the business, signed, with a deadline.

The engine (`profiles.workflows.WebhookCall`) builds the request: a JSON body {"workflow",
"workflow_id", "step", "slots", "call_sid"} and, with a secret, `X-Voiceai-Signature:
sha256=<hex HMAC-SHA256 of the exact body bytes>` (the scheme GitHub and Stripe use). This
module sends it. A reply must be a JSON object; anything else (an error status, a timeout, a
body that is not a JSON object) is a failure, which the workflow routes to its failure step.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import requests

from profiles.workflows import WebhookCall

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    data: dict[str, Any] | None = None
    error: str = ""  # why it failed, for the transcript


async def webhook_post(*, hook: WebhookCall, call_sid: str) -> WebhookResult:
    """Send `hook`; never raises. Runs in a thread: the event loop stays free."""
    url, timeout_seconds = hook.url, hook.timeout_seconds
    body = hook.body()
    headers = {**hook.headers(), "User-Agent": "voiceai-workflow/1"}
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
