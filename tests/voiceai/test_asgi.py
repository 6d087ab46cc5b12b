"""The ASGI application: HTTP reaches Django, WebSockets reach only the routes apps declare."""

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from voiceai.asgi import application


@pytest.mark.asyncio
async def test_http_is_served_by_django():
    communicator = HttpCommunicator(
        application, "GET", "/healthz", headers=[(b"host", b"127.0.0.1")]
    )
    response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b'{"status": "ok"}'


@pytest.mark.asyncio
async def test_a_websocket_to_an_unknown_path_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/nowhere/")
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()
