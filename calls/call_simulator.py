"""A phone call placed against a running voiceai server, exactly as Twilio would place it.

It POSTs the signed voice webhook, reads the TwiML, opens the relay WebSocket with a signed
handshake, sends `setup` with the TwiML's parameters, then speaks prompts and keys, and at the
end POSTs the relay-action callback Twilio would send. Used by `manage.py simulate_call`.
"""

import asyncio
import contextlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.etree import ElementTree

import requests
import websockets

from calls import twilio

ACCOUNT_SID = "AC" + "0" * 32


async def step_or_session_end(ask: Callable[[], tuple[str, str] | None], reader: asyncio.Task):
    """The next step from the person at the terminal, or None if the session ends first.

    `ask` blocks on the terminal, so it runs in a daemon thread: when the session ends while
    it waits, the command can exit without waiting for one more line.
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future = loop.create_future()

    def run() -> None:
        try:
            result = ask()
        except BaseException as exc:  # handed to the waiting coroutine
            result = exc
        with contextlib.suppress(RuntimeError):  # the loop may be gone by then
            loop.call_soon_threadsafe(
                answer.set_exception if isinstance(result, BaseException) else answer.set_result,
                result,
            )

    threading.Thread(target=run, daemon=True).start()
    await asyncio.wait({answer, reader}, return_when=asyncio.FIRST_COMPLETED)
    return answer.result() if answer.done() else None


@dataclass
class Relay:
    url: str
    parameters: dict[str, str]
    greeting: str


@dataclass
class SimulatedCall:
    server: str  # where the server listens, e.g. http://127.0.0.1:8000
    to_number: str
    from_number: str = "+15550100123"
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    write: Callable[[str], None] = print  # writes text as given (no newline added)
    language: str = "en"  # what Twilio's transcriber reports as `lang`; `language` frames change it
    session_ended: dict | None = None  # the `end` frame's handoff data, once sent

    # --- webhooks ---------------------------------------------------------------------------

    def _form(self, **extra: str) -> dict[str, str]:
        # The field set of a real inbound PSTN call (see tests/fixtures/twilio-recordings).
        base = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": "ringing",
            "Called": self.to_number,
            "Caller": self.from_number,
            "Direction": "inbound",
            "From": self.from_number,
            "To": self.to_number,
        }
        return {**base, **extra}

    def post(self, path: str, form: dict[str, str]) -> str:
        signature = twilio.signature_for(url=twilio.public_url(path), params=form)
        response = requests.post(
            f"{self.server}{path}",
            data=form,
            headers={"X-Twilio-Signature": signature} if signature else {},
            timeout=15,
        )
        response.raise_for_status()
        return response.text

    def dial(self) -> Relay | None:
        """The voice webhook. None when the server answered without connecting the relay."""
        document = self.post("/twilio/voice/", self._form())
        root = ElementTree.fromstring(document)
        relay = root.find("Connect/ConversationRelay")
        if relay is None:
            for say in root.iter("Say"):
                self.echo(f"assistant (Say): {say.text}")
            return None
        parameters = {p.get("name"): p.get("value") for p in relay.iter("Parameter")}
        return Relay(relay.get("url"), parameters, relay.get("welcomeGreeting") or "")

    def hang_up(self, duration_seconds: int) -> None:
        """Twilio's status callback at the end of the call."""
        self.post(
            "/twilio/status/",
            self._form(CallStatus="completed", CallDuration=str(duration_seconds)),
        )

    def session_end_callback(self) -> str:
        """What Twilio posts to the <Connect action> when the session is over."""
        if self.session_ended is not None:
            extra = {
                "CallStatus": "in-progress",
                "SessionStatus": "ended",
                "HandoffData": self.session_ended["handoffData"],
            }
        else:
            extra = {"CallStatus": "completed", "SessionStatus": "completed"}
        form = self._form(SessionId="VX" + secrets.token_hex(16), SessionDuration="1", **extra)
        return self.post("/twilio/relay-action/", form)

    # --- the conversation -------------------------------------------------------------------

    async def converse(
        self,
        relay: Relay,
        steps: list[tuple[str, str]] | Callable[[], tuple[str, str] | None],
        *,
        interrupt_after: int | None = None,
    ) -> None:
        """Run `steps`: ("say", text) or ("dtmf", digits); print what the assistant says.

        `steps` may be a function returning the next step (None to hang up), called in a
        thread so that it can wait for the person at the terminal. Frames are read and
        printed as they arrive, also while waiting for the next step, so a sentence a staff
        member types on the live monitor is heard at once.
        """
        signature = twilio.signature_for(url=relay.url, params={})
        path = urlsplit(relay.url).path
        ws_url = self.server.replace("http", "ws", 1) + path
        headers = {"X-Twilio-Signature": signature} if signature else {}
        async with websockets.connect(ws_url, additional_headers=headers) as socket:
            await socket.send(json.dumps(self._setup_frame(relay)))
            if relay.greeting:
                self.echo(f"assistant: {relay.greeting}")
            answered = asyncio.Event()
            reader = asyncio.create_task(self._listen(socket, answered, interrupt_after))
            try:
                pending = iter(steps) if isinstance(steps, list) else None
                while self.session_ended is None and not reader.done():
                    step = (
                        next(pending, None) if pending else await step_or_session_end(steps, reader)
                    )
                    if step is None or self.session_ended is not None:
                        break
                    answered.clear()
                    await self._send_step(socket, step)
                    await self._wait_for_answer(answered, reader)
                if self.session_ended is None and not reader.done():
                    await asyncio.sleep(0.3)  # a last sentence on its way
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def _send_step(self, socket, step: tuple[str, str]) -> None:
        kind, value = step
        if kind == "say":
            self.echo(f"caller: {value}")
            prompt = {"type": "prompt", "voicePrompt": value, "lang": self.language, "last": True}
            await socket.send(json.dumps(prompt))
        else:
            self.echo(f"caller presses: {value}")
            for digit in value:
                await socket.send(json.dumps({"type": "dtmf", "digit": digit}))

    async def _wait_for_answer(self, answered: asyncio.Event, reader: asyncio.Task) -> None:
        waiter = asyncio.create_task(answered.wait())
        await asyncio.wait({waiter, reader}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if self.session_ended is None and not reader.done():
            await asyncio.sleep(0.6)  # a goodbye's `end` follows once it has been heard

    def _setup_frame(self, relay: Relay) -> dict:
        return {
            "type": "setup",
            "sessionId": "VX" + secrets.token_hex(16),
            "callSid": self.call_sid,
            "parentCallSid": "",
            "from": self.from_number,
            "to": self.to_number,
            "forwardedFrom": self.to_number,
            "callerName": "",
            "direction": "inbound",
            "callType": "PSTN",
            "callStatus": "RINGING",
            "accountSid": ACCOUNT_SID,
            "customParameters": relay.parameters,
        }

    async def _listen(self, socket, answered: asyncio.Event, interrupt_after: int | None) -> None:
        """Print every answer as it streams; set `answered` at each one's last frame."""
        heard: list[str] = []
        while True:
            try:
                frame = json.loads(await socket.recv())
            except websockets.ConnectionClosed:
                return
            if frame["type"] == "end":
                self.session_ended = frame
                self.echo(
                    f"{chr(10) if heard else ''}[session ended: {frame.get('handoffData', '')}]"
                )
                answered.set()
                return
            if frame["type"] == "language":
                # Twilio transcribes in the new language from now on.
                self.language = frame.get("transcriptionLanguage") or self.language
                self.echo(f"[language → {frame.get('ttsLanguage')}]")
                continue
            if frame["type"] != "text":
                continue
            if not heard:
                self.write("assistant: ")
            token = frame["token"]
            heard.append(token)
            self.write(token)
            if frame["last"]:
                self.write("\n")
                heard = []
                # Twilio reports the end of speech; a goodbye or transfer then sends `end`.
                info = {"type": "info", "name": "agentSpeaking", "value": "off"}
                await socket.send(json.dumps(info))
                answered.set()
            elif interrupt_after is not None and len(heard) >= interrupt_after:
                interrupt = {
                    "type": "interrupt",
                    "utteranceUntilInterrupt": "".join(heard).strip(),
                    "durationUntilInterruptMs": 500,
                }
                await socket.send(json.dumps(interrupt))
                self.echo("  [caller interrupts]")
                heard = []
                await asyncio.sleep(0.3)
                answered.set()

    def echo(self, line: str) -> None:
        self.write(f"{line}\n")
