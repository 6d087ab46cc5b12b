"""The embedded PostgreSQL 16 + pgvector: started once, shared by every process, reused."""

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from voiceai.embedded_postgres import SETTINGS, ensure_running, stop

PROJECT_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or "PGDATA" not in connection.settings_dict,
    reason="DATABASE_URL is set: the suite runs on that server, not the embedded one",
)


def test_the_embedded_server_is_postgresql_16_with_the_vector_extension(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int / 10000")
        assert cursor.fetchone()[0] == 16
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    assert row is not None, "the vector extension was not created by the migrations"


def test_a_second_start_reuses_the_running_server(db):
    pgdata = connection.settings_dict["PGDATA"]
    pid_before = (Path(pgdata) / "postmaster.pid").read_text().splitlines()[0]
    assert ensure_running(pgdata) == ensure_running(pgdata)
    pid_after = (Path(pgdata) / "postmaster.pid").read_text().splitlines()[0]
    assert pid_before == pid_after


def test_another_process_shares_the_same_server(db):
    # As the web server and a Celery worker do: a separate process finds the running server.
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'voiceai.settings'; "
        "django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('SELECT pg_postmaster_start_time()'); "
        "print(cursor.fetchone()[0].isoformat())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )
    assert other.returncode == 0, other.stderr
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        ours = cursor.fetchone()[0].isoformat()
    assert other.stdout.strip() == ours


def test_a_new_server_gets_memory_for_a_large_knowledge_base(tmp_path):
    socket_dir = ensure_running(tmp_path / "pgdata")
    try:
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as new:
            (shown,) = new.execute("SHOW shared_buffers").fetchone()
        assert shown == SETTINGS["shared_buffers"]
    finally:
        stop(tmp_path / "pgdata")
