"""Formatting for the staff call pages: durations, outcomes, interrupted answers, JSON."""

import json
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.text import capfirst

from calls.models import Call, CallOutcome
from calls.session_tokens import PARAMETER_NAME as SESSION_PARAMETER

register = template.Library()

REDACTED = "[redacted]"


@register.filter
def call_duration(call: Call) -> str:
    """`m:ss` (or `h:mm:ss`): Twilio's duration when it sent one, else start to end; empty
    while the call is in progress."""
    seconds = call.duration_seconds
    if seconds is None and call.ended_at is not None:
        seconds = max(0, round((call.ended_at - call.started_at).total_seconds()))
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


@register.filter
def outcome_label(value: str) -> str:
    """`Transferred`, `In progress`…"""
    try:
        label = CallOutcome(value).label
    except ValueError:
        label = value
    return capfirst(label)


@register.filter
def unspoken(turn) -> str:
    """What an interrupted answer generated but the caller did not hear: the rest of its text
    after the heard prefix, or all of it when what was heard is not a prefix (Twilio may
    normalise what it reports)."""
    heard, text = turn.text_heard or "", turn.text or ""
    if text.startswith(heard):
        return text[len(heard) :]
    return text


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON for people to read (escaped by the template like any other text)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _redacted(value: Any, *, in_parameters: bool = False) -> Any:
    """`value` without credentials: the relay session token (setup's customParameters) and the
    CallToken of Twilio's webhook forms are kept as stored, but never shown."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if key == "CallToken" or (in_parameters and key == SESSION_PARAMETER)
            else _redacted(item, in_parameters=key == "customParameters")
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


@register.filter
def protocol_payload(value: Any) -> str:
    """A protocol message for the log: one line of JSON, as it travelled, credentials hidden
    (a text payload stays as it is)."""
    if isinstance(value, str):
        return value
    return json.dumps(_redacted(value), ensure_ascii=False, default=str)


@register.filter
def clock_ms(value: datetime | None) -> str:
    """`HH:MM:SS.mmm` in the current time zone: protocol messages come milliseconds apart."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%H:%M:%S}.{local.microsecond // 1000:03}"
