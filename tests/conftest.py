"""Fixtures shared by the whole suite: personas (staff, outsider) and real services."""

import os
import socket
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

STAFF_PASSWORD = "correct-horse-battery-staple"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_service(description: str, reason: str) -> None:
    """A needed local service is missing: fail in CI (where it must be there), skip elsewhere."""
    message = f"{description} is not reachable ({reason})"
    if running_in_ci():
        pytest.fail(f"{message}; CI must provide it.")
    pytest.skip(message)


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        username="sam", password=STAFF_PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def outsider_user(db):
    """A logged-in user who is not staff."""
    return get_user_model().objects.create_user(username="olive", password=STAFF_PASSWORD)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis on this machine (TEST_REDIS_URL, default 127.0.0.1:6379)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                require_service(f"Redis at {url}", "it did not answer PING")
    except OSError as exc:
        require_service(f"Redis at {url}", str(exc))
    return url


@pytest.fixture(scope="session")
def llm_server():
    from tests.llm_server import FakeLLMServer

    server = FakeLLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def llm(llm_server, settings):
    """The assistant's LLM: the real openai client talking to the loopback test server."""
    llm_server.reset()
    settings.OPENAI_BASE_URL = llm_server.base_url
    settings.OPENAI_API_KEY = "test-key-not-secret"
    settings.LLM_TIMEOUT_SECONDS = 5
    return llm_server


@pytest.fixture(scope="session")
def webhook_server_session():
    from tests.webhook_server import WebhookServer

    server = WebhookServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_server(webhook_server_session):
    """A business's webhook receiver on loopback, reset for each test."""
    webhook_server_session.reset()
    return webhook_server_session
