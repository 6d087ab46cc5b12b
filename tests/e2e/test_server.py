"""The real server, started as users start it: Daphne, and `make run` itself."""

import re
import shutil

import pytest
import requests

from tests.e2e.conftest import (
    admin_login,
    daphne_command,
    free_port,
    running,
    scratch_database,
    subprocess_env,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def served_database(django_db_blocker):
    """A migrated scratch database for a server process (the test database is per-transaction)."""
    with django_db_blocker.unblock(), scratch_database() as url:
        yield url


def test_daphne_serves_the_admin_its_styles_and_the_probes(served_database):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = subprocess_env(DATABASE_URL=served_database)
    with running(daphne_command(port), env=env, ready_url=f"{base}/healthz"):
        # Not migrated: the database answers anyway, so the server is ready.
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["checks"]["database"] == {"ok": True}

        login_page = requests.get(f"{base}/admin/login/", timeout=10)
        assert login_page.status_code == 200
        stylesheet = re.search(r'href="(/static/admin/css/[^"]+\.css)"', login_page.text)
        assert stylesheet, login_page.text
        css = requests.get(f"{base}{stylesheet.group(1)}", timeout=10)
        assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]


def test_readyz_fails_with_a_clear_message_when_the_database_is_unreachable():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = subprocess_env(DATABASE_URL=f"postgresql://voiceai@127.0.0.1:{free_port()}/voiceai")
    with running(daphne_command(port), env=env, ready_url=f"{base}/healthz"):
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        response = requests.get(f"{base}/readyz", timeout=20)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"].startswith("the database did not answer:")
    assert "Connection refused" in body["checks"]["database"]["error"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_migrates_seeds_and_serves_the_demo(served_database):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = subprocess_env(
        DATABASE_URL=served_database, DJANGO_SUPERUSER_PASSWORD="make-run-e2e-password"
    )
    with running(
        ["make", "run", f"PORT={port}"], env=env, ready_url=f"{base}/healthz", timeout=300
    ) as log:
        assert requests.get(f"{base}/readyz", timeout=10).json()["status"] == "ok"
        output = log.read_text()
        assert "Staff login: admin" in output
        assert f"http://127.0.0.1:{port}/admin/" in output

        session = requests.Session()
        login = admin_login(session, base, "admin", "make-run-e2e-password")
        assert login.status_code == 200 and login.url == f"{base}/admin/"
        profiles = session.get(f"{base}/admin/profiles/phoneprofile/", timeout=10).text
        assert "+15550100000" in profiles
        documents = session.get(f"{base}/admin/knowledge/document/", timeout=10).text
        assert "Opening hours" in documents
