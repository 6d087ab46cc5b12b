"""The OpenAPI schema describes every endpoint, and its docs work without internet access."""

import re

from django.core.management import call_command


def test_the_schema_lists_every_endpoint_with_its_bodies(staff):
    response = staff.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths) == {
        "/api/profiles/",
        "/api/profiles/{id}/",
        "/api/calls/",
        "/api/calls/{call_sid}/",
        "/api/knowledge-bases/",
        "/api/knowledge-bases/{id}/",
        "/api/documents/",
        "/api/documents/{id}/",
        "/api/documents/{id}/reingest/",
        "/api/search/",
    }
    upload = paths["/api/documents/"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["$ref"].endswith("/DocumentUploadRequest")
    search = paths["/api/search/"]["post"]
    assert search["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SearchRequestRequest"
    )
    assert search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SearchResult"
    )
    call_filters = {p["name"] for p in paths["/api/calls/"]["get"]["parameters"]}
    assert {"profile", "outcome", "simulated", "started_from", "started_to", "q"} <= call_filters
    components = schema["components"]
    assert "turns" in components["schemas"]["CallDetail"]["properties"]
    assert set(components["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_the_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_docs_load_their_scripts_from_our_own_static_files(staff):
    page = staff.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:<script src|<link rel="stylesheet" href)="([^"]+)"', page)
    assert len(assets) >= 3, page
    for src in assets:
        assert src.startswith("/static/"), src
        assert staff.get(src).status_code == 200, src
    assert "/api/schema/" in page
