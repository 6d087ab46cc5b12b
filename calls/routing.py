"""WebSocket routes of the calls app. The ConversationRelay consumer mounts /ws/relay/ here."""

websocket_urlpatterns: list = []
