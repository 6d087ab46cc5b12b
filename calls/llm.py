"""The LLM, behind one module: stream a chat completion as plain text pieces, or wait for it whole.

Any OpenAI-compatible server works (OPENAI_BASE_URL, OPENAI_API_KEY). The stream is read as
raw server-sent events and decoded with `json.loads`: building one pydantic object per chunk
is two thirds of the CPU a relayed answer costs (DESIGN.md §6). Cancelling the consuming task
closes the HTTP response at once, so an interrupted answer stops costing tokens.
"""

import asyncio
import contextlib
import json
import logging
import weakref
from collections.abc import AsyncIterator, Sequence

from django.conf import settings
from openai import APIError, AsyncOpenAI, DefaultAioHttpClient

logger = logging.getLogger(__name__)

# After the answer is complete, how long to wait for the end of the HTTP body.
DRAIN_SECONDS = 0.05


class LLMError(Exception):
    """The LLM did not answer: refused, failed, timed out, or broke off mid-answer."""


def llm_configured() -> bool:
    return bool(settings.OPENAI_API_KEY)


# Clients per event loop: a client's pooled connections belong to the loop that opened them.
_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, AsyncOpenAI]]" = (
    weakref.WeakKeyDictionary()
)


def client() -> AsyncOpenAI:
    """The process's client for the running loop and current settings, built once.

    Building one costs ~36 ms of CPU (it loads the CA bundle). No SDK retries: trying again is
    the fallback model's job, decided by the caller. The SDK's aiohttp transport (the
    `openai[aiohttp]` extra), which it offers for concurrency, instead of httpx2, whose
    connection pool is much of a relayed answer's CPU (DESIGN.md §6).
    """
    key = (settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY, settings.LLM_TIMEOUT_SECONDS)
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    if key not in per_loop:
        per_loop[key] = AsyncOpenAI(
            api_key=key[1],
            base_url=key[0] or None,
            timeout=key[2],
            max_retries=0,
            http_client=DefaultAioHttpClient(timeout=key[2]),
        )
    return per_loop[key]


async def clients_close() -> None:
    """Close the running loop's clients: call it before a short-lived loop (asyncio.run in a
    Celery task) ends, so their connections are not left open on a closed loop."""
    per_loop = _clients.pop(asyncio.get_running_loop(), {})
    for each in per_loop.values():
        await each.close()


async def complete_chat(
    *,
    model: str,
    messages: Sequence[dict[str, str]],
    temperature: float,
    max_tokens: int,
    total_timeout: float | None = None,
) -> str:
    """The whole answer as one string. Raises LLMError on any failure.

    It reads the same stream as `stream_chat` (so the same servers and per-gap timeout apply);
    `total_timeout`, when given, also bounds the whole answer.
    """
    pieces: list[str] = []
    try:
        async with asyncio.timeout(total_timeout):
            async for piece in stream_chat(
                model=model, messages=messages, temperature=temperature, max_tokens=max_tokens
            ):
                pieces.append(piece)
    except TimeoutError:
        raise LLMError(f"no complete answer within {total_timeout:g} s") from None
    return "".join(pieces)


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
                        messages=[],
                        stream=True,
                        # The SDK type-walks `messages` recursively before sending: ~70 % of
                        # the CPU of a short answer. Our messages are plain dicts we built,
                        # so they travel as extra_body, which replaces the empty list as is.
                        extra_body={
                            "messages": list(messages),
                            "temperature": temperature,
                            "max_tokens": max_tokens,
                        },
                    )
                )
            lines = response.iter_lines()
            finished = False
            while True:
                try:
                    async with asyncio.timeout(DRAIN_SECONDS if finished else timeout):
                        line = await anext(lines)
                except StopAsyncIteration:
                    if finished:
                        return
                    raise LLMError("the answer broke off before it was finished") from None
                except TimeoutError:
                    if finished:
                        return  # the server keeps the stream open after [DONE]
                    raise
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    # Read to the end of the body so the connection goes back to the pool:
                    # a new TCP connection per answer costs more than the answer itself.
                    finished = True
                    continue
                piece, finish_reason = _delta(data)
                if piece:
                    yield piece
                finished = finished or bool(finish_reason)
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
