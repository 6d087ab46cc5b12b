"""Staff edit phone profiles in the admin; a bad number never reaches the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from profiles.models import PhoneProfile


def profile_form(**overrides) -> dict:
    data = {
        "number": "+15550100007",
        "name": "Harbor Vet",
        "assistant_name": "Ava",
        "is_active": "on",
        "language": "en-US",
        "tts_provider": "Google",
        "voice": "",
        "transcription_provider": "Deepgram",
        "speech_model": "",
        "welcome_greeting": 'Hello & welcome to <Harbor> "Vet"!',
        "interruptible": "any",
        "welcome_greeting_interruptible": "any",
        "report_input_during_agent_speech": "none",
        "dtmf_detection": "on",
        "hints": "",
        "system_instructions": "",
        "llm_model": "gpt-4o-mini",
        "temperature": "0.3",
        "max_tokens": "300",
        "fallback_llm_model": "",
        "filler_delay_ms": "1000",
        "use_knowledge": "on",
        "use_intent_rules": "on",
        "live_agent_number": "",
        "transfer_message": "Please hold.",
        "live_agent_timeout": "20",
        "reconnect_limit": "1",
        "menu_options-TOTAL_FORMS": "0",
        "menu_options-INITIAL_FORMS": "0",
        "menu_options-MIN_NUM_FORMS": "0",
        "menu_options-MAX_NUM_FORMS": "1000",
        "extra_languages-TOTAL_FORMS": "0",
        "extra_languages-INITIAL_FORMS": "0",
        "extra_languages-MIN_NUM_FORMS": "0",
        "extra_languages-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_staff_add_a_profile_typed_as_people_write_numbers(staff_client):
    response = staff_client.post(
        "/admin/profiles/phoneprofile/add/",
        profile_form(number="+1 (555) 010-0007", live_agent_number="+1 555 010 0099"),
    )
    assert response.status_code == 302, response.context["adminform"].errors
    profile = PhoneProfile.objects.get()
    assert profile.number == "+15550100007"
    assert profile.live_agent_number == "+15550100099"
    assert profile.welcome_greeting == 'Hello & welcome to <Harbor> "Vet"!'


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("555-0100", "is not in international format"),
        ("+1 555 0100", "is not a valid phone number"),
        ("+1 555 010 0000 1234 99", "is not a valid phone number"),
    ],
)
def test_a_profile_with_an_invalid_number_is_refused_with_a_clear_error(
    staff_client, number, message
):
    response = staff_client.post("/admin/profiles/phoneprofile/add/", profile_form(number=number))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PhoneProfile.objects.exists()


def test_two_profiles_cannot_share_a_number(staff_client):
    staff_client.post("/admin/profiles/phoneprofile/add/", profile_form())
    response = staff_client.post(
        "/admin/profiles/phoneprofile/add/", profile_form(number="+1 555 010 0007", name="Dup")
    )
    assert response.status_code == 200
    assert "Phone profile with this Number already exists." in response.content.decode()
    assert PhoneProfile.objects.count() == 1


def test_code_that_skips_the_form_cannot_store_a_bad_number_either(db):
    with pytest.raises(ValidationError, match="not in international format"), transaction.atomic():
        PhoneProfile.objects.create(number="555 0100", name="Bypass")
    assert PhoneProfile.objects.create(number="+1 555 010 0003", name="Ok").number == (
        "+15550100003"
    )


def test_the_database_itself_refuses_a_number_that_is_not_e164(db):
    profile = PhoneProfile.objects.create(number="+15550100003", name="Ok")
    with (
        pytest.raises(IntegrityError, match="profile_number_e164"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE profiles_phoneprofile SET number = '555 0100' WHERE id = %s", [profile.pk]
        )


def test_an_extra_language_cannot_repeat_the_primary_one(staff_client):
    data = profile_form(
        **{
            "extra_languages-TOTAL_FORMS": "1",
            "extra_languages-0-code": "en-US",
            "extra_languages-0-tts_provider": "",
            "extra_languages-0-voice": "",
            "extra_languages-0-transcription_provider": "",
            "extra_languages-0-speech_model": "",
            "extra_languages-0-welcome_greeting": "",
        }
    )
    response = staff_client.post("/admin/profiles/phoneprofile/add/", data)
    assert response.status_code == 200
    assert "already the profile&#x27;s primary language" in response.content.decode()


def test_outsiders_cannot_open_the_profile_admin(client, outsider_user):
    client.force_login(outsider_user)
    response = client.get("/admin/profiles/phoneprofile/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def menu_option(index: int, **fields) -> dict:
    option = {"digit": "1", "language": "", "label": "", "keywords": "", "action": "dial"}
    option.update({"number": "", "message": ""}, **fields)
    return {f"menu_options-{index}-{name}": value for name, value in option.items()}


def test_staff_build_a_handoff_menu(staff_client):
    data = profile_form(
        **{"menu_options-TOTAL_FORMS": "2"},
        **menu_option(0, digit="1", label="appointments", number="+1 555 010 0098"),
        **menu_option(1, digit="2", label="billing", action="message", message="Email us."),
    )
    response = staff_client.post("/admin/profiles/phoneprofile/add/", data)
    assert response.status_code == 302
    options = PhoneProfile.objects.get().menu_options.all()
    assert [(o.digit, o.action, o.number) for o in options] == [
        ("1", "dial", "+15550100098"),
        ("2", "message", ""),
    ]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"label": "front desk", "action": "dial"}, "A transfer needs the number to dial."),
        ({"label": "hours", "action": "message"}, "Write the message the caller will hear."),
        ({"label": "x", "digit": "#", "action": "assistant"}, "Use one digit, 0 to 9."),
    ],
)
def test_an_incomplete_menu_option_is_refused(staff_client, option, message):
    data = profile_form(**{"menu_options-TOTAL_FORMS": "1"}, **menu_option(0, **option))
    response = staff_client.post("/admin/profiles/phoneprofile/add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PhoneProfile.objects.exists()
