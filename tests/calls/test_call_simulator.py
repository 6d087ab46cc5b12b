"""simulate_call at the terminal: the session may end while it waits for the next line."""

import asyncio
import threading
import time

import pytest

from calls.call_simulator import step_or_session_end

pytestmark = pytest.mark.asyncio


async def test_the_next_line_is_the_next_step():
    reader = asyncio.create_task(asyncio.sleep(10))
    step = await step_or_session_end(lambda: ("say", "hello"), reader)
    assert step == ("say", "hello")
    reader.cancel()


async def test_a_session_that_ends_while_waiting_for_a_line_ends_the_wait():
    never = threading.Event()  # the person at the terminal types nothing more

    async def session_ends() -> None:
        await asyncio.sleep(0.1)

    started = time.monotonic()
    step = await step_or_session_end(
        lambda: never.wait() and None, asyncio.create_task(session_ends())
    )
    assert step is None
    assert time.monotonic() - started < 5  # it did not wait for the terminal
    never.set()
