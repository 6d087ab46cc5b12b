"""What staff watch live: channel-layer groups per call, and the messages sent through them.

Three kinds of group, so that a call and its viewers may live in different server processes
(the Redis channel layer carries the messages between them):
- `call.<sid>`: the call's turns as they are written, for its monitor pages;
- `relay.<sid>`: takeover commands from staff, for the relay consumer serving the call;
- `calls.live`: calls starting, speaking and ending, for the live list.

Publishing never breaks a call: a channel layer that is down costs the monitor an update, and
the failure is logged with the call SID.
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from calls.models import TURN_SHOWN_FIELDS, Turn

logger = logging.getLogger(__name__)

LIVE_GROUP = "calls.live"
TAKEOVER_ACTIONS = ("say", "pause", "resume", "handoff")
TAKEOVER_TEXT_MAX = 500
# The turn fields a monitor shows; sent as plain values (the Redis layer encodes msgpack).
_TURN_FIELDS = TURN_SHOWN_FIELDS
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def call_group(call_sid: str) -> str:
    return f"call.{_UNSAFE.sub('_', call_sid)[:80]}"


def relay_group(call_sid: str) -> str:
    return f"relay.{_UNSAFE.sub('_', call_sid)[:80]}"


def turn_payload(turn: Turn) -> dict[str, Any]:
    payload = {name: getattr(turn, name) for name in _TURN_FIELDS}
    payload["created_at"] = turn.created_at.isoformat() if turn.created_at else None
    return payload


def turn_from_payload(payload: dict[str, Any]) -> Turn:
    """An unsaved Turn for rendering: the monitor shows it with the transcript's own template."""
    fields = {name: payload.get(name) for name in _TURN_FIELDS if name in payload}
    turn = Turn(**fields)
    if created := payload.get("created_at"):
        turn.created_at = datetime.fromisoformat(created)
    return turn


async def turns_publish(*, call_sid: str, turns: list[Turn]) -> None:
    """Tell the call's monitors, and the live list, about turns just written."""
    if not turns:
        return
    payloads = [turn_payload(turn) for turn in turns]
    await _group_send(call_group(call_sid), {"type": "call.turns", "turns": payloads}, call_sid)
    spoken = [t for t in turns if t.role != "system" and (t.text or t.text_heard)]
    if spoken:
        last = spoken[-1]
        await _group_send(
            LIVE_GROUP,
            {
                "type": "calls.activity",
                "call_sid": call_sid,
                "event": "turn",
                "role": last.role,
                "text": (last.text_heard if last.interrupted else last.text)[:200],
            },
            call_sid,
        )


async def call_state_publish(*, call_sid: str, event: str, **data: Any) -> None:
    """A call started, ended, or its assistant was paused or resumed."""
    message = {"call_sid": call_sid, "event": event, **data}
    await _group_send(call_group(call_sid), {"type": "call.state", **message}, call_sid)
    await _group_send(LIVE_GROUP, {"type": "calls.activity", **message}, call_sid)


@dataclass(frozen=True)
class TakeoverCommand:
    action: str
    staff_name: str
    text: str = ""


class InvalidTakeover(ValueError):
    """A takeover request the call cannot carry out; the message says why, for the staff page."""


def takeover_command(*, action: Any, text: Any, staff_name: str) -> TakeoverCommand:
    """A checked takeover command from what a staff page sent."""
    if action not in TAKEOVER_ACTIONS:
        raise InvalidTakeover(f"Unknown action. Use one of: {', '.join(TAKEOVER_ACTIONS)}.")
    text = text.strip() if isinstance(text, str) else ""
    if action == "say":
        if not text:
            raise InvalidTakeover("Type what the caller should hear.")
        if len(text) > TAKEOVER_TEXT_MAX:
            raise InvalidTakeover(f"Keep it under {TAKEOVER_TEXT_MAX} characters.")
    return TakeoverCommand(action=action, staff_name=staff_name, text=text)


async def takeover_send(*, call_sid: str, command: TakeoverCommand) -> None:
    """Hand a takeover command to whichever process serves the call; raises if the channel
    layer cannot carry it, so the staff page can say so."""
    message = {
        "type": "relay.takeover",
        "action": command.action,
        "text": command.text,
        "staff_name": command.staff_name,
    }
    await get_channel_layer().group_send(relay_group(call_sid), message)


async def _group_send(group: str, message: dict[str, Any], call_sid: str) -> None:
    try:
        await get_channel_layer().group_send(group, message)
    except Exception:
        logger.exception("call %s: could not publish %s to %s", call_sid, message["type"], group)


class GroupKeeper:
    """Keeps a consumer in its channel-layer groups, and says when the layer comes and goes.

    Redis forgets group memberships when it restarts, so the keeper joins again every
    `every` seconds (joining is idempotent). `on_change(up)` is awaited when the layer becomes
    unreachable and when it is back. The in-memory layer never goes away: no keeper runs then.
    """

    def __init__(
        self,
        *,
        layer,
        channel_name: str,
        groups: list[str],
        every: float,
        on_change: Callable[[bool], Awaitable[None]] | None = None,
    ) -> None:
        self.layer, self.channel_name, self.groups = layer, channel_name, groups
        self.every, self.on_change = every, on_change
        self.up = True
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if not isinstance(self.layer, InMemoryChannelLayer):
            self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                for group in self.groups:
                    await self.layer.group_add(group, self.channel_name)
                up = True
            except Exception as exc:
                up = False
                if self.up:
                    logger.warning("channel layer unreachable for %s: %s", self.groups, exc)
            if up != self.up:
                self.up = up
                if up:
                    logger.info("channel layer back; rejoined %s", self.groups)
                if self.on_change is not None:
                    await self.on_change(up)
