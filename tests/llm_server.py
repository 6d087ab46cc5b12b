"""A small OpenAI-compatible streaming server on loopback, for tests and benchmarks.

The assistant reaches it through the real `openai` client (OPENAI_BASE_URL). Each test sets
what it answers and how: delay before the first token and between tokens, an HTTP 500, a
stream cut mid-answer, or a stall. It records every request and whether the client hung up
before the answer was finished, so a test can prove that an interrupt closed the stream.

It also answers `/v1/embeddings` as OpenAI does (floats, or base64 float32 when the SDK asks
for it), with deterministic vectors derived from each text. `fail_with_status` applies to both
endpoints; `embedding_dimensions` makes it return vectors of that size whatever was asked,
like a model that does not support the `dimensions` parameter.
"""

import asyncio
import base64
import json
import random
import struct
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Behaviour:
    reply: str = "Thanks for calling. We open at eight in the morning."
    # Replies chosen by a word of the caller's last message (lowercase), before `reply`.
    replies: dict[str, str] = field(default_factory=dict)
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    fail_with_status: int | None = None
    cut_after_tokens: int | None = None  # close the stream without finishing
    stall: bool = False  # accept, then never send anything
    # Embeddings of this size whatever the request asked for (a model without `dimensions`).
    embedding_dimensions: int | None = None


@dataclass
class Exchange:
    model: str
    messages: list[dict]
    started: float
    finished: float | None = None
    client_gone_at: float | None = None


@dataclass
class EmbeddingRequest:
    model: str
    input: list[str]
    dimensions: int | None
    encoding_format: str


# OpenAI's size for text-embedding-3-small when no `dimensions` is given.
DEFAULT_EMBEDDING_DIMENSIONS = 1536


class FakeLLMServer:
    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.exchanges: list[Exchange] = []
        self.embedding_requests: list[EmbeddingRequest] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> "FakeLLMServer":
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self, **behaviour) -> None:
        self.behaviour = Behaviour(**behaviour)
        self.exchanges.clear()
        self.embedding_requests.clear()

    def wait_for_hangup(self, timeout: float = 5.0) -> Exchange:
        """The latest exchange, once its client went away (or it finished)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exchanges and (
                self.exchanges[-1].client_gone_at or self.exchanges[-1].finished
            ):
                return self.exchanges[-1]
            time.sleep(0.01)
        raise AssertionError("the LLM stream was neither finished nor closed by the client")

    # --- server ---------------------------------------------------------------------------
    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_post("/v1/embeddings", self._embeddings)
        runner = self._runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _answer_for(self, messages: list[dict]) -> str:
        """A reply chosen by a word of the caller's last message, else of the instructions."""
        behaviour = self.behaviour
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        for text in (last, system):
            for word, reply in behaviour.replies.items():
                if word in text.lower():
                    return reply
        return behaviour.reply

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        exchange = Exchange(body.get("model", ""), body.get("messages", []), time.monotonic())
        self.exchanges.append(exchange)
        behaviour = self.behaviour
        if behaviour.fail_with_status:
            return web.json_response(
                {"error": {"message": "the test server was told to fail", "type": "server"}},
                status=behaviour.fail_with_status,
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        tokens = _tokens(self._answer_for(exchange.messages))
        delay = 3600 if behaviour.stall else behaviour.first_token_delay
        if not await _sleep_unless_gone(request, delay):
            exchange.client_gone_at = time.monotonic()
            return response
        for index, token in enumerate(tokens):
            if behaviour.cut_after_tokens is not None and index >= behaviour.cut_after_tokens:
                request.transport.close()
                return response
            if index and not await _sleep_unless_gone(request, behaviour.token_delay):
                exchange.client_gone_at = time.monotonic()
                return response
            if not await _send(response, request, _chunk(token, None)):
                exchange.client_gone_at = time.monotonic()
                return response
        await _send(response, request, _chunk("", "stop"))
        await _send(response, request, "[DONE]")
        exchange.finished = time.monotonic()
        return response

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        texts = body.get("input", [])
        texts = [texts] if isinstance(texts, str) else list(texts)
        record = EmbeddingRequest(
            model=body.get("model", ""),
            input=texts,
            dimensions=body.get("dimensions"),
            encoding_format=body.get("encoding_format", "float"),
        )
        self.embedding_requests.append(record)
        behaviour = self.behaviour
        if behaviour.fail_with_status:
            return web.json_response(
                {"error": {"message": "the test server was told to fail", "type": "server"}},
                status=behaviour.fail_with_status,
            )
        size = behaviour.embedding_dimensions or record.dimensions or DEFAULT_EMBEDDING_DIMENSIONS
        data = []
        for index, text in enumerate(texts):
            vector = _embedding(text, size)
            if record.encoding_format == "base64":
                # What the SDK asks for by default: little-endian float32, base64-encoded.
                encoded = base64.b64encode(struct.pack(f"<{size}f", *vector)).decode()
                data.append({"object": "embedding", "index": index, "embedding": encoded})
            else:
                data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(len(text.split()) for text in texts)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": record.model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )


def _embedding(text: str, size: int) -> list[float]:
    """The same vector for the same text, in every process (str seeds are hashed with SHA-512)."""
    rng = random.Random(f"embedding:{text}")
    return [rng.uniform(-1.0, 1.0) for _ in range(size)]


def _tokens(text: str) -> list[str]:
    words = text.split(" ")
    return [words[0]] + [f" {word}" for word in words[1:]]


def _chunk(content: str, finish_reason: str | None) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "test",
            "choices": [
                {"index": 0, "delta": {"content": content}, "finish_reason": finish_reason}
            ],
        }
    )


def _gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _sleep_unless_gone(request: web.Request, seconds: float) -> bool:
    """Sleep, watching the connection; False as soon as the client hangs up."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if _gone(request):
            return False
        await asyncio.sleep(min(left, 0.005))
    return not _gone(request)


async def _send(response: web.StreamResponse, request: web.Request, data: str) -> bool:
    """False when the client has gone away."""
    if _gone(request):
        return False
    try:
        await response.write(f"data: {data}\n\n".encode())
    except (ConnectionResetError, RuntimeError):
        return False
    return True
