"""The signature on workflow webhooks: `X-Voiceai-Signature: sha256=<hex HMAC-SHA256(body)>`.

The scheme GitHub and Stripe use, so a receiver can check it with any HMAC library. Used by
the sender (`calls.webhooks`) and by the demo's own booking endpoint.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Voiceai-Signature"


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    return bool(secret) and hmac.compare_digest(webhook_signature(secret, body), header or "")
