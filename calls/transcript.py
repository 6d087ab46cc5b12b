"""The call's transcript and protocol log, written in batches off the relay's hot path.

Frames and turns are recorded in memory as they happen (cheap, no I/O on the event loop). One
writer per event loop writes every call's new rows together, every FLUSH_SECONDS, in one
database round trip (no timer runs while nothing waits); a call's own flush (when it ends, or
when staff act on it) writes its rows at once. A database that is briefly down does not lose
them: they are kept and tried again on the next flush.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from calls.models import Call, CallEvent, Turn

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5

PendingTurns = dict[int, tuple[Turn, set[str] | None]]  # id(turn) → (turn, fields to update)


class Transcript:
    def __init__(self, on_written: Callable[[list[Turn]], Awaitable[None]] | None = None) -> None:
        # Told about the turns of each batch once they are in the database (live monitors).
        self.on_written = on_written
        self.call: Call | None = None
        self.call_sid = "-"
        self.next_sequence = 1
        self._events: list[CallEvent] = []
        self._turns: PendingTurns = {}
        self._writing: asyncio.Future | None = None  # a batch with rows of ours, in flight
        self._writer: TranscriptWriter | None = None

    def attach(self, call: Call, *, next_sequence: int) -> None:
        """The call is known (at setup): earlier events of this socket belong to it too."""
        self.call, self.call_sid, self.next_sequence = call, call.call_sid, next_sequence
        for event in self._events:
            event.call = call
        self._writer = loop_writer()
        self._wake()

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
        self._wake()

    def turn(self, **fields: Any) -> Turn:
        """A new turn of this call, numbered in order; written with the next flush."""
        turn = Turn(call=self.call, sequence=self.next_sequence, **fields)
        self.next_sequence += 1
        self._turns[id(turn)] = (turn, None)
        self._wake()
        return turn

    def turn_changed(self, turn: Turn, *fields: str) -> None:
        """`turn` was changed after it was recorded: write `fields` again."""
        pending = self._turns.get(id(turn))
        if pending is not None and pending[1] is None:
            return  # not written yet: the insert carries the change
        previous = pending[1] if pending else set()
        self._turns[id(turn)] = (turn, previous | set(fields))
        self._wake()

    async def flush(self) -> None:
        """Write this call's rows now (after any batch of the writer that holds some)."""
        if self._writing is not None:
            await asyncio.shield(self._writing)
        await transcripts_write([self])

    async def close(self) -> None:
        await self.flush()
        self._writer = None

    def _wake(self) -> None:
        if self._writer is not None:
            self._writer.wake(self)

    def _take(self) -> tuple[list[CallEvent], PendingTurns]:
        taken = self._events, self._turns
        self._events, self._turns = [], {}
        return taken

    def _give_back(self, events: list[CallEvent], turns: PendingTurns) -> None:
        """A batch failed: its rows go first in the next one, with any change made since."""
        merged: PendingTurns = {}
        for key, (turn, fields) in turns.items():
            since = self._turns.pop(key, (turn, set()))[1] or set()
            merged[key] = (turn, None if fields is None else fields | since)
        self._events = events + self._events
        self._turns = {**merged, **self._turns}
        self._wake()


class TranscriptWriter:
    """Writes the transcripts of one event loop that have rows waiting, together."""

    def __init__(self) -> None:
        self._waiting: dict[int, Transcript] = {}
        self._task: asyncio.Task | None = None

    def wake(self, transcript: Transcript) -> None:
        self._waiting[id(transcript)] = transcript
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._write_while_waiting())

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            await asyncio.sleep(FLUSH_SECONDS)
            batch, self._waiting = list(self._waiting.values()), {}
            try:
                await transcripts_write(batch)
            except Exception:
                logger.exception("transcript writer: a batch failed")


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TranscriptWriter]" = (
    weakref.WeakKeyDictionary()
)


def loop_writer() -> TranscriptWriter:
    """The running event loop's writer."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = TranscriptWriter()
    return writer


async def transcripts_write(transcripts: list[Transcript]) -> None:
    """Write the waiting rows of `transcripts` in one transaction.

    The database away (restarting, unreachable): every row is kept for the next try. A row
    the database refuses: each call's rows are written one by one instead, rather than retry a
    batch that can never succeed and would hold back all that follows.
    """
    taken = [(t, *t._take()) for t in transcripts]
    taken = [(t, events, turns) for t, events, turns in taken if events or turns]
    if not taken:
        return
    done = asyncio.get_running_loop().create_future()
    for transcript, _, _ in taken:
        transcript._writing = done
    try:
        try:
            await _write(
                [event for _, events, _ in taken for event in events],
                [turn for _, _, turns in taken for turn in turns.values()],
            )
        except (OperationalError, InterfaceError):
            logger.exception(
                "calls %s: transcript write failed; will retry", _sids(t for t, _, _ in taken)
            )
            for transcript, events, turns in taken:
                transcript._give_back(events, turns)
            return
        except DatabaseError:
            logger.exception(
                "calls %s: transcript batch refused; writing it row by row",
                _sids(t for t, _, _ in taken),
            )
            for transcript, events, turns in taken:
                await _write_each(events, list(turns.values()), transcript.call_sid)
    finally:
        for transcript, _, _ in taken:
            if transcript._writing is done:
                transcript._writing = None
        done.set_result(None)
    for transcript, _, turns in taken:
        if turns and transcript.on_written is not None:
            written = sorted((turn for turn, _ in turns.values()), key=lambda t: t.sequence)
            await transcript.on_written(written)


def _sids(transcripts) -> str:
    return ", ".join(t.call_sid for t in transcripts)


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
    changed = [(turn, fields) for turn, fields in turns if turn.pk is not None and fields]
    try:
        with transaction.atomic():
            # New turns in one INSERT (PostgreSQL returns their ids), changed ones one by one.
            Turn.objects.bulk_create(new)
            for turn, fields in changed:
                turn.save(update_fields=sorted(fields))
            CallEvent.objects.bulk_create(events)
    except Exception:
        _unsaved(new)
        raise


def ms_since(start: float) -> int:
    """Milliseconds since `start` (a `time.monotonic()` reading), for a turn's timings."""
    return round((time.monotonic() - start) * 1000)
