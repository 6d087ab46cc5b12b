"""Every Twilio-facing endpoint refuses requests Twilio did not sign for our public URL."""

import pytest
from twilio.request_validator import RequestValidator

from calls.models import Call
from tests.calls.conftest import AUTH_TOKEN, PUBLIC
from tests.twilio_recordings import recorded_webhook

ENDPOINTS = ["/twilio/voice/", "/twilio/relay-action/", "/twilio/gather/", "/twilio/status/"]


@pytest.fixture
def voice_form(profile):
    return recorded_webhook("end-then-say-hangup", "/voice")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_request_without_a_signature_is_refused(
    client, twilio_settings, voice_form, path, caplog
):
    response = client.post(path, voice_form)
    assert response.status_code == 403
    assert voice_form["CallSid"] in caplog.text
    assert not Call.objects.exists()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_forged_signature_is_refused(client, twilio_settings, voice_form, path):
    forged = RequestValidator("not-the-auth-token").compute_signature(f"{PUBLIC}{path}", voice_form)
    response = client.post(path, voice_form, HTTP_X_TWILIO_SIGNATURE=forged)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_signature_over_another_url_is_refused(fake_twilio, voice_form, path):
    # Signed for the URL this process sees, not the public one Twilio requested.
    response = fake_twilio.post(path, voice_form, signed_url=f"http://testserver{path}")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_signature_over_other_parameters_is_refused(client, twilio_settings, voice_form, path):
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}{path}", voice_form)
    tampered = {**voice_form, "To": "+15550100077"}
    response = client.post(path, tampered, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403


def test_a_request_signed_for_the_public_url_validates_behind_a_proxy(fake_twilio, voice_form):
    # The server itself sees http://127.0.0.1:8000; Twilio signed https://public.example.
    response = fake_twilio.post(
        "/twilio/voice/", voice_form, SERVER_NAME="127.0.0.1", SERVER_PORT="8000"
    )
    assert response.status_code == 200
    assert b"<ConversationRelay" in response.content


def test_the_query_string_is_part_of_what_is_signed(fake_twilio, profile):
    form = recorded_webhook("busy-digits", "/gather")
    form["CallSid"] = "CA00000000000000000000000000000042"
    form["To"] = profile.number
    ok = fake_twilio.post("/twilio/gather/?menu=handoff&attempt=2", form)
    assert ok.status_code == 200
    wrong = fake_twilio.post(
        "/twilio/gather/?menu=handoff&attempt=2",
        form,
        signed_url=f"{PUBLIC}/twilio/gather/?menu=handoff&attempt=1",
    )
    assert wrong.status_code == 403


def test_webhooks_only_accept_post(fake_twilio):
    assert fake_twilio.client.get("/twilio/voice/").status_code == 405


def test_without_a_token_in_development_requests_are_not_checked(client, settings, profile):
    settings.TWILIO_AUTH_TOKEN = ""
    form = recorded_webhook("end-then-say-hangup", "/voice")
    assert client.post("/twilio/voice/", form).status_code == 200
