"""Twilio, behind one module: request signatures and TwiML documents (twilio library only).

Nothing else imports `twilio`. Builders take plain values and return the TwiML text; deciding
*which* document a call gets lives in `calls.responses`.
"""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse


@lru_cache(maxsize=2)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def signature_checks_enabled() -> bool:
    # Settings refuse to start without a token unless DEBUG is on (then a warning is logged).
    return bool(settings.TWILIO_AUTH_TOKEN)


def signature_is_valid(*, url: str, params: Mapping[str, Any], signature: str) -> bool:
    """Twilio's X-Twilio-Signature over `url` and the form `params` (a QueryDict, or {})."""
    if not signature:
        return False
    return _validator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)


def signature_for(*, url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send (for simulate_call); "" without a token."""
    if not settings.TWILIO_AUTH_TOKEN:
        return ""
    return _validator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)


def public_url(path: str) -> str:
    """The URL Twilio uses for `path` (with any query string): what its signature covers."""
    return settings.PUBLIC_BASE_URL + path


def relay_websocket_url() -> str:
    """The relay WebSocket's URL: PUBLIC_BASE_URL's wss:// form (ws:// for local http)."""
    base = settings.PUBLIC_BASE_URL
    scheme, rest = base.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/relay/"


def _document(response: VoiceResponse) -> str:
    return str(response)


def twiml_empty() -> str:
    return _document(VoiceResponse())


def twiml_hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return _document(response)


def twiml_say_hangup(*, message: str, language: str) -> str:
    response = VoiceResponse()
    response.say(message, language=language)
    response.hangup()
    return _document(response)


def twiml_connect_relay(
    *,
    action_url: str,
    attributes: Mapping[str, Any],
    languages: list[Mapping[str, Any]],
    parameters: Mapping[str, str],
    say_first: tuple[str, str] | None = None,
) -> str:
    """<Connect action><ConversationRelay url …><Language …/><Parameter …/></…></Connect>.

    `attributes` use the library's snake_case names; None values are left out by the library.
    `say_first` is an optional (message, language) spoken before connecting.
    """
    response = VoiceResponse()
    if say_first:
        response.say(say_first[0], language=say_first[1])
    connect = response.connect(action=action_url, method="POST")
    relay = connect.conversation_relay(url=relay_websocket_url(), **attributes)
    for language in languages:
        relay.language(**language)
    for name, value in parameters.items():
        relay.parameter(name=name, value=value)
    return _document(response)


def twiml_say_dial(
    *,
    message: str,
    language: str,
    number: str,
    caller_id: str,
    timeout: int,
    action_url: str,
) -> str:
    response = VoiceResponse()
    if message:
        response.say(message, language=language)
    dial = response.dial(caller_id=caller_id, timeout=timeout, action=action_url, method="POST")
    dial.number(number)
    return _document(response)


def twiml_gather(
    *,
    prompt: str,
    language: str,
    action_url: str,
    hints: str = "",
    lead_in: str = "",
) -> str:
    """Ask for one key or a few words; Twilio posts the result, or nothing, to `action_url`."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf speech",
        action=action_url,
        method="POST",
        num_digits=1,
        timeout=6,
        speech_timeout="auto",
        language=language,
        hints=hints or None,
        action_on_empty_result=True,
    )
    if lead_in:
        gather.say(lead_in, language=language)
    gather.say(prompt, language=language)
    return _document(response)
