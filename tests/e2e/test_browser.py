"""Staff pages in a real browser (Playwright driving Debian's Chromium) against real servers.

Two Daphne processes share the Redis channel layer, as in production: calls are placed on
server A (by `simulate_call`, exactly as Twilio would), and staff use their browser on server B.
No LLM is configured, so answers come straight from the demo clinic's documents.
"""

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import require_service
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
STAFF = ("admin", "e2e-password-123")
DEMO_NUMBER = "+15550100000"
REDIS_DB = 3  # its own database: the test flushes it


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        require_service("Chromium", "install it with `apt-get install chromium`")
    return path


@pytest.fixture(scope="module")
def browser(chromium, servers):
    # Playwright's sync API runs an event loop in this thread, where Django then refuses
    # database work: the servers (and their database) are set up before it and torn down after.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def servers(django_db_blocker, redis_url):
    """Servers A and B on one seeded database and one Redis: (url A, url B, env)."""
    redis_db_url = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    client = redis.Redis.from_url(redis_db_url)
    client.flushdb()
    ports = free_port(), free_port()
    base_a, base_b = (f"http://127.0.0.1:{port}" for port in ports)
    with django_db_blocker.unblock(), scratch_database() as database_url:
        env = subprocess_env(
            DATABASE_URL=database_url,
            PUBLIC_BASE_URL=base_a,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            OPENAI_API_KEY="",
            DJANGO_SUPERUSER_USERNAME=STAFF[0],
            DJANGO_SUPERUSER_PASSWORD=STAFF[1],
        )
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=PROJECT_DIR,
                env=env,
                check=True,
                capture_output=True,
                timeout=180,
            )
        served = {**env, "REDIS_URL": redis_db_url}
        with (
            running(daphne_command(ports[0]), env=served, ready_url=f"{base_a}/healthz"),
            running(daphne_command(ports[1]), env=served, ready_url=f"{base_b}/healthz"),
        ):
            yield base_a, base_b, served
    client.flushdb()


@pytest.fixture
def page(browser, servers):
    """A logged-in staff member's browser tab on server B."""
    _, base_b, _ = servers
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=base_b)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/login/")
    tab.get_by_label("Username").fill(STAFF[0])
    tab.get_by_label("Password").fill(STAFF[1])
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/calls/")
    yield tab
    context.close()


def simulate(base: str, env: dict, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "simulate_call", "--server", base, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class CallerAtTerminal:
    """`simulate_call` typed at line by line; what it prints is collected as it comes."""

    def __init__(self, base: str, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "simulate_call", "--server", base, "--to", DEMO_NUMBER],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.output = ""
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for chunk in iter(lambda: self.process.stdout.read(1), ""):
            with self._lock:
                self.output += chunk

    def say(self, text: str) -> None:
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def heard(self, text: str, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if text in self.output:
                    return True
            time.sleep(0.1)
        return False

    def hang_up(self) -> str:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        return self.output


def test_staff_log_in_and_read_a_finished_call(page, servers):
    base_a, _, env = servers
    question = "what time do you open on Monday?"
    simulate(base_a, env, "--to", DEMO_NUMBER, "--say", question, "--say", "bye")

    page.goto("/calls/")
    row = page.locator("tr", has_text=DEMO_NUMBER).first
    row.get_by_role("link").first.click()
    page.wait_for_url("**/calls/CA*/")
    turns = page.locator("#turns")
    turns.get_by_text(question).wait_for()
    assert "Monday to Friday" in turns.inner_text()
    assert page.get_by_text("goodbye").first.is_visible()


def test_a_simulator_call_answers_from_the_knowledge_base(page):
    page.goto("/simulator/")
    page.get_by_role("button", name="Call").click()
    page.locator(".bubble.assistant", has_text="Bright Smile Dental").first.wait_for()

    page.get_by_label("What you say").fill("What are your opening hours on Saturday?")
    page.keyboard.press("Enter")
    answer = page.locator(".bubble.assistant:not(.streaming)").nth(1)
    answer.wait_for()
    assert "Saturday" in answer.inner_text()
    assert page.locator(".bubble.caller", has_text="opening hours on Saturday").is_visible()

    page.get_by_role("button", name="Hang up").click()
    page.get_by_text("The call has ended.").wait_for()
    page.get_by_role("link", name="Open this call's transcript").click()
    page.locator("#turns").get_by_text("opening hours on Saturday").wait_for()

    page.goto("/calls/?simulated=simulated")
    assert page.locator("tr", has_text="simulator:admin").count() >= 1


def test_staff_watch_a_call_on_another_server_and_take_it_over(page, servers):
    base_a, _, env = servers
    page.goto("/calls/live/")
    page.get_by_text("Live: calls appear").wait_for()

    caller = CallerAtTerminal(base_a, env)
    try:
        caller.say("hello")
        assert caller.heard("caller: hello")
        watch = page.get_by_role("link", name="Watch and take over")
        watch.first.wait_for()
        watch.first.click()
        page.get_by_text("Live. The assistant is answering.").wait_for()
        page.locator("#turns").get_by_text("hello", exact=True).wait_for()

        caller.say("what are your hours?")
        page.locator("#turns").get_by_text("what are your hours?").wait_for()

        sentence = "This is Sam at the front desk, I can book that for you."
        page.get_by_placeholder("Type a sentence…").fill(sentence)
        page.get_by_role("button", name="Say it").click()
        assert caller.heard(f"assistant: {sentence}"), caller.output
        page.locator("#turns").get_by_text(sentence).wait_for()
    finally:
        output = caller.hang_up()
    assert sentence in output
    page.get_by_text("The call has ended.").wait_for()
