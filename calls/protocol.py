"""ConversationRelay frames: read what Twilio sends, write what Twilio accepts.

Inbound frames are checked field by field against what Twilio really sends (including the
recorded quirks: `lang` as "en", `durationUntilInterruptMs` as number or string). A frame that
does not fit raises BadFrame with a reason for the protocol log; the call goes on. Outbound
frames are plain dicts with real JSON booleans, as Twilio validates them.
"""

import json
from dataclasses import dataclass, field
from typing import Any

MAX_FRAME_BYTES = 64 * 1024
DTMF_KEYS = frozenset("0123456789*#")


class BadFrame(ValueError):
    """An inbound frame that cannot be used; its message says why."""

    def __init__(self, reason: str, raw: Any = None) -> None:
        super().__init__(reason)
        self.raw = raw


@dataclass(frozen=True)
class Frame:
    type: str
    data: dict[str, Any] = field(repr=False)

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        return value if isinstance(value, str) else default


_REQUIRED_TEXT = {
    "setup": ("callSid",),
    "prompt": ("voicePrompt",),
    "dtmf": ("digit",),
    "error": (),
    "info": ("name",),
    "interrupt": (),
}
_OPTIONAL_TEXT = {
    "setup": ("sessionId", "accountSid", "from", "to", "direction", "callStatus", "callType"),
    "prompt": ("lang",),
    "interrupt": ("utteranceUntilInterrupt",),
    "error": ("description",),
}


def storable(value: Any) -> Any:
    """`value` with NUL characters removed from every string: PostgreSQL cannot store them in
    text or JSON, and one would make the transcript batch it is in unwritable."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def parse_inbound(text: str | None, binary: bytes | None = None) -> Frame:
    """The frame in one WebSocket message, or BadFrame."""
    if text is None:
        size = len(binary or b"")
        raise BadFrame(f"binary frame ({size} bytes); ConversationRelay sends text", raw=None)
    if len(text) > MAX_FRAME_BYTES or len(text.encode()) > MAX_FRAME_BYTES:
        raise BadFrame(f"frame over {MAX_FRAME_BYTES // 1024} KB", raw=text[:200])
    try:
        data = json.loads(text)
    except ValueError:
        raise BadFrame("not JSON", raw=storable(text[:2000])) from None
    data = storable(data)
    if not isinstance(data, dict):
        raise BadFrame("not a JSON object", raw=data)
    kind = data.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadFrame("no type", raw=data)
    if kind not in _REQUIRED_TEXT:
        return Frame(kind, data)  # unknown types are logged and ignored by the session
    for key in _REQUIRED_TEXT[kind]:
        if not isinstance(data.get(key), str):
            raise BadFrame(f"{kind}: {key} must be a string", raw=data)
    for key in _OPTIONAL_TEXT.get(kind, ()):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise BadFrame(f"{kind}: {key} must be a string", raw=data)
    _check_specifics(kind, data)
    return Frame(kind, data)


def _check_specifics(kind: str, data: dict) -> None:
    if kind == "setup":
        params = data.get("customParameters")
        if params is None:  # missing or null: no parameters, so no session token either
            data["customParameters"] = {}
        elif not isinstance(params, dict):
            raise BadFrame("setup: customParameters must be an object", raw=data)
    elif kind == "prompt":
        last = data.get("last", True)
        if not isinstance(last, bool):
            raise BadFrame("prompt: last must be true or false", raw=data)
    elif kind == "dtmf":
        if data["digit"] not in DTMF_KEYS:
            raise BadFrame("dtmf: digit must be one of 0-9 * #", raw=data)
    elif kind == "interrupt":
        data["durationUntilInterruptMs"] = interrupt_duration_ms(data)


def interrupt_duration_ms(data: dict) -> int | None:
    """`durationUntilInterruptMs`, sent as a number live and as a string in older docs."""
    value = data.get("durationUntilInterruptMs")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


# --- outbound -------------------------------------------------------------------------------


def text_frame(token: str, *, last: bool, preemptible: bool = False) -> dict:
    frame: dict[str, Any] = {"type": "text", "token": token, "last": last}
    if preemptible:
        frame["preemptible"] = True
    return frame


def language_frame(code: str) -> dict:
    return {"type": "language", "ttsLanguage": code, "transcriptionLanguage": code}


def end_frame(handoff_data: dict) -> dict:
    # handoffData is a string: Twilio passes it back verbatim as HandoffData.
    return {"type": "end", "handoffData": json.dumps(handoff_data, separators=(",", ":"))}


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
