"""Fixtures for the Twilio-facing tests: a signing Twilio, a profile, its calls."""

from dataclasses import dataclass
from xml.etree import ElementTree

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from profiles.models import PhoneProfile, ProfileLanguage

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://public.example"


@dataclass
class FakeTwilio:
    """Posts webhooks the way Twilio does: form-encoded, signed over the public URL."""

    client: Client

    def post(self, path: str, form: dict, *, signed_url: str | None = None, **extra):
        url = signed_url or f"{PUBLIC}{path}"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        return self.client.post(path, form, HTTP_X_TWILIO_SIGNATURE=signature, **extra)


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "public.example"]
    return settings


@pytest.fixture
def fake_twilio(client, twilio_settings) -> FakeTwilio:
    return FakeTwilio(client)


@pytest.fixture
def profile(db) -> PhoneProfile:
    profile = PhoneProfile.objects.create(
        number="+15550100001",
        name="Bright Smile Dental",
        assistant_name="Ava",
        language="en-US",
        tts_provider="Google",
        voice="en-US-Journey-O",
        transcription_provider="Deepgram",
        speech_model="nova-3-general",
        welcome_greeting="Hello, Bright Smile Dental. How can I help?",
        hints="Bright Smile, Dr. Ruiz",
        system_instructions="SECRET-INSTRUCTIONS-never-in-twiml",
        llm_model="gpt-secret-model",
        live_agent_number="+15550100099",
        transfer_message="Connecting you to the front desk.",
    )
    ProfileLanguage.objects.create(
        profile=profile,
        code="es-US",
        tts_provider="Google",
        voice="es-US-Neural2-A",
        welcome_greeting="Hola, Bright Smile Dental.",
        transfer_message="Le comunico con recepción.",
    )
    return profile


@pytest.fixture
def staff_cookie(staff_user) -> bytes:
    """The session cookie of a logged-in staff member, for browser WebSockets."""
    client = Client()
    client.force_login(staff_user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def outsider_cookie(outsider_user) -> bytes:
    client = Client()
    client.force_login(outsider_user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def twiml(response) -> ElementTree.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def spoken(document: ElementTree.Element) -> str:
    return " ".join(say.text or "" for say in document.iter("Say"))
