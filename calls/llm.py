"""The LLM, behind one module: stream a chat completion as plain text pieces.

Any OpenAI-compatible server works (OPENAI_BASE_URL, OPENAI_API_KEY). The stream is read as
raw server-sent events and decoded with `json.loads`: building one pydantic object per chunk
is two thirds of the CPU a relayed answer costs (DESIGN.md §6). Cancelling the consuming task
closes the HTTP response at once, so an interrupted answer stops costing tokens.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from functools import lru_cache

from django.conf import settings
from openai import APIError, AsyncOpenAI

logger = logging.getLogger(__name__)


class LLMError(Exception):
    """The LLM did not answer: refused, failed, timed out, or broke off mid-answer."""


def llm_configured() -> bool:
    return bool(settings.OPENAI_API_KEY)


@lru_cache(maxsize=4)
def _client(base_url: str, api_key: str, timeout: float) -> AsyncOpenAI:
    # One client per process: building one costs ~36 ms of CPU (it loads the CA bundle).
    # No SDK retries: a retry is a fallback-model decision, made by the caller.
    return AsyncOpenAI(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=0)


def client() -> AsyncOpenAI:
    return _client(settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY, settings.LLM_TIMEOUT_SECONDS)


async def stream_chat(
    *,
    model: str,
    messages: Sequence[dict[str, str]],
    temperature: float,
    max_tokens: int,
) -> AsyncIterator[str]:
    """Yield the answer's text as it arrives. Raises LLMError on any failure.

    LLM_TIMEOUT_SECONDS bounds the wait for the first piece and every gap between pieces.
    """
    timeout = settings.LLM_TIMEOUT_SECONDS
    try:
        async with contextlib.AsyncExitStack() as stack:
            # Timeouts wrap each wait, never a `yield`: the consumer's own work between pieces
            # must not be cancelled by the LLM's deadline.
            async with asyncio.timeout(timeout):
                response = await stack.enter_async_context(
                    client().chat.completions.with_streaming_response.create(
                        model=model,
                        messages=list(messages),
                        temperature=temperature,
                        max_tokens=max_tokens,
                        stream=True,
                    )
                )
            lines = response.iter_lines()
            while True:
                try:
                    async with asyncio.timeout(timeout):
                        line = await anext(lines)
                except StopAsyncIteration:
                    raise LLMError("the answer broke off before it was finished") from None
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                piece, finish_reason = _delta(data)
                if piece:
                    yield piece
                if finish_reason:
                    return
    except LLMError:
        raise
    except TimeoutError:
        raise LLMError(f"no answer within {timeout:g} s") from None
    except APIError as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:
        # Network errors of the HTTP layer surface unwrapped while streaming.
        raise LLMError(f"{type(exc).__name__}: {exc}") from None


def _delta(data: str) -> tuple[str, str | None]:
    """(text, finish_reason) of one chunk; tolerant of servers that omit fields."""
    chunk = json.loads(data)
    if "error" in chunk:
        raise LLMError(f"the server reported an error: {chunk['error']}")
    choices = chunk.get("choices") or ()
    if not choices:
        return "", None
    choice = choices[0]
    return (choice.get("delta") or {}).get("content") or "", choice.get("finish_reason")
