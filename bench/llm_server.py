"""The LLM for the relay benchmark: an OpenAI-compatible streaming server in its own process.

It answers after a fixed time to first token, then one token per `token_delay`, and records,
for every request, when it arrived, when its first token was written, and when the client
hung up (aiohttp cancels the handler at once when the connection drops), all on the machine's
monotonic clock, which every process shares. The load generator reads the records over HTTP.

Which answer: a follow-up rewrite request gets a short question; a caller's message with the
word "explain" gets a long answer (several clauses, to be interrupted); anything else a short
one. Tokens carry their trailing space, so the first clause is complete with its last token and
the relay can speak it at once: prompt → first frame minus time to first token is then our
overhead, not the chunker waiting for the next word.

    python -m bench.llm_server --port 0 --first-token-ms 300 --token-ms 20
prints `port <n>` on its first line once it listens.
"""

import argparse
import asyncio
import json
import re
import time

from aiohttp import web

SHORT_REPLY = "Sure. We are open from eight in the morning to six in the evening."
LONG_REPLY = (
    "Of course. Your first visit starts at the front desk, where we check your insurance card. "
    "Then the hygienist takes a few x-rays and cleans your teeth, which takes about forty "
    "minutes. After that the dentist looks at the pictures with you and explains each option. "
    "If you need more work, we book it before you leave, and we send the estimate by email."
)
REWRITE_REPLY = "What can I do with the keypad on this line?"
# Each caller message of the benchmark carries "ref <id>", so records match the load
# generator's turns.
MARKER = re.compile(r"\bref ([a-z0-9]+)\b")


def tokens(text: str) -> list[str]:
    words = text.split(" ")
    return [f"{word} " for word in words[:-1]] + [words[-1]]


def chunk(content: str, finish_reason: str | None = None) -> bytes:
    data = json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "bench",
            "choices": [
                {"index": 0, "delta": {"content": content}, "finish_reason": finish_reason}
            ],
        },
        separators=(",", ":"),
    )
    return f"data: {data}\n\n".encode()


class BenchLLM:
    def __init__(self, *, first_token_delay: float, token_delay: float) -> None:
        self.first_token_delay = first_token_delay
        self.token_delay = token_delay
        self.records: list[dict] = []
        self.short = [chunk(token) for token in tokens(SHORT_REPLY)]
        self.long = [chunk(token) for token in tokens(LONG_REPLY)]
        self.rewrite = [chunk(token) for token in tokens(REWRITE_REPLY)]
        self.end = chunk("", "stop") + b"data: [DONE]\n\n"

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.completions)
        app.router.add_get("/bench/records", self.records_view)
        return app

    async def completions(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        body = await request.json()
        messages = body.get("messages") or []
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        if system.startswith("Rewrite"):
            kind, pieces = "rewrite", self.rewrite
        elif "explain" in last.lower():
            kind, pieces = "long", self.long
        else:
            kind, pieces = "short", self.short
        found = MARKER.search(last) if kind != "rewrite" else None
        record = {
            "marker": found.group(1) if found else "",
            "kind": kind,
            "received": received,
            "first_token": None,
            "finished": None,
            "gone": None,
        }
        self.records.append(record)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        try:
            await response.prepare(request)
            await asyncio.sleep(max(0.0, received + self.first_token_delay - time.monotonic()))
            for index, piece in enumerate(pieces):
                if index:
                    await asyncio.sleep(self.token_delay)
                await response.write(piece)
                if not index:
                    record["first_token"] = time.monotonic()
            await response.write(self.end)
            record["finished"] = time.monotonic()
        except (asyncio.CancelledError, ConnectionError):
            record["gone"] = time.monotonic()
            raise
        return response

    async def records_view(self, request: web.Request) -> web.Response:
        """Every record since the last read (the read clears them)."""
        records, self.records = self.records, []
        return web.json_response(records)


async def serve(port: int, llm: BenchLLM) -> None:
    runner = web.AppRunner(llm.application(), access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=2048)
    await site.start()
    print(f"port {site._server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--first-token-ms", type=float, default=300)
    parser.add_argument("--token-ms", type=float, default=20)
    options = parser.parse_args()
    llm = BenchLLM(
        first_token_delay=options.first_token_ms / 1000, token_delay=options.token_ms / 1000
    )
    asyncio.run(serve(options.port, llm))


if __name__ == "__main__":
    main()
