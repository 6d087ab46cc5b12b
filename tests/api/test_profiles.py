"""Staff read and update phone profiles through the API, validated as in the admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge.models import KnowledgeBase
from profiles.models import HandoffMenuOption, PhoneProfile, ProfileLanguage


def test_staff_read_a_profile_with_its_languages_menu_and_knowledge(staff, profile):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    profile.knowledge_bases.add(knowledge_base)
    HandoffMenuOption.objects.create(
        profile=profile, digit="1", label="billing", action="dial", number="+15550100098"
    )
    data = staff.get(f"/api/profiles/{profile.pk}/").json()
    assert data["number"] == "+15550100000"
    assert data["name"] == "Bright Smile Dental"
    assert data["knowledge_bases"] == [knowledge_base.pk]
    assert [language["code"] for language in data["extra_languages"]] == ["es-US"]
    assert data["menu_options"][0]["label"] == "billing"


def test_the_profile_list_costs_the_same_queries_for_one_profile_or_many(staff, profile):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/api/profiles/").status_code == 200
        return len(queries)

    one = count_queries()
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    for n in range(1, 6):
        other = PhoneProfile.objects.create(number=f"+1555010020{n}", name=f"Line {n}")
        other.knowledge_bases.add(knowledge_base)
        ProfileLanguage.objects.create(profile=other, code="es-MX")
    assert count_queries() == one
    assert staff.get("/api/profiles/").json()["count"] == 6


def test_staff_change_some_settings_and_the_rest_stays(staff, profile):
    knowledge_base = KnowledgeBase.objects.create(name="Clinic")
    response = staff.patch(
        f"/api/profiles/{profile.pk}/",
        {
            "welcome_greeting": "Hi there!",
            "temperature": 0.5,
            "knowledge_bases": [knowledge_base.pk],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["welcome_greeting"] == "Hi there!"
    profile.refresh_from_db()
    assert profile.welcome_greeting == "Hi there!"
    assert profile.temperature == 0.5
    assert list(profile.knowledge_bases.all()) == [knowledge_base]
    assert profile.name == "Bright Smile Dental"
    assert profile.live_agent_number == "+15550100099"


def test_a_number_typed_with_spaces_is_stored_in_international_form(staff, profile):
    response = staff.patch(
        f"/api/profiles/{profile.pk}/", {"live_agent_number": "+1 (555) 010-0123"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["live_agent_number"] == "+15550100123"
    profile.refresh_from_db()
    assert profile.live_agent_number == "+15550100123"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"number": "5550100000"}, "number", "is not in international format"),
        ({"live_agent_number": "+1555"}, "live_agent_number", "is not a valid phone number"),
        ({"language": "English"}, "language", "Enter a BCP-47 language code"),
        ({"temperature": 3}, "temperature", "less than or equal to 2"),
        ({"filler_delay_ms": 50}, "filler_delay_ms", "greater than or equal to 200"),
        ({"tts_provider": "Nobody"}, "tts_provider", "is not a valid choice"),
        ({"knowledge_bases": [999999]}, "knowledge_bases", "does not exist"),
    ],
    ids=["number", "agent number", "language", "temperature", "filler", "tts", "knowledge"],
)
def test_what_the_admin_refuses_the_api_refuses_with_the_reason(
    staff, profile, change, field, message
):
    before = PhoneProfile.objects.values().get(pk=profile.pk)
    response = staff.patch(f"/api/profiles/{profile.pk}/", change, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert PhoneProfile.objects.values().get(pk=profile.pk) == before


def test_a_number_another_profile_answers_is_refused(staff, profile):
    other = PhoneProfile.objects.create(number="+15550100200", name="Other line")
    response = staff.patch(
        f"/api/profiles/{other.pk}/", {"number": "+1 555 010 0000"}, format="json"
    )
    assert response.status_code == 400
    assert "already exists" in " ".join(response.json()["number"])
    other.refresh_from_db()
    assert other.number == "+15550100200"


def test_profiles_are_created_and_deleted_in_the_admin_not_the_api(staff, profile):
    assert (
        staff.post("/api/profiles/", {"number": "+15550100300", "name": "New"}).status_code == 405
    )
    assert staff.delete(f"/api/profiles/{profile.pk}/").status_code == 405
    assert PhoneProfile.objects.count() == 1
