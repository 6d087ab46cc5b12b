"""The production topology on one machine: the Procfile under honcho, two web processes and a
Celery worker sharing one database and Redis."""

import socket
import subprocess
import sys
import time

import pytest
import redis
import requests

from tests.e2e.conftest import (
    BIN_DIR,
    PROJECT_DIR,
    running,
    scratch_database,
    subprocess_env,
)

pytestmark = pytest.mark.e2e

REDIS_DB = 4  # its own database: the test flushes it


def two_free_ports() -> int:
    """A port p with p and p + 1 free (honcho numbers a process type's copies upwards)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 60000:
            continue
        try:
            with socket.socket() as other:
                other.bind(("127.0.0.1", base + 1))
            return base
        except OSError:
            continue
    raise RuntimeError("no two free ports in a row")


def ready(web: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(f"{web}/readyz", timeout=5).json()["status"] == "ok"
        except requests.ConnectionError:
            time.sleep(0.3)
    return False


def test_the_procfile_runs_two_web_processes_and_a_worker(django_db_blocker, redis_url):
    redis_db_url = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    redis.Redis.from_url(redis_db_url).flushdb()
    base = two_free_ports()
    web_a, web_b = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 1}"
    with django_db_blocker.unblock(), scratch_database() as database_url:
        env = subprocess_env(
            DATABASE_URL=database_url,
            REDIS_URL=redis_db_url,
            PUBLIC_BASE_URL=web_a,
            OPENAI_API_KEY="",
            PATH=f"{BIN_DIR}:{subprocess_env()['PATH']}",
        )
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=PROJECT_DIR, env=env, check=True, capture_output=True, timeout=180,
            )  # fmt: skip
        honcho = [str(BIN_DIR / "honcho"), "-f", "Procfile", "start", "-c", "web=2,worker=1"]
        with running([*honcho, "-p", str(base)], env=env, ready_url=f"{web_b}/healthz") as log:
            for web in (web_a, web_b):
                assert ready(web), log.read_text()[-3000:]
            call = subprocess.run(
                [sys.executable, "manage.py", "simulate_call", "--server", web_a,
                 "--to", "+15550100000", "--say", "what time do you open on Monday?",
                 "--say", "bye"],
                cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert "Monday to Friday" in call.stdout, call.stdout + call.stderr
            # The worker, not the web process, writes the post-call summary.
            deadline = time.monotonic() + 30
            while "succeeded" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert "calls.tasks.summarize_call" in log.read_text()
            assert "succeeded" in log.read_text(), log.read_text()[-3000:]
    redis.Redis.from_url(redis_db_url).flushdb()
