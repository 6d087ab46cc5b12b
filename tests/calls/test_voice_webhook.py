"""A call comes in: the number's profile decides the ConversationRelay TwiML it gets."""

import pytest

from calls.models import Call, CallEvent
from calls.session_tokens import session_token_verify
from profiles.models import PhoneProfile
from tests.calls.conftest import AUTH_TOKEN, twiml
from tests.twilio_recordings import recorded_webhook, recorded_webhooks


@pytest.fixture
def voice_form(profile) -> dict:
    # The real form Twilio posted, to the profile's number.
    return recorded_webhook("end-then-say-hangup", "/voice")


def relay_of(document):
    connect = document.find("Connect")
    assert connect is not None, "no <Connect>"
    return connect, connect.find("ConversationRelay")


def test_the_twiml_connects_the_caller_to_the_relay_configured_by_the_profile(
    fake_twilio, profile, voice_form
):
    document = twiml(fake_twilio.post("/twilio/voice/", voice_form))
    connect, relay = relay_of(document)
    assert connect.get("action") == "https://public.example/twilio/relay-action/"
    assert relay.get("url") == "wss://public.example/ws/relay/"
    assert relay.attrib == {
        "url": "wss://public.example/ws/relay/",
        "welcomeGreeting": profile.welcome_greeting,
        "language": "en-US",
        "ttsProvider": "Google",
        "voice": "en-US-Journey-O",
        "transcriptionProvider": "Deepgram",
        "speechModel": "nova-3-general",
        "interruptible": "any",
        "welcomeGreetingInterruptible": "any",
        "reportInputDuringAgentSpeech": "none",
        "dtmfDetection": "true",
        "hints": "Bright Smile, Dr. Ruiz",
        "events": "speaker-events",
    }
    [spanish] = relay.findall("Language")
    assert spanish.attrib == {
        "code": "es-US",
        "ttsProvider": "Google",
        "voice": "es-US-Neural2-A",
        "transcriptionProvider": "Deepgram",
    }


def test_the_relay_gets_a_session_token_for_this_call_and_profile(fake_twilio, profile, voice_form):
    document = twiml(fake_twilio.post("/twilio/voice/", voice_form))
    parameters = {p.get("name"): p.get("value") for p in document.iter("Parameter")}
    assert set(parameters) == {"session", "greeting"}
    assert parameters["greeting"] == profile.welcome_greeting
    grant = session_token_verify(parameters["session"], call_sid=voice_form["CallSid"])
    assert grant.profile_id == profile.pk


def test_no_secret_or_profile_internals_reach_the_twiml(fake_twilio, profile, voice_form, settings):
    body = fake_twilio.post("/twilio/voice/", voice_form).content.decode()
    for secret in (
        AUTH_TOKEN,
        settings.SECRET_KEY,
        profile.system_instructions,
        profile.llm_model,
        profile.live_agent_number,
    ):
        assert secret not in body


def test_special_characters_in_the_greeting_survive(fake_twilio, profile, voice_form):
    profile.welcome_greeting = 'Hi & welcome to <Smile> "Dental" — it\'s ¡genial!'
    profile.save()
    _, relay = relay_of(twiml(fake_twilio.post("/twilio/voice/", voice_form)))
    assert relay.get("welcomeGreeting") == profile.welcome_greeting


def test_a_profile_without_greeting_or_voice_leaves_those_to_twilio(
    fake_twilio, profile, voice_form
):
    profile.welcome_greeting = ""
    profile.voice = ""
    profile.hints = ""
    profile.dtmf_detection = False
    profile.save()
    _, relay = relay_of(twiml(fake_twilio.post("/twilio/voice/", voice_form)))
    assert "welcomeGreeting" not in relay.attrib
    assert "voice" not in relay.attrib
    assert "hints" not in relay.attrib
    assert relay.get("dtmfDetection") == "false"


def test_a_call_already_in_spanish_reconnects_in_spanish(fake_twilio, profile, voice_form):
    fake_twilio.post("/twilio/voice/", voice_form)
    Call.objects.update(language="es-US")
    _, relay = relay_of(twiml(fake_twilio.post("/twilio/voice/", voice_form)))
    assert relay.get("language") == "es-US"
    assert relay.get("voice") == "es-US-Neural2-A"
    assert relay.get("welcomeGreeting") == "Hola, Bright Smile Dental."
    [english] = relay.findall("Language")
    assert english.get("code") == "en-US" and english.get("voice") == "en-US-Journey-O"


def test_the_call_is_recorded_once_even_when_twilio_retries(fake_twilio, profile, voice_form):
    first = fake_twilio.post("/twilio/voice/", voice_form)
    retry = fake_twilio.post("/twilio/voice/", voice_form)
    assert first.status_code == retry.status_code == 200
    call = Call.objects.get()
    assert call.call_sid == voice_form["CallSid"]
    assert call.profile == profile
    assert call.from_number == "+15550100001" and call.to_number == profile.number
    assert call.direction == "inbound" and call.status == "ringing"
    assert call.language == "en-US"


def test_numbers_are_matched_in_e164_whatever_the_form_says(fake_twilio, profile, voice_form):
    voice_form["To"] = "+1 (555) 010-0001"
    voice_form["From"] = "client:alice"
    _, relay = relay_of(twiml(fake_twilio.post("/twilio/voice/", voice_form)))
    assert relay is not None
    call = Call.objects.get()
    assert call.to_number == profile.number
    assert call.from_number == "client:alice"


@pytest.mark.parametrize("inactive", [False, True])
def test_an_unknown_or_inactive_number_gets_a_polite_goodbye(
    fake_twilio, profile, voice_form, inactive, caplog
):
    if inactive:
        PhoneProfile.objects.update(is_active=False)
    else:
        voice_form["To"] = "+15550100077"
    document = twiml(fake_twilio.post("/twilio/voice/", voice_form))
    assert [child.tag for child in document] == ["Say", "Hangup"]
    assert "not in service" in document.find("Say").text
    assert document.find("Say").get("language") == "en-US"
    call = Call.objects.get()
    assert call.profile is None
    assert call.end_reason == "unknown_number"
    assert voice_form["CallSid"] in caplog.text


def test_the_exchange_is_logged_without_the_session_token(fake_twilio, profile, voice_form):
    response = fake_twilio.post("/twilio/voice/", voice_form)
    token = next(twiml(response).iter("Parameter")).get("value")
    webhook, reply = CallEvent.objects.order_by("id")
    assert (webhook.direction, webhook.type) == ("in", "webhook.voice")
    assert webhook.payload["CallSid"] == voice_form["CallSid"]
    assert (reply.direction, reply.type) == ("out", "twiml")
    assert reply.payload["outcome"] == "relay"
    assert token not in reply.payload["twiml"] and "[redacted]" in reply.payload["twiml"]


def test_every_recorded_voice_webhook_is_answered(fake_twilio, profile):
    forms = recorded_webhooks("/voice")
    assert len(forms) >= 10
    for recording, form in forms:
        form = {**form, "To": profile.number}
        document = twiml(fake_twilio.post("/twilio/voice/", form))
        assert document.find("Connect/ConversationRelay") is not None, recording


def test_a_malformed_call_is_answered_with_an_apology_not_an_error(
    fake_twilio, profile, voice_form
):
    voice_form["CallSid"] = "CA" + "0" * 200  # longer than any real CallSid
    document = twiml(fake_twilio.post("/twilio/voice/", voice_form))
    assert [child.tag for child in document] == ["Say", "Hangup"]
    assert "technical trouble" in document.find("Say").text


def test_a_request_without_a_call_sid_is_a_bad_request(fake_twilio, profile, voice_form):
    del voice_form["CallSid"]
    assert fake_twilio.post("/twilio/voice/", voice_form).status_code == 400
