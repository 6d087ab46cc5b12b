"""Celery tasks of calls. Tasks take ids and are enqueued after commit."""

import asyncio
import logging
from collections.abc import Sequence

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from calls import llm
from calls.models import Call, Turn
from calls.selectors import call_for_summary
from calls.services import call_summary_save
from calls.summary import SOURCE_EXTRACTIVE, summary_build, summary_extractive

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=150, time_limit=180)
def summarize_call(call_id: int) -> str:
    """Write the call's summary, replacing any earlier one; returns its source. An LLM that
    fails, or a task that runs out of time, leaves the extractive summary instead."""
    loaded = call_for_summary(call_id=call_id)
    if loaded is None:
        return "deleted"
    call, turns = loaded
    try:
        # A fresh event loop per task: the LLM clients of this loop are closed with it.
        summary, source = asyncio.run(_summary_build(call, turns))
    except SoftTimeLimitExceeded:
        logger.warning("call %s: summary took too long; writing the extractive one", call.call_sid)
        summary, source = summary_extractive(call=call, turns=turns), SOURCE_EXTRACTIVE
    call_summary_save(call=call, summary=summary, source=source)
    return source


async def _summary_build(call: Call, turns: Sequence[Turn]) -> tuple[dict[str, str], str]:
    try:
        return await summary_build(call=call, turns=turns)
    finally:
        await llm.clients_close()
