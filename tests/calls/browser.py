"""Talk to the staff WebSockets as a logged-in browser does: session cookie and Origin header."""

import asyncio
import json

from channels.testing import WebsocketCommunicator

SITE = b"https://public.example"


async def browser_socket(
    path: str, *, cookie: bytes | None, origin: bytes | None = SITE
) -> tuple[WebsocketCommunicator, bool]:
    from voiceai.asgi import application

    headers = []
    if cookie is not None:
        headers.append((b"cookie", cookie))
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    if not connected:
        await communicator.wait()  # let the refused consumer finish
    return communicator, connected


async def next_message(communicator: WebsocketCommunicator, timeout: float = 5) -> dict:
    return json.loads(await communicator.receive_from(timeout))


async def wait_for(communicator: WebsocketCommunicator, predicate, timeout: float = 5) -> dict:
    """The first message that satisfies `predicate`, skipping others, within `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError("no matching message arrived")
        message = await next_message(communicator, remaining)
        if predicate(message):
            return message
