"""WebSocket routes of the calls app."""

from django.urls import path

from calls.consumers import RelayConsumer

websocket_urlpatterns = [
    path("ws/relay/", RelayConsumer.as_asgi()),
]
