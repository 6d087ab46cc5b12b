"""Frames and webhooks recorded from real Twilio ConversationRelay calls (tests/fixtures/)."""

import json
from pathlib import Path

RECORDINGS_DIR = Path(__file__).parent / "fixtures" / "twilio-recordings"


def recorded_events(name: str) -> list[dict]:
    """Every event of recording `name` (without .jsonl), in arrival order."""
    with (RECORDINGS_DIR / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def recorded_webhooks(path: str) -> list[tuple[str, dict]]:
    """(recording, form) of every webhook Twilio sent to `path` (`/voice`, `/action`, …)."""
    found = []
    for file in sorted(RECORDINGS_DIR.glob("*.jsonl")):
        for event in recorded_events(file.stem):
            if event.get("dir") == "http" and event.get("path") == path and "form" in event:
                found.append((file.stem, event["form"]))
    return found


def recorded_webhook(name: str, path: str, **matching: str) -> dict:
    """The first form recording `name` sent to `path` whose fields include `matching`."""
    for event in recorded_events(name):
        form = event.get("form")
        if (
            event.get("path") == path
            and form
            and all(form.get(k) == v for k, v in matching.items())
        ):
            return dict(form)
    raise LookupError(f"no {path} webhook with {matching} in {name}")
