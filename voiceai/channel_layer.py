"""The Redis channel layer, made to survive Redis going away.

channels-redis raises from `receive` when Redis is unreachable, and Channels then ends the
consumer waiting on it: every call in progress would drop with Redis. Here `receive` waits and
tries again instead, so calls go on (their turns, the LLM and the database do not need Redis);
what Redis carries (live monitors, takeover) resumes when it is back, once consumers have
rejoined their groups (`calls.live.GroupKeeper`).
"""

import asyncio
import logging

import redis.exceptions
from channels_redis.core import RedisChannelLayer as _RedisChannelLayer

logger = logging.getLogger(__name__)

_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
RETRY_MAX_SECONDS = 5.0


class RedisChannelLayer(_RedisChannelLayer):
    async def receive(self, channel: str) -> dict:
        delay = 0.2
        while True:
            try:
                return await super().receive(channel)
            except _UNREACHABLE as exc:
                logger.warning(
                    "channel layer: Redis unreachable (%s); retrying in %.1fs", exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
