"""The TwiML each situation gets, built from the call's profile and language.

No secret and no profile internals go into TwiML: only what Twilio needs to speak and listen,
and a signed session token for the relay.
"""

from calls import twilio
from calls.models import Call
from calls.phrases import phrase
from calls.session_tokens import GREETING_PARAMETER, PARAMETER_NAME, session_token_issue
from profiles.models import HandoffMenuOption, PhoneProfile, ProfileLanguage

RELAY_ACTION_PATH = "/twilio/relay-action/"
GATHER_PATH = "/twilio/gather/"


def call_language(call: Call, profile: PhoneProfile | None = None) -> str:
    profile = profile or call.profile
    return call.language or (profile.language if profile else "") or "en-US"


def _voice_settings(profile: PhoneProfile) -> dict[str, dict]:
    """Voice settings per language code, the primary language first; blanks inherit."""
    primary = {
        "tts_provider": profile.tts_provider,
        "voice": profile.voice or None,
        "transcription_provider": profile.transcription_provider,
        "speech_model": profile.speech_model or None,
    }
    settings = {profile.language: primary}
    for extra in profile.extra_languages.all():
        settings[extra.code] = {
            "tts_provider": extra.tts_provider or profile.tts_provider,
            "voice": extra.voice or None,
            "transcription_provider": extra.transcription_provider
            or profile.transcription_provider,
            "speech_model": extra.speech_model or None,
        }
    return settings


def _extra_language(profile: PhoneProfile, code: str) -> ProfileLanguage | None:
    return next((x for x in profile.extra_languages.all() if x.code == code), None)


def welcome_greeting(profile: PhoneProfile, language: str) -> str:
    if language == profile.language:
        return profile.welcome_greeting
    extra = _extra_language(profile, language)
    return extra.welcome_greeting if extra else ""


def relay_connect(*, profile: PhoneProfile, call: Call, greeting: str | None = None) -> str:
    """Connect the call to the assistant, in the call's current language.

    `greeting` replaces the profile's welcome greeting (for a reconnect, say); the assistant's
    own voice speaks it, unlike a <Say>.
    """
    voices = _voice_settings(profile)
    language = call_language(call, profile)
    if language not in voices:
        language = profile.language
    greeting = greeting if greeting is not None else welcome_greeting(profile, language)
    attributes = {
        "language": language,
        **voices[language],
        "welcome_greeting": greeting or None,
        "welcome_greeting_interruptible": profile.welcome_greeting_interruptible,
        "interruptible": profile.interruptible,
        "report_input_during_agent_speech": profile.report_input_during_agent_speech,
        "dtmf_detection": profile.dtmf_detection,
        "hints": profile.hints.strip() or None,
        # agentSpeaking on/off tells the relay when a goodbye has been heard.
        "events": "speaker-events",
    }
    languages = [{"code": code, **voice} for code, voice in voices.items() if code != language]
    token = session_token_issue(call_sid=call.call_sid, profile_id=profile.pk)
    return twilio.twiml_connect_relay(
        action_url=twilio.public_url(RELAY_ACTION_PATH),
        attributes=attributes,
        languages=languages,
        # The greeting comes back in `setup`, so the transcript starts with what was said.
        parameters={PARAMETER_NAME: token, **({GREETING_PARAMETER: greeting} if greeting else {})},
    )


def unknown_number() -> str:
    # The caller reached a number we do not serve: we know nothing of its language.
    return twilio.twiml_say_hangup(message=phrase("unknown_number", "en"), language="en-US")


def technical_trouble(language: str) -> str:
    return twilio.twiml_say_hangup(message=phrase("technical_trouble", language), language=language)


def goodbye(language: str) -> str:
    return twilio.twiml_say_hangup(message=phrase("goodbye", language), language=language)


def transfer_message(profile: PhoneProfile, language: str) -> str:
    if language == profile.language:
        custom = profile.transfer_message
    else:
        extra = _extra_language(profile, language)
        custom = extra.transfer_message if extra else ""
    return custom.strip() or phrase("transfer", language)


def dial(*, profile: PhoneProfile, call: Call, number: str, message: str) -> str:
    """Say `message`, then ring `number`; what happened comes back to the relay-action URL."""
    return twilio.twiml_say_dial(
        message=message,
        language=call_language(call, profile),
        number=number,
        caller_id=profile.number,
        timeout=profile.live_agent_timeout,
        action_url=twilio.public_url(f"{RELAY_ACTION_PATH}?after=dial"),
    )


def live_agent(*, profile: PhoneProfile, call: Call) -> str:
    """Transfer to the profile's live agent; with none, apologise and go on with the assistant."""
    language = call_language(call, profile)
    if not profile.live_agent_number:
        return relay_connect(profile=profile, call=call, greeting=phrase("no_live_agent", language))
    return dial(
        profile=profile,
        call=call,
        number=profile.live_agent_number,
        message=transfer_message(profile, language),
    )


def handoff_menu(
    *, call: Call, options: list[HandoffMenuOption], attempt: int, retry: bool = False
) -> str:
    language = call_language(call)
    lines = [phrase("menu_intro", language)]
    lines += [phrase("menu_option", language, label=o.label, digit=o.digit) for o in options]
    hints = {o.label for o in options} | {
        word.strip() for o in options for word in o.keywords.split(",") if word.strip()
    }
    return twilio.twiml_gather(
        prompt=" ".join(lines),
        language=language,
        action_url=twilio.public_url(f"{GATHER_PATH}?menu=handoff&attempt={attempt}"),
        hints=", ".join(sorted(hints)),
        lead_in=phrase("menu_retry", language) if retry else "",
    )


def after_dial_menu(*, call: Call, attempt: int, retry: bool = False) -> str:
    language = call_language(call)
    return twilio.twiml_gather(
        prompt=phrase("dial_no_answer", language),
        language=language,
        action_url=twilio.public_url(f"{GATHER_PATH}?menu=after-dial&attempt={attempt}"),
        hints=phrase("assistant_word", language),
        lead_in=phrase("menu_retry", language) if retry else "",
    )
