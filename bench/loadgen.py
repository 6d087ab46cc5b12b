"""Phone calls placed exactly as Twilio places them, many at once, and what each turn measured.

A call POSTs the signed voice webhook, reads the TwiML, opens the relay WebSocket with a signed
handshake (no compression, as Twilio's Jetty client), sends `setup` with the TwiML's
parameters, then takes its turns with the frames Twilio sends for `events="speaker-events"`:
`clientSpeaking` on/off around each final `prompt`, `agentSpeaking` on at the first word of an
answer and off after it, `interrupt` (with what was heard) when the caller talks over an answer,
`dtmf` for keys. Every caller message to the LLM carries "ref <marker>" so that the benchmark
LLM's records can be matched to the turn.

Signatures come from `calls.twilio`, so Django settings must name the server's
TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL. All times are `time.monotonic()`, the clock the
benchmark LLM records with too.
"""

import asyncio
import contextlib
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree

import aiohttp
import websockets

from calls import twilio

ACCOUNT_SID = "AC" + "0" * 32
ANSWER_TIMEOUT = 15.0  # the server's LLM_TIMEOUT_SECONDS is 10

SUBJECTS = ["cleaning", "whitening", "a crown", "a filling", "braces", "an x-ray", "implants"]
PLACES = ["Harbor", "Central", "North", "Riverside", "Old Town"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


@dataclass(frozen=True)
class Step:
    kind: str  # "rule" (a local intent rule answers), "llm", "interrupt" (llm, talked over), "dtmf"
    text: str  # the words said, or the keys pressed


def question(rng: random.Random, marker: str) -> Step:
    """An LLM question that stands alone (over eight words: no follow-up rewrite)."""
    return Step(
        "llm",
        f"Could you tell me when the {rng.choice(PLACES)} office does {rng.choice(SUBJECTS)} "
        f"on {rng.choice(DAYS)}, ref {marker}?",
    )


def long_question(rng: random.Random, marker: str) -> Step:
    """A question the benchmark LLM answers at length; the caller interrupts the answer."""
    return Step(
        "interrupt",
        f"Can you explain how a first visit for {rng.choice(SUBJECTS)} works at the "
        f"{rng.choice(PLACES)} office, ref {marker}?",
    )


def greeting() -> Step:
    return Step("rule", "Hello.")


def thanks() -> Step:
    return Step("rule", "Thank you.")


def keys(digits: str) -> Step:
    return Step("dtmf", digits)


@dataclass(frozen=True)
class Pace:
    """When a call speaks again. `after_answer`: seconds after the answer ended (stress);
    `every`: seconds between the starts of two turns (realistic), never sooner than
    `min_gap` after the answer. Ranges are uniform (low, high)."""

    name: str
    after_answer: tuple[float, float] | None = None
    every: tuple[float, float] | None = None
    min_gap: float = 0.5

    @property
    def cycle(self) -> float:
        low, high = self.after_answer or self.every
        return (low + high) / 2

    def next_turn_at(self, rng: random.Random, *, started: float, answered: float) -> float:
        if self.after_answer is not None:
            return answered + rng.uniform(*self.after_answer)
        return max(started + rng.uniform(*self.every), answered + self.min_gap)


STRESS = Pace("stress", after_answer=(1.2, 1.6))
REALISTIC = Pace("realistic", every=(5.0, 7.0))


@dataclass
class TurnResult:
    kind: str
    marker: str
    sent: float = 0.0  # the final prompt (or the last key) was sent
    first_text: float | None = None  # the answer's first text frame (a filler is not one)
    last_text: float | None = None
    interrupted: float | None = None  # our `interrupt` was sent
    frames_after_interrupt: int = 0
    stray_frames: int = 0  # text frames between turns of an answer that was not interrupted
    filler: bool = False
    text: str = ""
    error: str = ""


@dataclass
class CallResult:
    call_sid: str
    turns: list[TurnResult] = field(default_factory=list)
    connected: bool = False
    error: str = ""


@dataclass(frozen=True)
class Target:
    """The server under test. Signatures use Django's TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL,
    which must match the server's."""

    base_url: str  # where it listens, e.g. http://127.0.0.1:8000
    to_number: str


class Call:
    """One call, from the voice webhook to the hang-up."""

    def __init__(self, target: Target, http: aiohttp.ClientSession, rng: random.Random) -> None:
        self.target = target
        self.http = http
        self.rng = rng
        self.from_number = f"+1555{rng.randrange(10**7):07d}"
        self.result = CallResult("CA" + secrets.token_hex(16))
        self.socket = None

    def form(self, **extra: str) -> dict[str, str]:
        sid = self.result.call_sid
        return {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": sid,
            "CallStatus": "ringing",
            "Called": self.target.to_number,
            "Caller": self.from_number,
            "Direction": "inbound",
            "From": self.from_number,
            "To": self.target.to_number,
            **extra,
        }

    async def dial(self) -> None:
        """Voice webhook, then the signed handshake and `setup`; raises if anything is refused."""
        twiml = await voice_webhook(self.http, self.target, self.form())
        relay = ElementTree.fromstring(twiml).find("Connect/ConversationRelay")
        if relay is None:
            raise RuntimeError(f"no <ConversationRelay> in the TwiML: {twiml[:200]}")
        url = relay.get("url")
        parameters = {p.get("name"): p.get("value") for p in relay.iter("Parameter")}
        signature = twilio.signature_for(url=url, params={})
        self.socket = await websockets.connect(
            url,
            additional_headers={"X-Twilio-Signature": signature},
            compression=None,
            ping_interval=None,
            open_timeout=30,
            close_timeout=5,
        )
        await self.send(
            {
                "type": "setup",
                "sessionId": "VX" + secrets.token_hex(16),
                "callSid": self.result.call_sid,
                "parentCallSid": "",
                "from": self.from_number,
                "to": self.target.to_number,
                "forwardedFrom": self.target.to_number,
                "callerName": "",
                "direction": "inbound",
                "callType": "PSTN",
                "callStatus": "RINGING",
                "accountSid": ACCOUNT_SID,
                "customParameters": parameters,
            }
        )
        self.result.connected = True

    async def send(self, frame: dict) -> None:
        await self.socket.send(json.dumps(frame))

    async def speaking(self, who: str, on: bool) -> None:
        await self.send({"type": "info", "name": who, "value": "on" if on else "off"})

    async def turn(self, step: Step, marker: str) -> TurnResult:
        """Say (or key in) `step`, read its answer; an interrupt turn stops at the first frame."""
        turn = TurnResult(step.kind, marker)
        self.result.turns.append(turn)
        if step.kind == "dtmf":
            for digit in step.text:
                await self.send({"type": "dtmf", "digit": digit})
        else:
            await self.speaking("clientSpeaking", False)
            prompt = {"type": "prompt", "voicePrompt": step.text, "lang": "en-US", "last": True}
            await self.send(prompt)
        turn.sent = time.monotonic()
        heard: list[str] = []
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT):
                while True:
                    frame = json.loads(await self.socket.recv())
                    if frame["type"] == "end":
                        raise RuntimeError(f"the server ended the call: {frame}")
                    if frame["type"] != "text":
                        continue
                    if frame.get("preemptible"):
                        turn.filler = True  # "one moment": not the answer
                        continue
                    now = time.monotonic()
                    heard.append(frame["token"])
                    if turn.first_text is None:
                        turn.first_text = now
                        await self.speaking("agentSpeaking", True)
                    if step.kind == "interrupt":
                        await self.send(
                            {
                                "type": "interrupt",
                                "utteranceUntilInterrupt": "".join(heard).strip(),
                                "durationUntilInterruptMs": 640,
                            }
                        )
                        turn.interrupted = time.monotonic()
                        await self.speaking("agentSpeaking", False)
                        break
                    if frame["last"]:
                        turn.last_text = now
                        await self.speaking("agentSpeaking", False)
                        break
        except TimeoutError:
            turn.error = f"no answer within {ANSWER_TIMEOUT:g} s"
        turn.text = "".join(heard)
        return turn

    async def wait(self, until: float, previous: TurnResult | None) -> None:
        """Listen until `until`: a text frame now belongs to no answer being spoken."""
        while (left := until - time.monotonic()) > 0:
            try:
                async with asyncio.timeout(left):
                    frame = json.loads(await self.socket.recv())
            except TimeoutError:
                return
            if frame["type"] == "end":
                raise RuntimeError(f"the server ended the call: {frame}")
            if frame["type"] == "text" and previous is not None:
                if previous.interrupted is not None:
                    previous.frames_after_interrupt += 1
                else:
                    previous.stray_frames += 1

    async def converse(self, steps: list[Step], pace: Pace, *, first_at: float) -> None:
        previous: TurnResult | None = None
        next_at = first_at
        for number, step in enumerate(steps):
            # The caller starts speaking halfway through the pause.
            middle = time.monotonic() + (next_at - time.monotonic()) / 2
            await self.wait(middle, previous)
            if step.kind != "dtmf":
                await self.speaking("clientSpeaking", True)
            await self.wait(next_at, previous)
            marker = f"{self.result.call_sid[-8:]}t{number}"
            previous = await self.turn(step, marker)
            if previous.error:
                raise RuntimeError(previous.error)
            answered = previous.interrupted or previous.last_text or time.monotonic()
            next_at = pace.next_turn_at(self.rng, started=previous.sent, answered=answered)
        # Silence after the last answer (and any frame after the last interrupt) before hanging up.
        await self.wait(time.monotonic() + 0.5, previous)

    async def hang_up(self) -> None:
        if self.socket is not None:
            await self.socket.close()


async def voice_webhook(http: aiohttp.ClientSession, target: Target, form: dict[str, str]) -> str:
    """POST the signed voice webhook; the TwiML, or raises on any status but 200."""
    path = "/twilio/voice/"
    signature = twilio.signature_for(url=twilio.public_url(path), params=form)
    async with http.post(
        target.base_url + path, data=form, headers={"X-Twilio-Signature": signature}
    ) as response:
        text = await response.text()
        if response.status != 200:
            raise RuntimeError(f"voice webhook answered {response.status}: {text[:200]}")
        return text


def http_session(connections: int = 64) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=30),
    )


@dataclass
class Calls:
    """Calls held at the same time: they all connect, then all talk, then hang up."""

    results: list[CallResult]
    talk_started: float  # every call connected; the first turn began after this
    talk_ended: float  # the last call's last answer (and its silence) was over


async def calls_run(
    target: Target,
    *,
    count: int,
    script: Callable[[random.Random, str], list[Step]],
    pace: Pace,
    seed: int = 1,
    dial_concurrency: int = 16,
    before_talk: Callable[[], Awaitable[None]] | None = None,
) -> Calls:
    """Place `count` calls, at most `dial_concurrency` dialling at once; once all are connected
    (or failed), await `before_talk`, then let each take its turns from `script(rng, sid)`,
    its first turn at a random moment of the first pace cycle; hang all up at the end."""
    rng = random.Random(seed)
    dialling = asyncio.Semaphore(dial_concurrency)
    settled = 0
    all_settled = asyncio.Event()
    talk = asyncio.Event()
    talk_started = 0.0

    async def one(call: Call) -> None:
        nonlocal settled
        try:
            try:
                async with dialling:
                    await call.dial()
            finally:
                settled += 1
                if settled == count:
                    all_settled.set()
            await talk.wait()
            first_at = talk_started + call.rng.uniform(0, pace.cycle)
            await call.converse(script(call.rng, call.result.call_sid), pace, first_at=first_at)
        except Exception as exc:
            call.result.error = f"{type(exc).__name__}: {exc}"
        finally:
            try:
                await call.hang_up()
            except Exception as exc:
                call.result.error = call.result.error or f"hang-up: {exc}"

    async with http_session(dial_concurrency) as http:
        calls = [Call(target, http, random.Random(rng.random())) for _ in range(count)]
        tasks = [asyncio.create_task(one(call)) for call in calls]
        await all_settled.wait()
        await asyncio.sleep(1.0)  # the last setups are read and loaded
        if before_talk is not None:
            await before_talk()
        talk_started = time.monotonic()
        talk.set()
        await asyncio.gather(*tasks)
    ended = max(
        (t.last_text or t.interrupted or 0.0 for c in calls for t in c.result.turns),
        default=talk_started,
    )
    return Calls([c.result for c in calls], talk_started, ended + 0.5)


@dataclass
class WebhookLoad:
    latencies: list[float]  # seconds, one per answered request
    errors: int
    seconds: float


async def webhooks_run(target: Target, *, seconds: float, concurrency: int) -> WebhookLoad:
    """POST signed voice webhooks of new calls back to back from `concurrency` clients."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    rng = random.Random(7)

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            call = Call(target, http, rng)
            started = time.monotonic()
            try:
                await voice_webhook(http, target, call.form())
                latencies.append(time.monotonic() - started)
            except Exception:
                errors += 1

    started = time.monotonic()
    async with http_session(concurrency) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    return WebhookLoad(latencies, errors, time.monotonic() - started)


@dataclass
class Soak:
    finished: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


async def soak_run(
    target: Target,
    *,
    seconds: float,
    concurrency: int,
    every: float,
    sample: Callable[[int], None],
) -> Soak:
    """Short calls back to back from `concurrency` callers for `seconds` (a greeting and one
    question each, half a second apart); `sample(finished)` is called every `every` seconds."""
    soak = Soak()
    deadline = time.monotonic() + seconds
    quick = Pace("soak", after_answer=(0.3, 0.5))

    async def caller(http: aiohttp.ClientSession, rng: random.Random) -> None:
        while time.monotonic() < deadline:
            call = Call(target, http, rng)
            try:
                await call.dial()
                sid = call.result.call_sid
                steps = [greeting(), question(rng, sid[-8:])]
                await call.converse(steps, quick, first_at=time.monotonic() + 0.2)
                soak.finished += 1
            except Exception as exc:
                soak.failed += 1
                if len(soak.errors) < 5:
                    at = seconds - (deadline - time.monotonic())
                    soak.errors.append(f"at {at:.0f} s: {type(exc).__name__}: {exc!r}")
            finally:
                with contextlib.suppress(Exception):
                    await call.hang_up()

    async def sampler() -> None:
        while time.monotonic() < deadline:
            sample(soak.finished)
            await asyncio.sleep(every)

    async with http_session(concurrency) as http:
        rngs = [random.Random(n) for n in range(concurrency)]
        sampling = asyncio.create_task(sampler())
        await asyncio.gather(*(caller(http, rng) for rng in rngs))
        sampling.cancel()
    return soak
