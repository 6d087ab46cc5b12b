"""WebSocket routes of every app, mounted by voiceai.asgi."""

from calls.routing import websocket_urlpatterns as calls_websocket_urlpatterns

websocket_urlpatterns = [*calls_websocket_urlpatterns]
