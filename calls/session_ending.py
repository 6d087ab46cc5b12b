"""Ending a relay session: the `end` frame, sent once the caller has heard the last words
(a goodbye, a handoff to a person, a workflow's transfer), and closing a silent one.

Part of RelaySession.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings

from calls import live, protocol
from calls.models import TurnRole, TurnSource

logger = logging.getLogger(__name__)

SPOKEN_CHARS_PER_SECOND = 14  # a calm TTS voice; used to wait for a goodbye to be heard
END_WAIT_CAP_SECONDS = 10.0


@dataclass
class Ending:
    """A goodbye or handoff decided on, waiting for the caller to hear its last words."""

    reason_code: str
    reason: str
    handle: asyncio.TimerHandle | None = None
    staff_name: str = ""  # a staff member handed the call over (takeover)
    extra: dict = field(default_factory=dict)  # more HandoffData (a workflow's transfer number)


class EndingMixin:
    async def _watch_silence(self) -> None:
        limit = settings.RELAY_SILENCE_TIMEOUT_SECONDS
        while True:
            quiet_for = time.monotonic() - self._last_inbound
            if quiet_for >= limit:
                break
            await asyncio.sleep(limit - quiet_for)
        logger.warning("call %s: no frame from Twilio for %ss; closing", self.call_sid, limit)
        self.transcript.event("out", "silence-timeout", {"seconds": limit})
        self.transcript.turn(
            role=TurnRole.SYSTEM,
            source=TurnSource.SYSTEM,
            language=self.language,
            text=f"closed after {limit} s of silence",
        )
        await self._close()

    def _end_after_speaking(self, reason_code: str, reason: str, text: str, **extra: str) -> None:
        """Send `end` once `text` has been heard: on agentSpeaking off, or after its length."""
        self._ending = Ending(reason_code, reason, extra=extra)
        wait = min(END_WAIT_CAP_SECONDS, 0.5 + len(text) / SPOKEN_CHARS_PER_SECOND)
        loop = asyncio.get_running_loop()
        self._ending.handle = loop.call_later(wait, lambda: loop.create_task(self._send_end()))

    async def _send_end(self) -> None:
        ending, self._ending = self._ending, None
        if ending is None:
            return
        if ending.handle is not None:
            ending.handle.cancel()
        handoff = {
            "reasonCode": ending.reason_code,
            "reason": ending.reason,
            "callStartedAt": self.call.started_at.isoformat(),
        }
        if ending.staff_name:
            handoff["staff"] = ending.staff_name
        handoff.update(ending.extra)
        self.transcript.turn(
            role=TurnRole.SYSTEM,
            source=TurnSource.SYSTEM,
            language=self.language,
            text=f"handoff: {ending.reason_code}",
            staff_name=ending.staff_name,
        )
        self.handoff_sent = handoff
        await self.send(protocol.end_frame(handoff))
        await live.call_state_publish(
            call_sid=self.call_sid,
            event="ending",
            reason_code=ending.reason_code,
            staff_name=ending.staff_name,
        )
