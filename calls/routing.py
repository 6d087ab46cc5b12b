"""WebSocket routes of the calls app."""

from django.urls import path

from calls.consumers import CallMonitorConsumer, LiveCallsConsumer, RelayConsumer

websocket_urlpatterns = [
    path("ws/relay/", RelayConsumer.as_asgi()),
    path("ws/calls/live/", LiveCallsConsumer.as_asgi()),
    path("ws/calls/<str:call_sid>/monitor/", CallMonitorConsumer.as_asgi()),
]
