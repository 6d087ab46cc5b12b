import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls"

    def ready(self) -> None:
        # Settings refuse to start without a token when DEBUG is off; in development, say so.
        if not settings.TWILIO_AUTH_TOKEN:
            logger.warning(
                "TWILIO_AUTH_TOKEN is not set: Twilio request signatures are NOT checked. "
                "Set it before taking real calls."
            )
