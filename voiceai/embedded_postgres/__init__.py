"""The embedded PostgreSQL 16 + pgvector server used when DATABASE_URL is not set.

It comes from the `pgserver` package and lives in `var/pgdata/`. It is started on the first
database connection and left running (cleanup_mode=None), so the web server, Celery workers
and the tests share one server: a later start finds it through `postmaster.pid` and reuses it.
It listens on a unix socket only; production uses DATABASE_URL.

`python -m voiceai.embedded_postgres status|stop` inspects or stops it.
"""

import os
import tempfile
import threading
from pathlib import Path

# PostgreSQL's defaults suit a small machine: 128 MB of shared buffers cannot hold the HNSW
# index and rows of a 100,000-chunk knowledge base (about 700 MB), and every search then
# reads pages from the operating system (retrieval p95 17 ms instead of 9: BENCHMARKS.md).
SETTINGS = {"shared_buffers": "512MB"}

_lock = threading.Lock()
_socket_dirs: dict[Path, Path] = {}


def _ensure_runtime_dir() -> None:
    # pgserver keeps its inter-process lock under XDG_RUNTIME_DIR, read when it is imported.
    # Processes that share a server must share that folder, so the fallback is per user, not
    # per process; platformdirs ignores a runtime folder that others can read.
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    runtime_dir = Path(tempfile.gettempdir()) / f"voiceai-runtime-{os.getuid()}"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    runtime_dir.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)


def _server(pgdata: Path):
    _ensure_runtime_dir()
    import pgserver  # imported late: it reads XDG_RUNTIME_DIR at import time

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    new = not (pgdata / "PG_VERSION").exists()
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    if new:
        _settings_apply(server)
    return server


def _settings_apply(server) -> None:
    """Write SETTINGS and restart: only for a server just created, which nobody uses yet."""
    import pgserver

    server.psql(
        "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in SETTINGS.items())
    )
    # pg_ctl restarts with the options of the first start (socket folder, no TCP).
    pgserver.pg_ctl(["-w", "restart"], pgdata=server.pgdata, user=server.system_user)


def ensure_running(pgdata: str | Path) -> Path:
    """Start the server in `pgdata` unless it runs already; return its unix-socket folder."""
    pgdata = Path(pgdata).resolve()
    with _lock:
        socket_dir = _socket_dirs.get(pgdata)
        if socket_dir is not None and any(socket_dir.glob(".s.PGSQL.*")):
            return socket_dir
        server = _server(pgdata)
        # A server stopped behind our back (make db-stop) is started again here.
        with server._lock:
            server.ensure_postgres_running()
        socket_dir = server.get_postmaster_info().socket_dir
        _socket_dirs[pgdata] = socket_dir
        return socket_dir


def stop(pgdata: str | Path) -> bool:
    """Stop the server in `pgdata`; False when none was running."""
    pgdata = Path(pgdata).resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    _ensure_runtime_dir()
    import pgserver

    # As root, pgserver runs PostgreSQL as its own `pgserver` system user.
    user = "pgserver" if os.geteuid() == 0 else None
    pgserver.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    _socket_dirs.pop(pgdata, None)
    return True
