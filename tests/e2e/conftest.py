"""Helpers for tests that run real processes: a free port, a served process, a database URL."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests

# One copy of these, shared with the benchmark (which must not import the tests).
from bench.servers import database_url, free_port  # noqa: F401

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent


def subprocess_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


@contextmanager
def running(
    command: list[str], *, env: dict[str, str], ready_url: str | None = None, timeout: float = 120
):
    """Start `command`, wait until `ready_url` (if any) answers; stop its process group after."""
    log = (PROJECT_DIR / "var").joinpath(f"e2e-{uuid.uuid4().hex[:8]}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("w+") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while ready_url:
                if process.poll() is not None:
                    pytest.fail(f"{command} exited with {process.returncode}:\n{log.read_text()}")
                try:
                    requests.get(ready_url, timeout=2)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{ready_url} never answered:\n{log.read_text()}")
                    time.sleep(0.2)
            yield log
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    log.unlink(missing_ok=True)


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty database on the suite's server, dropped afterwards; yields its URL."""
    name = f"voiceai_e2e_{uuid.uuid4().hex[:8]}"
    admin_url = database_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def daphne_command(port: int) -> list[str]:
    return [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(port), "voiceai.asgi:application"]


def admin_login(session: requests.Session, base_url: str, username: str, password: str):
    session.get(f"{base_url}/admin/login/", timeout=10)
    return session.post(
        f"{base_url}/admin/login/?next=/admin/",
        data={
            "username": username,
            "password": password,
            "next": "/admin/",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
    )
