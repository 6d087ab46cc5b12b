"""Every API endpoint, the schema and the docs are for staff: anonymous requests get 401,
logged-in users who are not staff get 403, and neither changes anything."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from calls.models import Call
from knowledge.models import Document, KnowledgeBase
from profiles.models import PhoneProfile
from tests.api.conftest import make_call

# (method, path with {placeholders}, body a member of staff sends, status staff get)
ENDPOINTS = [
    ("get", "/api/", None, 200),
    ("get", "/api/schema/", None, 200),
    ("get", "/api/docs/", None, 200),
    ("get", "/api/profiles/", None, 200),
    ("get", "/api/profiles/{profile}/", None, 200),
    ("put", "/api/profiles/{profile}/", {"number": "+15550100000", "name": "Renamed"}, 200),
    ("patch", "/api/profiles/{profile}/", {"name": "Renamed"}, 200),
    ("get", "/api/calls/", None, 200),
    ("get", "/api/calls/{call_sid}/", None, 200),
    ("get", "/api/knowledge-bases/", None, 200),
    ("post", "/api/knowledge-bases/", {"name": "Pizza place"}, 201),
    ("get", "/api/knowledge-bases/{knowledge_base}/", None, 200),
    ("put", "/api/knowledge-bases/{knowledge_base}/", {"name": "Clinic"}, 200),
    ("patch", "/api/knowledge-bases/{knowledge_base}/", {"description": "FAQ"}, 200),
    ("get", "/api/documents/", None, 200),
    (
        "post",
        "/api/documents/",
        {"knowledge_base": "{knowledge_base}", "title": "Parking", "source_text": "Free."},
        201,
    ),
    ("get", "/api/documents/{document}/", None, 200),
    ("delete", "/api/documents/{document}/", None, 204),
    ("post", "/api/documents/{document}/reingest/", None, 202),
    ("post", "/api/search/", {"question": "parking?", "knowledge_base": "{knowledge_base}"}, 200),
]
IDS = [f"{method.upper()} {path}" for method, path, _, _ in ENDPOINTS]


@pytest.fixture
def records(db, profile) -> dict[str, object]:
    """One of each thing the API serves, by the name its paths use."""
    knowledge_base = KnowledgeBase.objects.create(name="Bright Smile Dental")
    document = Document.objects.create(
        knowledge_base=knowledge_base, title="Hours", source_text="We open at eight."
    )
    call = make_call(profile, 1, said=("When do you open?",))
    return {
        "profile": profile.pk,
        "call_sid": call.call_sid,
        "knowledge_base": knowledge_base.pk,
        "document": document.pk,
    }


def send(client, method: str, path: str, body: dict | None, records: dict):
    url = path.format(**records)
    if body is None:
        return getattr(client, method)(url)
    body = {k: v.format(**records) if isinstance(v, str) else v for k, v in body.items()}
    return getattr(client, method)(url, body, format="json")


def snapshot() -> list:
    """Everything the API could change."""
    return [
        list(PhoneProfile.objects.values()),
        list(KnowledgeBase.objects.values()),
        list(Document.objects.values()),
        list(Call.objects.values()),
    ]


@pytest.mark.parametrize(("method", "path", "body", "_"), ENDPOINTS, ids=IDS)
def test_anonymous_requests_get_401_and_change_nothing(anonymous, records, method, path, body, _):
    before = snapshot()
    response = send(anonymous, method, path, body, records)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path", "body", "_"), ENDPOINTS, ids=IDS)
def test_users_who_are_not_staff_get_403_and_change_nothing(
    outsider, records, method, path, body, _
):
    before = snapshot()
    response = send(outsider, method, path, body, records)
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path", "body", "expected"), ENDPOINTS, ids=IDS)
def test_staff_are_served(staff, records, method, path, body, expected):
    response = send(staff, method, path, body, records)
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(("method", "path", "body", "expected"), ENDPOINTS, ids=IDS)
def test_a_staff_token_is_enough(anonymous, staff_user, records, method, path, body, expected):
    token = Token.objects.create(user=staff_user)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = send(anonymous, method, path, body, records)
    assert response.status_code == expected, response.content


def test_a_token_made_with_drf_create_token_works(anonymous, staff_user, records):
    output = StringIO()
    call_command("drf_create_token", staff_user.username, stdout=output)
    [key] = re.findall(r"\b[0-9a-f]{40}\b", output.getvalue())
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anonymous.get("/api/profiles/").status_code == 200


def test_a_session_write_needs_the_csrf_token_but_a_token_write_does_not(staff_user, db):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    response = browser.post("/api/knowledge-bases/", {"name": "Clinic"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not KnowledgeBase.objects.exists()

    integration = APIClient(enforce_csrf_checks=True)
    token = Token.objects.create(user=staff_user)
    integration.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = integration.post("/api/knowledge-bases/", {"name": "Clinic"}, format="json")
    assert response.status_code == 201


def test_a_token_of_a_user_who_is_not_staff_gets_403(anonymous, outsider_user, records):
    token = Token.objects.create(user=outsider_user)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert anonymous.get("/api/calls/").status_code == 403


def test_an_unknown_token_gets_401(anonymous, staff_user, records):
    Token.objects.create(user=staff_user)
    anonymous.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = anonymous.get("/api/calls/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_staff_member_who_lost_staff_status_is_refused(staff, staff_user, records):
    staff_user.is_staff = False
    staff_user.save()
    assert staff.get("/api/profiles/").status_code == 403


def test_every_endpoint_in_the_schema_has_a_permission_test():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "put", "patch", "post", "delete"}
    }
    tested = {
        (
            method,
            path.replace("{profile}", "{id}")
            .replace("{knowledge_base}", "{id}")
            .replace("{document}", "{id}"),
        )
        for method, path, _, _ in ENDPOINTS
    }
    assert documented <= tested, documented - tested


def test_a_logged_out_browser_is_sent_to_log_in_for_the_docs(client):
    response = client.get("/api/docs/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/docs/"
