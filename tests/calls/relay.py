"""Talk to the relay consumer as Twilio does: signed handshake, setup with the TwiML's token."""

import asyncio
import json
from xml.etree import ElementTree

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.calls.conftest import AUTH_TOKEN, PUBLIC
from tests.twilio_recordings import recorded_events, recorded_webhook

RELAY_URL = f"{PUBLIC.replace('https', 'wss')}/ws/relay/"


def relay_signature(url: str = RELAY_URL) -> bytes:
    return RequestValidator(AUTH_TOKEN).compute_signature(url, {}).encode()


@database_sync_to_async
def start_call(call_sid: str = "CA00000000000000000000000000000001") -> dict:
    """POST the recorded voice webhook signed; return the session parameters of its TwiML."""
    form = {**recorded_webhook("interrupt", "/voice"), "CallSid": call_sid}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}/twilio/voice/", form)
    response = Client().post("/twilio/voice/", form, HTTP_X_TWILIO_SIGNATURE=signature)
    document = ElementTree.fromstring(response.content)
    return {p.get("name"): p.get("value") for p in document.iter("Parameter")}


def setup_frame(parameters: dict, call_sid: str = "CA00000000000000000000000000000001") -> dict:
    recorded = next(e["frame"] for e in recorded_events("interrupt") if e["dir"] == "in")
    return {**recorded, "callSid": call_sid, "customParameters": parameters}


class Twilio:
    """One relay connection, speaking and listening like Twilio."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.ws = communicator

    @classmethod
    async def connect(cls, *, call_sid: str = "CA00000000000000000000000000000001", setup=True):
        from voiceai.asgi import application

        communicator = WebsocketCommunicator(
            application, "/ws/relay/", headers=[(b"x-twilio-signature", relay_signature())]
        )
        connected, _ = await communicator.connect()
        assert connected
        twilio = cls(communicator)
        if setup:
            parameters = await start_call(call_sid)
            await twilio.send(setup_frame(parameters, call_sid))
        return twilio

    async def send(self, frame: dict) -> None:
        await self.ws.send_to(text_data=json.dumps(frame))

    async def say(self, text: str, lang: str = "en") -> None:
        await self.send({"type": "prompt", "voicePrompt": text, "lang": lang, "last": True})

    async def frame(self, timeout: float = 5) -> dict:
        output = await self.ws.receive_output(timeout)
        assert output["type"] == "websocket.send", output
        return json.loads(output["text"])

    async def answer(self, timeout: float = 5) -> list[dict]:
        """Frames up to and including the one with last:true (or an end frame)."""
        frames = []
        while True:
            frame = await self.frame(timeout)
            frames.append(frame)
            if frame.get("last") or frame["type"] == "end":
                return frames

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.ws.receive_nothing(timeout)

    async def hang_up(self) -> None:
        await self.ws.disconnect()
        # Let the consumer flush the transcript.
        await asyncio.sleep(0)


def spoken_text(frames: list[dict]) -> str:
    return "".join(f["token"] for f in frames if f["type"] == "text" and not f.get("preemptible"))
