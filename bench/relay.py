"""Relay benchmarks: calls placed as Twilio places them against one Daphne process.

Run with `make bench` (then the knowledge benchmarks follow), or `python -m bench.relay`.
It creates a scratch database (migrated, the demo seeded, plus BENCH_PASSAGES synthetic
passages in the demo's knowledge base), starts the benchmark LLM (bench/llm_server.py: a fixed
time to first token and token rate) in its own process, and for each scenario a fresh Daphne
process with signatures on and DEBUG off. It reads the server's CPU (utime + stime) and memory
(VmRSS) from /proc and prints one table:

1. local-rule reply: final prompt sent → first `text` frame received;
2. LLM path overhead: prompt → first `text` frame, minus the LLM's own time to first token
   (request received → first token written, as the LLM server recorded it), split into before
   the LLM request (retrieval, prompt) and after its first token (relay);
3. interrupt: `interrupt` sent → the LLM stream closed at the LLM server; text frames received
   after the interrupt;
4. concurrency: at each pace, the most calls held with p95 overhead under BENCH_MAX_P95_MS and
   no error; server CPU per reply, memory per call;
5. voice webhook: requests per second and latency;
and a soak: short calls back to back, the server's memory against the number of finished calls.

Settings (environment): BENCH_QUICK=1 (a short run for trying), BENCH_CALLS (figures 1-3),
BENCH_STRESS_STEPS and BENCH_REALISTIC_STEPS (call counts tried for figure 4), BENCH_PACES
(stress,realistic), BENCH_TTFT_MS, BENCH_TOKEN_MS, BENCH_PASSAGES, BENCH_WEBHOOK_SECONDS,
BENCH_SOAK_SECONDS, BENCH_SOAK_CALLS.
"""

import asyncio
import os
import platform
import secrets
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import aiohttp
import django

from bench import loadgen
from bench.loadgen import REALISTIC, STRESS, Pace, Step, Target
from bench.servers import (
    DEMO_NUMBER,
    daphne,
    database_prepare,
    database_server_pid,
    database_url,
    free_port,
    llm_server,
    machine_cpu,
    scratch_database,
    server_env,
    tree_cpu,
    usage,
)
from bench.stats import spread

MB = 1024 * 1024


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def env_steps(name: str, default: str) -> list[int]:
    return [int(n) for n in (os.environ.get(name) or default).split(",") if n.strip()]


@dataclass(frozen=True)
class Options:
    quick: bool = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    calls: int = env_int("BENCH_CALLS", 20 if quick else 200)
    ttft_ms: int = env_int("BENCH_TTFT_MS", 300)
    token_ms: int = env_int("BENCH_TOKEN_MS", 20)
    passages: int = env_int("BENCH_PASSAGES", 10_000)
    paces: tuple[str, ...] = tuple((os.environ.get("BENCH_PACES") or "stress,realistic").split(","))
    stress_steps: tuple[int, ...] = tuple(
        env_steps("BENCH_STRESS_STEPS", "20,40" if quick else "50,100,200,300,400,600")
    )
    realistic_steps: tuple[int, ...] = tuple(
        env_steps("BENCH_REALISTIC_STEPS", "40,80" if quick else "250,500,1000,1500,2000")
    )
    max_p95_ms: float = env_int("BENCH_MAX_P95_MS", 50)
    webhook_seconds: int = env_int("BENCH_WEBHOOK_SECONDS", 3 if quick else 10)
    webhook_concurrency: int = env_int("BENCH_WEBHOOK_CONCURRENCY", 16)
    soak_seconds: int = env_int("BENCH_SOAK_SECONDS", 15 if quick else 150)
    soak_calls: int = env_int("BENCH_SOAK_CALLS", 50)


def main_script(rng, sid: str) -> list[Step]:
    """Figures 1-3: a greeting, questions, one answer talked over, thanks, a keypad entry."""
    mark = sid[-8:]
    return [
        loadgen.greeting(),
        loadgen.question(rng, f"{mark}t1"),
        loadgen.long_question(rng, f"{mark}t2"),
        loadgen.question(rng, f"{mark}t3"),
        loadgen.thanks(),
        loadgen.keys("2#"),
        loadgen.question(rng, f"{mark}t6"),
    ]


def load_script(turns: int) -> Callable:
    """Figure 4: questions, the second one talked over."""

    def script(rng, sid: str) -> list[Step]:
        mark = sid[-8:]
        steps = [loadgen.question(rng, f"{mark}t{n}") for n in range(turns)]
        steps[1] = loadgen.long_question(rng, f"{mark}t1")
        return steps

    return script


# --- one scenario against a fresh server --------------------------------------------------------


@dataclass
class Run:
    """What one set of simultaneous calls measured."""

    calls: loadgen.Calls
    records: dict[str, dict]  # the LLM server's records, by marker
    unmatched_records: list[dict]  # follow-up rewrites and keypad answers
    cpu: float  # server CPU seconds while the calls talked (and hung up)
    db_cpu: float  # database backend CPU seconds, same window
    rss_idle: int  # before the calls dialled
    rss_peak: int  # highest while they talked
    ttft_ms: float
    machine_busy: float  # share of the whole machine's CPU in use (every process), same window
    errors: list[str] = field(default_factory=list)

    @property
    def turns(self) -> list[loadgen.TurnResult]:
        return [t for c in self.calls.results for t in c.turns]

    def of(self, kind: str) -> list[loadgen.TurnResult]:
        return [t for t in self.turns if t.kind == kind and t.first_text is not None]

    @property
    def replies(self) -> int:
        return sum(1 for t in self.turns if t.first_text is not None)

    def rule_ms(self) -> list[float]:
        return [(t.first_text - t.sent) * 1000 for t in self.of("rule")]

    def overhead_ms(self, part: str = "total") -> list[float]:
        values = []
        for turn in self.of("llm"):
            record = self.records.get(turn.marker)
            if record is None or record["first_token"] is None:
                continue
            before = record["received"] - turn.sent
            after = turn.first_text - record["first_token"]
            values.append({"total": before + after, "before": before, "after": after}[part])
        return [v * 1000 for v in values]

    def llm_ttft_ms(self) -> list[float]:
        return [
            (r["first_token"] - r["received"]) * 1000
            for r in self.records.values()
            if r["first_token"] is not None
        ]

    def interrupt_ms(self) -> list[float]:
        values = []
        for turn in self.of("interrupt"):
            record = self.records.get(turn.marker)
            if record is not None and record["gone"] is not None:
                values.append((record["gone"] - turn.interrupted) * 1000)
        return values

    def frames_after_interrupt(self) -> int:
        return sum(t.frames_after_interrupt for t in self.turns)

    def dtmf_ms(self) -> list[float]:
        # Two LLM round trips: the follow-up rewrite of the short entry, then the answer.
        return [(t.first_text - t.sent) * 1000 - 2 * self.ttft_ms for t in self.of("dtmf")]

    def check(self) -> None:
        """Collect every error a caller would notice (or a measurement could hide)."""
        errors = self.errors
        for call in self.calls.results:
            if call.error:
                errors.append(f"{call.call_sid}: {call.error}")
        for turn in self.turns:
            record = self.records.get(turn.marker)
            if turn.error or turn.first_text is None:
                continue  # already reported as the call's error
            if turn.stray_frames:
                errors.append(f"{turn.marker}: {turn.stray_frames} frames after the answer")
            if turn.kind == "llm" and "six in the evening" not in turn.text:
                errors.append(f"{turn.marker}: unexpected answer {turn.text[:80]!r}")
            if turn.kind == "interrupt" and not turn.text.startswith("Of course"):
                errors.append(f"{turn.marker}: unexpected answer {turn.text[:80]!r}")
            if turn.kind in ("llm", "interrupt") and record is None:
                errors.append(f"{turn.marker}: the LLM never saw this question")
            if turn.kind == "interrupt" and record is not None and record["gone"] is None:
                errors.append(f"{turn.marker}: the LLM stream was not closed by the interrupt")


class Bench:
    def __init__(self, options: Options, *, port: int, env: dict[str, str], llm_url: str):
        self.options = options
        self.port = port
        self.env = env
        self.llm_url = llm_url
        self.database_url = env["DATABASE_URL"]
        self.database_pid = database_server_pid(database_url("postgres"))
        self.target = Target(f"http://127.0.0.1:{port}", DEMO_NUMBER)

    @contextmanager
    def server(self, name: str):
        with daphne(port=self.port, env=self.env, name=f"daphne-{name}") as process:
            asyncio.run(self.warm_up())
            yield process

    def database_cpu(self) -> float:
        """The database server's CPU seconds so far (0 when it runs elsewhere)."""
        return tree_cpu(self.database_pid) if self.database_pid else 0.0

    async def warm_up(self) -> None:
        """Two calls, so that first-use costs (the LLM client, imports, caches) are paid."""
        await loadgen.calls_run(self.target, count=2, script=load_script(2), pace=STRESS)
        await self.llm_records()

    async def llm_records(self) -> list[dict]:
        url = f"{self.llm_url}/bench/records"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return await response.json()

    def calls(self, name: str, *, count: int, script: Callable, pace: Pace) -> Run:
        with self.server(name) as process:
            return asyncio.run(self._calls(process.pid, count=count, script=script, pace=pace))

    async def _calls(self, pid: int, *, count: int, script: Callable, pace: Pace) -> Run:
        idle = usage(pid)
        peak = idle.rss
        start: dict[str, float] = {}

        async def before_talk() -> None:
            start["cpu"], start["db"] = usage(pid).cpu, self.database_cpu()
            start["busy"], start["total"] = machine_cpu()

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, usage(pid).rss)
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        try:
            calls = await loadgen.calls_run(
                self.target, count=count, script=script, pace=pace, before_talk=before_talk
            )
        finally:
            sampler.cancel()
        cpu, db_cpu = usage(pid).cpu - start["cpu"], self.database_cpu() - start["db"]
        busy, total = machine_cpu()
        machine_busy = (busy - start["busy"]) / max(total - start["total"], 1e-9)
        records = await self.llm_records()
        run = Run(
            calls=calls,
            records={r["marker"]: r for r in records if r["marker"]},
            unmatched_records=[r for r in records if not r["marker"]],
            cpu=cpu,
            db_cpu=db_cpu,
            rss_idle=idle.rss,
            rss_peak=peak,
            ttft_ms=self.options.ttft_ms,
            machine_busy=machine_busy,
        )
        run.check()
        return run

    def webhooks(self) -> tuple[loadgen.WebhookLoad, float]:
        with self.server("webhook") as process:
            before = usage(process.pid).cpu
            load = asyncio.run(
                loadgen.webhooks_run(
                    self.target,
                    seconds=self.options.webhook_seconds,
                    concurrency=self.options.webhook_concurrency,
                )
            )
            return load, usage(process.pid).cpu - before

    def soak(self) -> tuple[loadgen.Soak, list[tuple[float, int, int]], int]:
        """The soak run; its samples (seconds, finished calls, RSS) and the RSS once idle."""
        samples: list[tuple[float, int, int]] = []
        with self.server("soak") as process:
            started = time.monotonic()

            def sample(finished: int) -> None:
                samples.append((time.monotonic() - started, finished, usage(process.pid).rss))

            soak = asyncio.run(
                loadgen.soak_run(
                    self.target,
                    seconds=self.options.soak_seconds,
                    concurrency=self.options.soak_calls,
                    every=max(1.0, self.options.soak_seconds / 30),
                    sample=sample,
                )
            )
            time.sleep(2)  # transcripts written, sessions gone
            sample(soak.finished)
            return soak, samples, usage(process.pid).rss


# --- the table ----------------------------------------------------------------------------------


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, name: str, values: list[float] | None, detail: str, unit: str = "ms") -> None:
        figures = spread(values or [])
        if figures is None:
            self.rows.append((name, "-", "-", "-", detail))
            return
        cells = tuple(f"{v:,.1f} {unit}" for v in figures)
        self.rows.append((name, *cells, detail))

    def note(self, name: str, detail: str) -> None:
        self.rows.append((name, "", "", "", detail))

    def print(self, title: str) -> None:
        widths = [max(len(row[i]) for row in self.rows) for i in range(4)]
        widths[0] = max(widths[0], len("figure"))
        header = ("figure", "p50", "p95", "p99", "parameters and notes")
        print(f"\n{title}")
        lines = [header, *self.rows]
        for index, row in enumerate(lines):
            cells = [row[0].ljust(widths[0])] + [row[i].rjust(max(widths[i], 3)) for i in (1, 2, 3)]
            print("  ".join([*cells, row[4]]).rstrip())
            if index == 0:
                print("-" * (sum(widths) + 8 + 60))


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def p95(values: list[float]) -> float:
    figures = spread(values)
    return figures[1] if figures else float("inf")


def p99(values: list[float]) -> float:
    figures = spread(values)
    return figures[2] if figures else float("inf")


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line)
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"load average {load} at the start"
    )


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def step_row(table: Table, pace: Pace, count: int, run: Run, limit: float) -> bool:
    overhead = run.overhead_ms()
    interrupts = run.interrupt_ms()
    passed = not run.errors and p95(overhead) <= limit
    replies = max(run.replies, 1)
    detail = (
        f"{pace.name} pace, {count} calls: {'passed' if passed else 'failed'}; "
        f"CPU/reply {run.cpu / replies * 1000:.1f} ms (+ database {run.db_cpu / replies * 1000:.1f}"
        f" ms), {run.cpu / max(run.calls.talk_ended - run.calls.talk_started, 0.1):.0%} of a core "
        f"(machine {run.machine_busy:.0%} busy); "
        f"memory/call {(run.rss_peak - run.rss_idle) / count / MB:.2f} MB; interrupt p95 "
        f"{p95(interrupts):.1f} ms, {run.frames_after_interrupt()} frames after; "
        f"{len(run.errors)} errors"
    )
    table.add(f"4 overhead, {count} calls ({pace.name})", overhead, detail)
    if run.errors:
        table.note("", f"  first error: {run.errors[0][:150]}")
    return passed


def report(options: Options, bench: Bench, chunks: int) -> Table:
    table = Table()
    paces = {"stress": STRESS, "realistic": REALISTIC}
    common = f"TTFT {options.ttft_ms} ms, {options.token_ms} ms/token"

    progress(f"figures 1-3: {options.calls} calls at the stress pace")
    run = bench.calls("main", count=options.calls, script=main_script, pace=STRESS)
    scenario = f"{options.calls} calls, stress pace, {len(run.turns)} turns"
    rule = run.rule_ms()
    table.add(
        "1 local-rule reply (prompt → first text)",
        rule,
        f"{scenario}; target p95 ≤ 5 ms: {verdict(p95(rule) <= 5)}",
    )
    overhead = run.overhead_ms()
    table.add(
        "2 LLM path overhead",
        overhead,
        f"{chunks:,}-chunk knowledge base, {common}; target at 200 calls p95 ≤ 10 ms, "
        f"p99 ≤ 25 ms: {verdict(p95(overhead) <= 10 and p99(overhead) <= 25)}",
    )
    table.add("  before the LLM request", run.overhead_ms("before"), "retrieval, prompt, request")
    table.add("  LLM first token → first text", run.overhead_ms("after"), "relay")
    table.add("  LLM time to first token", run.llm_ttft_ms(), "as the LLM server recorded it")
    interrupts = run.interrupt_ms()
    table.add(
        "3 interrupt → LLM stream closed",
        interrupts,
        f"{len(interrupts)} interrupts; target p95 ≤ 20 ms: {verdict(p95(interrupts) <= 20)}",
    )
    after = run.frames_after_interrupt()
    table.note(
        "  text frames after an interrupt",
        f"{after} in all; target 0: {verdict(after == 0)}",
    )
    table.add(
        "  keypad entry → first text, minus 2 TTFT", run.dtmf_ms(), "follow-up rewrite + answer"
    )
    replies = max(run.replies, 1)
    table.note(
        "  server CPU per reply",
        f"{run.cpu / replies * 1000:.2f} ms (+ database {run.db_cpu / replies * 1000:.2f} ms), "
        f"{replies} replies; machine {run.machine_busy:.0%} busy (all processes); "
        "target ≤ 2 ms per short LLM reply: see figure 4",
    )
    table.note(
        "  errors",
        f"{len(run.errors)}" + (f"; first: {run.errors[0][:150]}" if run.errors else ""),
    )

    for name in options.paces:
        pace = paces[name]
        steps = options.stress_steps if name == "stress" else options.realistic_steps
        turns = 4 if name == "stress" else 3
        best = None
        for count in steps:
            progress(f"figure 4: {count} calls at the {name} pace, {turns} turns each")
            step = bench.calls(f"{name}-{count}", count=count, script=load_script(turns), pace=pace)
            if not step_row(table, pace, count, step, options.max_p95_ms):
                break
            best = count
        table.note(
            f"4 most calls held, {name} pace",
            f"{best or 'none of the steps'} (p95 overhead ≤ {options.max_p95_ms:g} ms, no error;"
            f" steps {','.join(map(str, steps))})",
        )

    progress("figure 5: voice webhook")
    load, cpu = bench.webhooks()
    table.add(
        "5 voice webhook",
        [x * 1000 for x in load.latencies],
        f"{len(load.latencies) / load.seconds:,.0f} requests/s, {options.webhook_concurrency} "
        f"clients, {load.seconds:.0f} s, CPU {cpu / max(len(load.latencies), 1) * 1000:.1f} ms "
        f"per request, {load.errors} errors",
    )

    progress(f"soak: {options.soak_seconds} s of short calls, {options.soak_calls} at a time")
    soak, samples, idle_rss = bench.soak()
    first, third, last = samples[0], samples[len(samples) // 3], samples[-1]
    growth = (last[2] - third[2]) / (last[1] - third[1]) * 1000 / MB if last[1] > third[1] else 0.0
    table.note(
        "soak: server memory",
        f"{soak.finished:,} calls in {options.soak_seconds} s ({soak.failed} failed): RSS "
        f"{first[2] / MB:.0f} MB at the start, {third[2] / MB:.0f} MB after {third[1]:,} calls, "
        f"{idle_rss / MB:.0f} MB at the end (idle); {growth:+.2f} MB per 1,000 calls after the "
        f"first third",
    )
    if soak.errors:
        table.note("", f"  first error: {soak.errors[0][:150]}")
    return table


def main() -> int:
    options = Options()
    port = free_port()
    token = secrets.token_hex(16)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voiceai.settings")
    os.environ.update(
        TWILIO_AUTH_TOKEN=token,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        EMBEDDING_PROVIDER="local",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    django.setup()
    started = time.monotonic()
    about = machine()
    progress(f"setting up: scratch database, demo, {options.passages:,} passages")
    with scratch_database() as url:
        chunks = database_prepare(url, passages=options.passages)
        with llm_server(first_token_ms=options.ttft_ms, token_ms=options.token_ms) as llm_url:
            env = server_env(
                DATABASE_URL=url,
                PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                TWILIO_AUTH_TOKEN=token,
                OPENAI_API_KEY="bench",
                OPENAI_BASE_URL=f"{llm_url}/v1",
                EMBEDDING_PROVIDER="local",
                DJANGO_DEBUG="0",
                DJANGO_SECRET_KEY=secrets.token_hex(32),
                LOG_LEVEL="INFO",
            )
            bench = Bench(options, port=port, env=env, llm_url=llm_url)
            table = report(options, bench, chunks)
    minutes = (time.monotonic() - started) / 60
    table.print(
        f"Relay benchmarks ({about}; one Daphne process; {minutes:.1f} min"
        f"{', quick mode' if options.quick else ''})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
