"""DATABASE_URL names a server without pgvector: migrate says what to install, in one sentence."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import require_service

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The development and CI machines run a PostgreSQL without pgvector here; override to move it.
PLAIN_POSTGRES_URL = os.environ.get(
    "TEST_PLAIN_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def scratch_database_without_pgvector():
    try:
        admin = psycopg.connect(PLAIN_POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        require_service(f"PostgreSQL at {PLAIN_POSTGRES_URL}", str(exc).strip())
    with admin:
        available = admin.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
        if available:
            pytest.skip("that server has pgvector installed; nothing to refuse")
        major = admin.execute("SELECT current_setting('server_version_num')::int / 10000")
        major = major.fetchone()[0]
        name = f"voiceai_nopgvector_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PLAIN_POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", major
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_migrate_refuses_a_server_without_pgvector_in_one_clear_sentence(
    scratch_database_without_pgvector,
):
    database_url, major = scratch_database_without_pgvector
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "has no pgvector extension: install pgvector" in result.stderr
    assert f"postgresql-{major}-pgvector" in result.stderr
    # Nothing was half-applied: not even Django's own tables.
    with psycopg.connect(database_url) as check:
        tables = check.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert tables == 0
