"""The ConversationRelay endpoint (`/ws/relay/`): a thin protocol edge over RelaySession."""

import logging

from channels.generic.websocket import AsyncWebsocketConsumer

from calls import protocol, twilio
from calls.session import RelaySession

logger = logging.getLogger(__name__)


class RelayConsumer(AsyncWebsocketConsumer):
    session: RelaySession | None = None

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections (a thread hop) before every message;
        # the relay does its database work in worker threads that manage their own, so the
        # per-frame hop is skipped for inbound frames, the hot path.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        if twilio.signature_checks_enabled() and not self._signed_by_twilio():
            logger.warning("relay handshake refused: missing or invalid Twilio signature")
            await self.close()  # before accept: the client gets HTTP 403
            return
        self.session = RelaySession(send=self._send_frame, close=self._close_session)
        await self.accept()

    def _signed_by_twilio(self) -> bool:
        # Twilio signs the wss:// URL exactly as written in the TwiML, with no parameters.
        headers = dict(self.scope["headers"])
        signature = headers.get(b"x-twilio-signature", b"").decode("latin-1")
        url = twilio.relay_websocket_url()
        if query := self.scope.get("query_string", b"").decode("latin-1"):
            url = f"{url}?{query}"
        return twilio.signature_is_valid(url=url, params={}, signature=signature)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.session.receive(text_data, bytes_data)

    async def disconnect(self, code: int) -> None:
        if self.session is not None:
            await self.session.disconnected(code)

    async def _send_frame(self, frame: dict) -> None:
        await self.send(text_data=protocol.encode(frame))

    async def _close_session(self) -> None:
        await self.close(code=1000)
