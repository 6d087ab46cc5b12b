"""Liveness (`/healthz`) and readiness (`/readyz`) probes for load balancers and operators."""

import asyncio
import logging

import psycopg
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 3


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests; it checks nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
async def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers and, with Redis configured, so does the channel layer."""
    checks = {"database": await _database_check()}
    if settings.REDIS_URL:
        checks["channel_layer"] = await _channel_layer_check()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@sync_to_async
def _database_check() -> dict:
    # A connection of its own, not one from the pool: the pool would wait for one to free up
    # and then only say that it had none, not why the database cannot be reached.
    params = connection.get_connection_params()
    params["connect_timeout"] = CHECK_TIMEOUT_SECONDS
    try:
        with psycopg.connect(**params) as own:
            own.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        logger.warning("readyz: database check failed: %s", exc)
        return {"ok": False, "error": f"the database did not answer: {_first_line(exc)}"}
    return {"ok": True}


async def _channel_layer_check() -> dict:
    """A message sent to a fresh channel must come back within the timeout."""
    layer = get_channel_layer()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            channel = await layer.new_channel("readyz.")
            await layer.send(channel, {"type": "readyz.ping"})
            await layer.receive(channel)
    except TimeoutError:
        logger.warning("readyz: channel layer did not answer in %ss", CHECK_TIMEOUT_SECONDS)
        return {"ok": False, "error": "the channel layer (Redis) did not answer in time"}
    except Exception as exc:
        logger.warning("readyz: channel layer check failed: %s", exc)
        return {"ok": False, "error": f"the channel layer (Redis) failed: {_first_line(exc)}"}
    return {"ok": True}
