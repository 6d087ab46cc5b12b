"""A staff user logs in with the demo account and finds the demo profile and documents."""

from django.core.management import call_command


def test_staff_log_in_and_see_the_demo_profile_and_documents(db, client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "front-desk-2026")
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    login = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "front-desk-2026", "next": "/admin/"},
    )
    assert login.status_code == 302 and login["Location"] == "/admin/"

    profiles = client.get("/admin/profiles/phoneprofile/").content.decode()
    assert "+15550100000" in profiles and "Bright Smile Dental" in profiles

    documents = client.get("/admin/knowledge/document/").content.decode()
    assert "Opening hours" in documents and "Insurance and payment" in documents
