"""Replay what Twilio really sent on recorded calls: every frame is handled, every reply valid."""

import asyncio
import json

import pytest

from tests.calls.relay import Twilio, setup_frame, start_call
from tests.twilio_recordings import RECORDINGS_DIR, recorded_events

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

RECORDINGS = sorted(path.stem for path in RECORDINGS_DIR.glob("*.jsonl"))


def assert_valid_outbound(frame: dict) -> None:
    """The rules of the protocol reference, §5, for the frames voiceai sends."""
    kind = frame.get("type")
    assert kind in {"text", "language", "end", "play", "sendDigits"}, frame
    if kind == "text":
        assert isinstance(frame["token"], str)
        assert isinstance(frame.get("last", False), bool)
        for key in ("interruptible", "preemptible"):
            assert isinstance(frame.get(key, False), bool), frame
        assert len(frame["token"]) <= 256
    elif kind == "language":
        assert frame.get("ttsLanguage") or frame.get("transcriptionLanguage")
        assert all(isinstance(v, str) for k, v in frame.items() if k != "type")
    elif kind == "end":
        assert isinstance(frame.get("handoffData", ""), str)
        json.loads(frame["handoffData"])


def inbound_sessions(name: str) -> list[list[dict]]:
    sessions: dict[int, list[dict]] = {}
    for event in recorded_events(name):
        if event.get("dir") == "in" and "frame" in event:
            sessions.setdefault(event.get("session", 1), []).append(event["frame"])
    return [sessions[key] for key in sorted(sessions)]


@pytest.mark.parametrize("name", RECORDINGS)
async def test_a_recorded_call_replays_without_error(twilio_settings, profile, llm, name):
    llm.reset(reply="Thanks. We open at eight, and close at six.")
    sessions = inbound_sessions(name)
    assert sessions, f"{name} has no inbound frames"
    for frames in sessions:
        twilio = await Twilio.connect(setup=False)
        call_sid = frames[0].get("callSid", "CA00000000000000000000000000000001")
        parameters = await start_call(call_sid)
        sent = []
        for frame in frames:
            if frame.get("type") == "setup":
                frame = {
                    **setup_frame(parameters, call_sid),
                    **frame,
                    "customParameters": parameters,
                }
            await twilio.send(frame)
            await asyncio.sleep(0.005)
            while not await twilio.nothing(0.01):
                sent.append(await twilio.frame())
        while not await twilio.nothing(0.3):
            sent.append(await twilio.frame())
        await twilio.hang_up()
        for frame in sent:
            assert_valid_outbound(frame)
