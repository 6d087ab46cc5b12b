"""ASGI entry point: HTTP goes to Django, WebSockets to the URL router the apps fill."""

import logging
import os

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voiceai.settings")
# Django must be set up before anything that imports models is loaded.
django_http_app = get_asgi_application()

from django.conf import settings  # noqa: E402

from voiceai.routing import websocket_urlpatterns  # noqa: E402

if not settings.TWILIO_AUTH_TOKEN:
    # Settings refuse to start without a token when DEBUG is off; in development, say so once.
    logging.getLogger("voiceai").warning(
        "TWILIO_AUTH_TOKEN is not set: Twilio request signatures are NOT checked. "
        "Set it before taking real calls."
    )

# No AllowedHostsOriginValidator here: Twilio sends no Origin header on the relay handshake.
# Consumers that trust a staff session check the Origin themselves (calls.consumers).
application = ProtocolTypeRouter(
    {
        "http": django_http_app,
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
