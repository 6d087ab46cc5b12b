"""What happens after the assistant: the relay session ended, a transfer rang, a menu answered.

Each function takes the call and what Twilio posted, records the outcome on the call, and
returns the TwiML that tells Twilio what to do next. None of them raises on bad input: a caller
always hears something sensible, never a Twilio application error.
"""

import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from calls import responses, twilio
from calls.models import Call, CallStatus
from calls.phrases import base_language, phrase
from calls.services import call_end, call_reconnect_claim
from profiles.models import HandoffMenuOption, MenuAction, PhoneProfile
from profiles.selectors import workflow_transfer_numbers

logger = logging.getLogger(__name__)

_WORKFLOW = {"workflow_transfer"}  # a workflow's transfer step: HandoffData names the number
MENU_ATTEMPTS = 3  # the menu is read once and repeated up to two times
MENUS = {"handoff", "after-dial"}


@dataclass(frozen=True)
class Reply:
    outcome: str  # what was decided, for the protocol log
    twiml: str


def relay_session_ended(*, call: Call, form: Mapping[str, str]) -> Reply:
    """Twilio's <Connect action> callback: the relay session is over; route the call on."""
    session_status = form.get("SessionStatus", "")
    call_status = form.get("CallStatus", "")
    profile = call.profile
    language = responses.call_language(call)

    if session_status == "completed":
        call_end(call=call, end_reason="completed", status=CallStatus.COMPLETED)
        return Reply("completed", twilio.twiml_empty())

    if session_status == "failed":
        still_up = call_status == CallStatus.IN_PROGRESS
        logger.warning(
            "call %s: relay session failed (%s %s), call %s",
            call.call_sid,
            form.get("ErrorCode", ""),
            form.get("ErrorMessage", ""),
            call_status or "status unknown",
        )
        if still_up and profile and call_reconnect_claim(call=call, limit=profile.reconnect_limit):
            greeting = phrase("reconnected", language)
            twiml = responses.relay_connect(profile=profile, call=call, greeting=greeting)
            return Reply(f"reconnect {call.reconnect_count}", twiml)
        call_end(call=call, end_reason="failed")
        if not still_up:
            return Reply("failed, call already over", twilio.twiml_empty())
        return Reply("failed, reconnects used up", responses.technical_trouble(language))

    if session_status != "ended":
        logger.error("call %s: unexpected SessionStatus %r", call.call_sid, session_status)
        call_end(call=call, end_reason="failed")
        return Reply(f"unexpected status {session_status!r}", responses.technical_trouble(language))

    handoff_data = _handoff_data(call, form.get("HandoffData"))
    reason = handoff_data.get("reasonCode") if handoff_data else None
    if profile is None or reason not in {"goodbye", "live_agent_request", "menu", *_WORKFLOW}:
        logger.error("call %s: cannot route HandoffData %r", call.call_sid, handoff_data)
        call_end(call=call, end_reason="handoff_data_invalid", handoff_data=handoff_data)
        return Reply("invalid handoff data", responses.technical_trouble(language))

    call_end(call=call, end_reason=reason, handoff_data=handoff_data)
    if reason == "goodbye":
        return Reply("goodbye", twilio.twiml_hangup())
    if reason in _WORKFLOW:
        number = handoff_data.get("number")
        # Only numbers staff configured in a transfer step: HandoffData is not a free dial.
        if number in workflow_transfer_numbers(profile_id=profile.pk):
            message = responses.transfer_message(profile, language)
            twiml = responses.dial(profile=profile, call=call, number=number, message=message)
            return Reply(f"workflow transfer to {number}", twiml)
        logger.error("call %s: workflow transfer to unknown number %r", call.call_sid, number)
    options = menu_options_for(profile, language)
    if options:
        return Reply("handoff menu", responses.handoff_menu(call=call, options=options, attempt=1))
    if reason == "menu":
        logger.warning("call %s: menu asked for, none configured: live agent", call.call_sid)
    return Reply("live agent", responses.live_agent(profile=profile, call=call))


def dial_finished(*, call: Call, form: Mapping[str, str]) -> Reply:
    """The <Dial> to a person ended: they talked, or nobody answered."""
    dial_status = form.get("DialCallStatus", "")
    if dial_status in {"completed", "answered"}:
        call_end(call=call, end_reason="transferred")
        return Reply("transferred", twilio.twiml_hangup())
    call_end(call=call, end_reason="transfer_unanswered")
    return Reply(
        f"transfer {dial_status or 'failed'}", responses.after_dial_menu(call=call, attempt=1)
    )


def menu_answered(*, call: Call, menu: str, attempt: int, digits: str, speech: str) -> Reply:
    """The caller pressed a key, said something, or nothing, at a menu."""
    profile = call.profile
    language = responses.call_language(call)
    if profile is None:
        return Reply("no profile", responses.technical_trouble(language))

    if menu == "after-dial":
        if digits == "1" or _mentions(speech, {phrase("assistant_word", x) for x in ("en", "es")}):
            greeting = phrase("back_to_assistant", language)
            twiml = responses.relay_connect(profile=profile, call=call, greeting=greeting)
            return Reply("back to assistant", twiml)
        return _retry_or_goodbye(
            call, attempt, lambda n: responses.after_dial_menu(call=call, attempt=n, retry=True)
        )

    options = menu_options_for(profile, language)
    choice = menu_choice(options, digits=digits, speech=speech)
    if choice is None:
        return _retry_or_goodbye(
            call,
            attempt,
            lambda n: responses.handoff_menu(call=call, options=options, attempt=n, retry=True),
        )
    outcome = f"menu {choice.digit} ({choice.action})"
    call_end(call=call, end_reason=f"menu_{choice.action}")
    if choice.action == MenuAction.DIAL:
        message = responses.transfer_message(profile, language)
        twiml = responses.dial(profile=profile, call=call, number=choice.number, message=message)
    elif choice.action == MenuAction.MESSAGE:
        twiml = twilio.twiml_say_hangup(message=choice.message, language=language)
    else:
        greeting = phrase("back_to_assistant", language)
        twiml = responses.relay_connect(profile=profile, call=call, greeting=greeting)
    return Reply(outcome, twiml)


def menu_options_for(profile: PhoneProfile, language: str) -> list[HandoffMenuOption]:
    """The options read to a caller in `language`: its own, then the all-language ones."""
    chosen: dict[str, HandoffMenuOption] = {}
    for option in profile.menu_options.all():
        if option.language and base_language(option.language) != base_language(language):
            continue
        if option.digit not in chosen or option.language:
            chosen[option.digit] = option
    return [chosen[digit] for digit in sorted(chosen)]


_DIGIT_WORDS = {
    word: str(digit)
    for digit, words in enumerate(
        [
            ("zero", "cero"),
            ("one", "uno", "una"),
            ("two", "dos"),
            ("three", "tres"),
            ("four", "cuatro"),
            ("five", "cinco"),
            ("six", "seis"),
            ("seven", "siete"),
            ("eight", "ocho"),
            ("nine", "nueve"),
        ]
    )
    for word in words
}


def menu_choice(
    options: list[HandoffMenuOption], *, digits: str, speech: str
) -> HandoffMenuOption | None:
    """The option a key press or spoken answer picks ("2", "two", "billing"), if any."""
    by_digit = {option.digit: option for option in options}
    if digits:
        return by_digit.get(digits[0])
    words = _words(speech)
    for word in words:
        digit = word if word.isdigit() else _DIGIT_WORDS.get(word)
        if digit and digit in by_digit:
            return by_digit[digit]
    for option in options:
        names = [option.label, *option.keywords.split(",")]
        if _mentions(speech, {name for name in names if name.strip()}):
            return option
    return None


def _retry_or_goodbye(call: Call, attempt: int, menu) -> Reply:
    if attempt < MENU_ATTEMPTS:
        return Reply(f"menu repeated ({attempt + 1})", menu(attempt + 1))
    call_end(call=call, end_reason="menu_no_choice")
    return Reply("menu goodbye", responses.goodbye(responses.call_language(call)))


def _handoff_data(call: Call, raw: str | None) -> dict | None:
    if not raw:
        logger.error("call %s: relay session ended without HandoffData", call.call_sid)
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        logger.error("call %s: HandoffData is not JSON: %.200r", call.call_sid, raw)
        return {"raw": raw[:2000]}
    return data if isinstance(data, dict) else {"raw": raw[:2000]}


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", plain)


def _mentions(speech: str, names: set[str]) -> bool:
    """Whether `speech` contains any of `names` as whole words (accents and case ignored)."""
    spoken = f" {' '.join(_words(speech))} "
    return any(f" {' '.join(_words(name))} " in spoken for name in names if _words(name))
