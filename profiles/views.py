"""The demo clinic's booking endpoint: the webhook its booking workflow calls.

It stands in for a real booking system: it checks the request's signature, records the
booking and answers with a reference the assistant reads to the caller.
"""

import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from profiles.demo import demo_booking_secret
from profiles.services import demo_booking_record
from profiles.workflows import SIGNATURE_HEADER, webhook_signature_is_valid

logger = logging.getLogger(__name__)


@csrf_exempt  # signed with HMAC instead: the caller is our own workflow, not a browser
@require_POST
def demo_booking(request: HttpRequest) -> JsonResponse:
    body = request.body
    if not webhook_signature_is_valid(
        demo_booking_secret(), body, request.headers.get(SIGNATURE_HEADER, "")
    ):
        logger.warning("demo booking refused: missing or invalid signature")
        return JsonResponse({"error": "invalid signature"}, status=403)
    try:
        payload = json.loads(body)
        slots = payload["slots"]
        if not isinstance(slots, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "expected a JSON object with slots"}, status=400)
    booking = demo_booking_record(call_sid=str(payload.get("call_sid", "")), slots=slots)
    logger.info("call %s: demo booking %s recorded", booking.call_sid or "-", booking.reference)
    return JsonResponse({"slots": {"booking_reference": booking.reference}})
