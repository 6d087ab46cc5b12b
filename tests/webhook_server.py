"""A business's webhook receiver on loopback, for workflow webhook tests.

It records every request (headers and body) and answers as told: a JSON body, a status, a
raw body that is not JSON, or a delay longer than the caller's timeout.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    json_body: Any = field(default_factory=lambda: {"slots": {"booking_reference": "R-1"}})
    raw_body: bytes | None = None  # sent instead of json_body
    delay: float = 0.0


class WebhookServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer = Answer()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                server.received.append(
                    Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                )
                answer = server.answer
                if answer.delay:
                    time.sleep(answer.delay)
                body = (
                    answer.raw_body
                    if answer.raw_body is not None
                    else json.dumps(answer.json_body).encode()
                )
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hooks/booking"

    def start(self) -> "WebhookServer":
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self, **answer: Any) -> None:
        self.received.clear()
        self.answer = Answer(**answer)
