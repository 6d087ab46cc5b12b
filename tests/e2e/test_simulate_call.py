"""A caller's terminal against a real server: Daphne serving, simulate_call talking to it."""

import subprocess
import sys

import psycopg
import pytest

from tests.e2e.conftest import (
    PROJECT_DIR,
    daphne_command,
    free_port,
    running,
    scratch_database,
    subprocess_env,
)

pytestmark = pytest.mark.e2e

AUTH_TOKEN = "e2e-auth-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def llm_replies(llm_server):
    llm_server.reset(
        replies={
            "hours": "We are open Monday to Friday from eight to six.",
            "abren": "Abrimos de lunes a viernes a las ocho.",
        },
        reply="Happy to help.",
    )


@pytest.fixture(scope="module")
def demo_server(django_db_blocker, llm_server):
    """Daphne on a migrated, seeded scratch database, its LLM the loopback test server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock(), scratch_database() as database_url:
        env = subprocess_env(
            DATABASE_URL=database_url,
            PUBLIC_BASE_URL=base,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            OPENAI_API_KEY="e2e-key",
            OPENAI_BASE_URL=llm_server.base_url,
            DJANGO_SUPERUSER_PASSWORD="e2e-password-123",
        )
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=PROJECT_DIR,
                env=env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        with running(daphne_command(port), env=env, ready_url=f"{base}/healthz"):
            yield base, env


def simulate(base: str, env: dict, *arguments: str, typed: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "simulate_call", "--server", base, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_simulated_call_holds_a_conversation(demo_server, llm_server):
    base, env = demo_server
    output = simulate(
        base, env, "--to", "+15550100000", "--say", "hello", "--say", "what are your hours?"
    )
    assert "assistant: Hello, thank you for calling Bright Smile Dental" in output
    assert "caller: hello" in output
    assert "We are open Monday to Friday from eight to six." in output
    assert output.rstrip().endswith("[the caller hangs up]")
    # The last request of the call is its summary; the question went before it.
    assert "what are your hours?" in [e.messages[-1]["content"] for e in llm_server.exchanges]
    # Twilio's final status callback closed the call, and (Celery inline) summarised it.
    with psycopg.connect(env["DATABASE_URL"]) as database:
        status, duration, summary = database.execute(
            "SELECT status, duration_seconds, summary FROM calls_call ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert status == "completed" and duration is not None
    assert set(summary) == {"reason", "outcome", "follow_up"}


def test_asking_for_spanish_continues_the_call_in_spanish(demo_server, llm_server):
    base, env = demo_server
    output = simulate(
        base, env, "--to", "+15550100000", "--say", "español", "--say", "¿a qué hora abren?"
    )
    assert "[language → es-US]" in output
    assert "Abrimos de lunes a viernes a las ocho." in output
    assert "[language → en-US]" not in output
    assert "¿a qué hora abren?" in [e.messages[-1]["content"] for e in llm_server.exchanges]


def test_the_caller_can_type_at_the_terminal(demo_server):
    base, env = demo_server
    output = simulate(base, env, "--to", "+15550100000", typed="what are your hours?\n\n")
    assert "caller: what are your hours?" in output
    assert "We are open Monday to Friday from eight to six." in output


def test_keys_and_interruptions_from_the_terminal(demo_server, llm_server):
    base, env = demo_server
    llm_server.reset(
        reply="One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten.", token_delay=0.05
    )
    # Not 1: on the demo line, 1 starts the booking workflow at once.
    output = simulate(base, env, "--to", "+15550100000", "--dtmf", "34#", "--interrupt-after", "2")
    assert "caller presses: 34#" in output
    assert "[caller interrupts]" in output
    assert "Ten." not in output
    assert llm_server.exchanges[-1].messages[-1]["content"] == "34"


def test_a_simulated_goodbye_ends_the_session_and_hangs_up(demo_server):
    base, env = demo_server
    output = simulate(base, env, "--to", "+15550100000", "--say", "thanks, goodbye")
    assert '[session ended: {"reasonCode":"goodbye"' in output
    assert "<Hangup />" in output


def test_a_call_to_an_unknown_number_hears_the_apology(demo_server):
    base, env = demo_server
    output = simulate(base, env, "--to", "+15550100077", "--say", "hello")
    assert "not in service" in output


def test_unsigned_requests_are_refused_by_the_real_server(demo_server):
    import requests

    base, _ = demo_server
    assert requests.post(f"{base}/twilio/voice/", data={"CallSid": "CA1"}).status_code == 403


def test_without_an_llm_the_demo_answers_from_its_documents(demo_server):
    _, env = demo_server
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    no_llm = {**env, "OPENAI_API_KEY": "", "PUBLIC_BASE_URL": base}
    with running(daphne_command(port), env=no_llm, ready_url=f"{base}/healthz"):
        output = simulate(
            base, no_llm, "--to", "+15550100000", "--say", "what time do you open on Monday?"
        )
    assert "Monday to Friday from 8:00 a.m. to 6:00 p.m." in output


def test_a_caller_books_an_appointment_that_appears_on_the_call_page(demo_server):
    import requests

    from tests.e2e.conftest import admin_login

    base, env = demo_server
    output = simulate(
        base,
        env,
        "--to",
        "+15550100000",
        "--say",
        "I'd like to book an appointment",
        "--say",
        "My name is Ana Ruiz",
        "--dtmf",
        "19900412#",
        "--say",
        "next Tuesday",
        "--say",
        "3 pm",
        "--say",
        "yes",
    )
    assert "What is your full name?" in output
    assert "Your reference is BSD-" in output

    staff = requests.Session()
    admin_login(staff, base, "admin", env["DJANGO_SUPERUSER_PASSWORD"])
    [call] = staff.get(f"{base}/api/calls/", params={"q": "Ana Ruiz"}, timeout=10).json()["results"]
    page = staff.get(f"{base}/calls/{call['call_sid']}/", timeout=10).text
    assert "Book an appointment" in page
    assert "Completed" in page
    assert "Ana Ruiz" in page and "BSD-" in page
