"""The call's transcript and protocol log, written in batches off the relay's hot path.

Frames and turns are recorded in memory as they happen (cheap, no I/O on the event loop) and
written by a background task every FLUSH_SECONDS in one database round trip, and once more when
the call ends. A database that is briefly down does not lose them: the batch is kept and tried
again on the next flush.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from calls.models import Call, CallEvent, Turn

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5


class Transcript:
    def __init__(self, on_written: Callable[[list[Turn]], Awaitable[None]] | None = None) -> None:
        # Told about the turns of each batch once they are in the database (live monitors).
        self.on_written = on_written
        self.call: Call | None = None
        self.call_sid = "-"
        self.next_sequence = 1
        self._events: list[CallEvent] = []
        self._turns: dict[int, tuple[Turn, set[str] | None]] = {}  # id(turn) → (turn, fields)
        self._flusher: asyncio.Task | None = None

    def attach(self, call: Call, *, next_sequence: int) -> None:
        """The call is known (at setup): earlier events of this socket belong to it too."""
        self.call, self.call_sid, self.next_sequence = call, call.call_sid, next_sequence
        for event in self._events:
            event.call = call
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    def event(self, direction: str, type: str, payload: Any) -> None:
        self._events.append(
            CallEvent(
                call=self.call,
                direction=direction,
                type=type[:32],
                payload=payload,
                created_at=timezone.now(),
            )
        )

    def turn(self, **fields: Any) -> Turn:
        """A new turn of this call, numbered in order; written with the next flush."""
        turn = Turn(call=self.call, sequence=self.next_sequence, **fields)
        self.next_sequence += 1
        self._turns[id(turn)] = (turn, None)
        return turn

    def turn_changed(self, turn: Turn, *fields: str) -> None:
        """`turn` was changed after it was recorded: write `fields` again."""
        pending = self._turns.get(id(turn))
        if pending is not None and pending[1] is None:
            return  # not written yet: the insert carries the change
        previous = pending[1] if pending else set()
        self._turns[id(turn)] = (turn, previous | set(fields))

    async def flush(self) -> None:
        if not self._events and not self._turns:
            return
        events, self._events = self._events, []
        turns, self._turns = self._turns, {}
        try:
            await _write(events, list(turns.values()))
        except (OperationalError, InterfaceError):
            # The database is away (restarting, unreachable): keep the batch for the next try.
            logger.exception("call %s: transcript write failed; will retry", self.call_sid)
            self._events = events + self._events
            self._turns = {**turns, **self._turns}
            return
        except DatabaseError:
            # Something in the batch cannot be stored: write what can be, one by one, rather
            # than retry a batch that can never succeed and would hold back all that follows.
            logger.exception(
                "call %s: transcript batch refused; writing it row by row", self.call_sid
            )
            await _write_each(events, list(turns.values()), self.call_sid)
        if turns and self.on_written is not None:
            written = sorted((turn for turn, _ in turns.values()), key=lambda t: t.sequence)
            await self.on_written(written)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        await self.flush()

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()


@database_sync_to_async
def _write_each(
    events: list[CallEvent], turns: list[tuple[Turn, set[str] | None]], call_sid: str
) -> None:
    for turn, fields in turns:
        was_new = turn.pk is None
        try:
            with transaction.atomic():
                _save_turn(turn, fields)
        except DatabaseError:
            if was_new:
                _unsaved([turn])
            logger.exception("call %s: turn %s could not be stored", call_sid, turn.sequence)
    for event in events:
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except DatabaseError:
            logger.exception("call %s: %s event could not be stored", call_sid, event.type)


def _save_turn(turn: Turn, fields: set[str] | None) -> None:
    if turn.pk is None:
        turn.save(force_insert=True)
    elif fields:
        turn.save(update_fields=sorted(fields))


def _unsaved(turns: list[Turn]) -> None:
    """Forget the ids a rolled-back transaction gave `turns`, so the next try inserts them."""
    for turn in turns:
        turn.pk = None
        turn._state.adding = True


@database_sync_to_async
def _write(events: list[CallEvent], turns: list[tuple[Turn, set[str] | None]]) -> None:
    new = [turn for turn, _ in turns if turn.pk is None]
    try:
        with transaction.atomic():
            for turn, fields in turns:
                _save_turn(turn, fields)
            CallEvent.objects.bulk_create(events)
    except Exception:
        _unsaved(new)
        raise


def ms_since(start: float) -> int:
    """Milliseconds since `start` (a `time.monotonic()` reading), for a turn's timings."""
    return round((time.monotonic() - start) * 1000)
