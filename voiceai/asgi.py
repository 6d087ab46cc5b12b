"""ASGI entry point: HTTP goes to Django, WebSockets to the URL router the apps fill."""

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voiceai.settings")
# Django must be set up before anything that imports models is loaded.
django_http_app = get_asgi_application()

from voiceai.routing import websocket_urlpatterns  # noqa: E402

# No AllowedHostsOriginValidator: Twilio sends no Origin header on the relay handshake.
application = ProtocolTypeRouter(
    {
        "http": django_http_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
