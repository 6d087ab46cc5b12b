"""Twilio's webhooks: check the signature, find the call, delegate, answer with TwiML."""

import logging
import re
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls import handoff, responses, twilio
from calls.models import Call, EventDirection
from calls.services import call_end, call_event_record, call_start, call_status_update
from calls.session_tokens import PARAMETER_NAME
from profiles.phone_numbers import to_e164
from profiles.selectors import profile_active_for_number

logger = logging.getLogger(__name__)

_SESSION_PARAMETER = re.compile(rf'(<Parameter name="{PARAMETER_NAME}" value=")[^"]*(")')


def _twiml(document: str) -> HttpResponse:
    return HttpResponse(document, content_type="text/xml; charset=utf-8")


def twilio_webhook(view: Callable[[HttpRequest, Call], HttpResponse]) -> Callable:
    """Refuse requests Twilio did not sign (403), find the call, never answer with a 500.

    The signature covers the public URL Twilio requested (PUBLIC_BASE_URL + path + query), not
    the URL this process sees behind a proxy. The view gets the request and its Call.
    """

    @csrf_exempt
    @require_POST
    @wraps(view)
    def checked_view(request: HttpRequest) -> HttpResponse:
        call_sid = request.POST.get("CallSid", "") or "-"
        if twilio.signature_checks_enabled() and not twilio.signature_is_valid(
            url=twilio.public_url(request.get_full_path()),
            params=request.POST,
            signature=request.headers.get("X-Twilio-Signature", ""),
        ):
            logger.warning(
                "call %s: refused %s: missing or invalid Twilio signature", call_sid, request.path
            )
            return HttpResponseForbidden("Invalid Twilio signature.")
        try:
            call = _call_for(request.POST)
            if call is None:
                return HttpResponseBadRequest("CallSid is required.")
            return view(request, call)
        except Exception:
            logger.exception(
                "call %s: %s failed; the caller hears an apology", call_sid, request.path
            )
            return _twiml(responses.technical_trouble("en-US"))

    return checked_view


def _number_or_raw(raw: str) -> str:
    """E.164 when it is a phone number; `client:…`, SIP and `anonymous` callers stay as sent."""
    try:
        return to_e164(raw)
    except ValidationError:
        return raw.strip()[:64]


def _call_for(form) -> Call | None:
    """The call this webhook is about, created if an earlier webhook never recorded it."""
    call_sid = form.get("CallSid", "").strip()
    if not call_sid:
        return None
    to_number = _number_or_raw(form.get("To", ""))
    profile = profile_active_for_number(number=to_number) if to_number.startswith("+") else None
    call = call_start(
        call_sid=call_sid,
        account_sid=form.get("AccountSid", ""),
        profile=profile,
        from_number=_number_or_raw(form.get("From", "")),
        to_number=to_number,
        direction=form.get("Direction", ""),
        status=form.get("CallStatus", "") or "ringing",
    )
    if profile is not None and call.profile_id == profile.pk:
        call.profile = profile  # the copy with its languages and menu prefetched
    return call


def _log_exchange(call: Call, webhook: str, form, outcome: str, twiml: str) -> None:
    call_event_record(
        call=call, direction=EventDirection.IN, type=f"webhook.{webhook}", payload=form.dict()
    )
    # The session token is a credential: the log keeps that one was sent, not its value.
    redacted = _SESSION_PARAMETER.sub(r"\1[redacted]\2", twiml)
    call_event_record(
        call=call,
        direction=EventDirection.OUT,
        type="twiml",
        payload={"outcome": outcome, "twiml": redacted},
    )


@twilio_webhook
def voice(request: HttpRequest, call: Call) -> HttpResponse:
    """A call comes in: connect it to the assistant of the number's profile."""
    if call.profile is None or not call.profile.is_active:
        logger.warning(
            "call %s: no active profile for %s; apologising", call.call_sid, call.to_number
        )
        call_end(call=call, end_reason="unknown_number")
        outcome, twiml = "unknown number", responses.unknown_number()
    else:
        outcome, twiml = "relay", responses.relay_connect(profile=call.profile, call=call)
    _log_exchange(call, "voice", request.POST, outcome, twiml)
    return _twiml(twiml)


@twilio_webhook
def relay_action(request: HttpRequest, call: Call) -> HttpResponse:
    """The relay session ended (or, with ?after=dial, a transfer ended): what next."""
    if request.GET.get("after") == "dial":
        webhook, reply = "dial-result", handoff.dial_finished(call=call, form=request.POST)
    else:
        webhook, reply = "relay-action", handoff.relay_session_ended(call=call, form=request.POST)
    _log_exchange(call, webhook, request.POST, reply.outcome, reply.twiml)
    return _twiml(reply.twiml)


@twilio_webhook
def gather(request: HttpRequest, call: Call) -> HttpResponse:
    """The caller answered (or did not answer) a menu."""
    menu = request.GET.get("menu", "handoff")
    if menu not in handoff.MENUS:
        menu = "handoff"
    try:
        attempt = min(max(int(request.GET.get("attempt", "1")), 1), handoff.MENU_ATTEMPTS)
    except ValueError:
        attempt = 1
    reply = handoff.menu_answered(
        call=call,
        menu=menu,
        attempt=attempt,
        digits=request.POST.get("Digits", "").strip(),
        speech=request.POST.get("SpeechResult", ""),
    )
    _log_exchange(call, "gather", request.POST, reply.outcome, reply.twiml)
    return _twiml(reply.twiml)


@twilio_webhook
def status(request: HttpRequest, call: Call) -> HttpResponse:
    """Twilio's call status callback: record the status and, at the end, the duration."""
    raw_duration = request.POST.get("CallDuration", "")
    duration = int(raw_duration) if raw_duration.isdigit() else None
    call_status_update(
        call=call, status=request.POST.get("CallStatus", ""), duration_seconds=duration
    )
    call_event_record(
        call=call, direction=EventDirection.IN, type="webhook.status", payload=request.POST.dict()
    )
    return _twiml(twilio.twiml_empty())
