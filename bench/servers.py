"""The processes of the relay benchmark: a scratch database, the benchmark LLM, Daphne.

Django must be set up (for the database server's address and the synthetic knowledge load).
Each process runs in its own session and is stopped with its whole process group; its output
goes to a log under var/bench/, kept for a look after a failed run.
"""

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import requests

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent
LOG_DIR = PROJECT_DIR / "var" / "bench"
DEMO_NUMBER = "+15550100000"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the database -------------------------------------------------------------------------------


def database_url(name: str) -> str:
    """A DATABASE_URL for database `name` on the project's database server."""
    from django.db import connection

    connection.ensure_connection()
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    password = quote(settings["PASSWORD"] or "", safe="")
    return f"postgresql://{quote(settings['USER'])}:{password}@{host}{port}/{name}"


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards; yields its URL."""
    name = f"voiceai_bench_{uuid.uuid4().hex[:8]}"
    admin_url = database_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_DIR,
        env=server_env(DATABASE_URL=url, LOG_LEVEL="WARNING"),
        check=True,
        capture_output=True,
        timeout=300,
    )


def database_prepare(url: str, *, passages: int) -> int:
    """Migrate, seed the demo, and add `passages` synthetic passages (bench.knowledge's) to the
    demo's knowledge base; the number of chunks it then holds."""
    from bench.knowledge import chunks_bulk_load, passage

    manage(url, "migrate", "--noinput")
    manage(url, "seed_demo")
    with database_switched(url.rsplit("/", 1)[1]):
        from knowledge.embeddings import embed_texts
        from knowledge.models import Chunk, Document
        from profiles.models import PhoneProfile

        knowledge_base = PhoneProfile.objects.get(number=DEMO_NUMBER).knowledge_bases.get()
        if passages:
            holder = Document.objects.create(
                knowledge_base=knowledge_base, title="Clinic handbook", source_text="-"
            )
            rng = random.Random(42)
            texts = [passage(rng) for _ in range(passages)]
            chunks_bulk_load(
                document=holder, texts=texts, vectors=embed_texts(texts), first_ordinal=0
            )
        return Chunk.objects.filter(knowledge_base=knowledge_base).count()


@contextmanager
def database_switched(name: str) -> Iterator[None]:
    """Django's default connection on database `name` of the same server, for a while."""
    from django.db import connections

    default = connections["default"]
    before = default.settings_dict["NAME"]

    def reconnect(to: str) -> None:
        default.close()
        default.close_pool()  # the pool's connections were opened on the other database
        default.settings_dict["NAME"] = to

    reconnect(name)
    try:
        yield
    finally:
        reconnect(before)


def database_server_pid(admin_url: str) -> int | None:
    """The database server's main process, when it runs on this machine (the embedded one)."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        (backend,) = admin.execute("SELECT pg_backend_pid()").fetchone()
    try:
        return int(_stat_fields(backend)[1])  # the backend's parent
    except (OSError, IndexError, ValueError):
        return None


# --- process readings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    cpu: float  # seconds of CPU (user + system) since the process started
    rss: int  # resident memory, bytes


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: [state, ppid, ...]; utime is [11]."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def usage(pid: int) -> Usage:
    """From /proc: utime + stime, and VmRSS. Zero for a process that is gone."""
    try:
        fields = _stat_fields(pid)
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return Usage(0.0, 0)
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    rss = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line[:6] == "VmRSS:")
    return Usage(cpu, rss)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores, from /proc/stat: the
    load generator, the LLM, the database and the server share it."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    total = sum(ticks[:8])  # user … steal (guest time is counted in user already)
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def tree_cpu(parent: int) -> float:
    """CPU seconds of `parent`, its children that ended, and its live children: for the
    database server, every backend's work so far."""
    try:
        fields = _stat_fields(parent)
    except OSError:
        return 0.0
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = _stat_fields(int(entry.name))
            except OSError:
                continue
            if child[1] == str(parent):
                total += int(child[11]) + int(child[12])
    return total / CLOCK_TICKS


# --- processes ----------------------------------------------------------------------------------


def server_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BENCH_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


class Process:
    """A command in its own session, with its output in a log; stopped with its group."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = LOG_DIR / f"{name}.log"
        self._output = self.log.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.log.name}: exited:\n{self.log.read_text()[-3000:]}")
            try:
                requests.get(url, timeout=2)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} never answered; see {self.log}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._output.close()


@contextmanager
def llm_server(*, first_token_ms: float, token_ms: float) -> Iterator[str]:
    """The benchmark LLM (bench/llm_server.py) in its own process; yields its base URL."""
    port = free_port()
    process = Process(
        "llm",
        [
            sys.executable,
            "-m",
            "bench.llm_server",
            f"--port={port}",
            f"--first-token-ms={first_token_ms}",
            f"--token-ms={token_ms}",
        ],
        server_env(),
    )
    try:
        process.wait_for(f"http://127.0.0.1:{port}/bench/records")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


@contextmanager
def daphne(*, port: int, env: dict[str, str], name: str = "daphne") -> Iterator[Process]:
    """One Daphne process serving voiceai on `port`, ready when it yields."""
    command = [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
    process = Process(name, [*command, "voiceai.asgi:application"], env)
    profiler = None
    try:
        process.wait_for(f"http://127.0.0.1:{port}/healthz")
        if os.environ.get("BENCH_PROFILE"):
            # BENCH_PROFILE=1: py-spy samples the server; its folded stacks go next to the log.
            sampler = [str(BIN_DIR / "py-spy"), "record", "--pid", str(process.pid), "--gil"]
            folded = LOG_DIR / f"{name}.folded"
            output = ["--rate", "200", "--format", "raw", "--output", str(folded)]
            profiler = subprocess.Popen(
                [*sampler, *output],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        yield process
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        process.stop()
