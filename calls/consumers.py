"""WebSocket endpoints: the ConversationRelay endpoint (`/ws/relay/`) and the staff monitors.

Thin protocol edges: the relay delegates to RelaySession, the monitors to `calls.live`.
"""

import contextlib
import json
import logging
from urllib.parse import parse_qs, urlparse

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.template.loader import render_to_string

from calls import live, protocol, twilio
from calls.selectors import call_is_live, call_monitor_backlog
from calls.session import RelaySession

logger = logging.getLogger(__name__)


def _staff_user(scope: dict):
    user = scope.get("user")
    return user if user is not None and user.is_authenticated and user.is_staff else None


def _same_site(scope: dict) -> bool:
    """The browser's Origin is one of ALLOWED_HOSTS (against cross-site WebSocket hijacking).

    Channels' validator is used only for its check, built per call so that it reads the
    current settings; the application it would wrap is never called.
    """
    origin = dict(scope.get("headers", [])).get(b"origin")
    if origin is None:
        return False
    return AllowedHostsOriginValidator(None).valid_origin(urlparse(origin.decode("latin1")))


def _staff_name(user) -> str:
    return user.get_full_name() or user.get_username()


# How often a monitor joins its group again (Redis forgets groups when it restarts); relays
# use settings.RELAY_GROUP_REJOIN_SECONDS, since there is one per call.
MONITOR_REJOIN_SECONDS = 2.0


class RelayConsumer(AsyncWebsocketConsumer):
    session: RelaySession | None = None
    call_sid: str = ""
    keeper: live.GroupKeeper | None = None

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections (a thread hop) before every message;
        # the relay does its database work in worker threads that manage their own, so the
        # per-frame hop is skipped for inbound frames, the hot path.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        # Twilio signs its handshake; the browser simulator comes with a staff session instead.
        simulator_user = ""
        checked = twilio.signature_checks_enabled()
        if not (checked and self._signed_by_twilio()):
            staff = _staff_user(self.scope)
            if staff is not None and _same_site(self.scope):
                simulator_user = staff.get_username()
            elif checked:
                logger.warning("relay handshake refused: missing or invalid Twilio signature")
                await self.close()  # before accept: the client gets HTTP 403
                return
        self.session = RelaySession(
            send=self._send_frame,
            close=self._close_session,
            attached=self._attached,
            simulator_user=simulator_user,
        )
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
        if self.keeper is not None:
            self.keeper.stop()
        if self.call_sid:
            with contextlib.suppress(Exception):  # Redis may be away; the call still ends well
                await self.channel_layer.group_discard(
                    live.relay_group(self.call_sid), self.channel_name
                )
        if self.session is not None:
            await self.session.disconnected(code)

    async def relay_takeover(self, message: dict) -> None:
        """A staff member acts on this call from a monitor page, possibly on another server."""
        command = live.TakeoverCommand(
            action=message["action"], staff_name=message["staff_name"], text=message["text"]
        )
        logger.info("call %s: takeover %s by %s", self.call_sid, command.action, command.staff_name)
        await self.session.takeover(command)

    async def _attached(self, call_sid: str) -> None:
        self.call_sid = call_sid
        group = live.relay_group(call_sid)
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            # Without the layer the call goes on; takeover waits for the keeper to rejoin.
            logger.exception("call %s: could not join %s", call_sid, group)
        self.keeper = live.GroupKeeper(
            layer=self.channel_layer,
            channel_name=self.channel_name,
            groups=[group],
            every=settings.RELAY_GROUP_REJOIN_SECONDS,
        )
        self.keeper.start()

    async def _send_frame(self, frame: dict) -> None:
        await self.send(text_data=protocol.encode(frame))

    async def _close_session(self) -> None:
        await self.close(code=1000)


class CallMonitorConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/calls/<call_sid>/monitor/`: a staff member watches one call and may take it over.

    `?after=<sequence>` names the last turn the page already shows; later turns are sent on
    connect, then each turn as it is written, from whichever process serves the call.
    """

    call_sid = ""
    can_hand_off = False
    last_sequence = 0
    keeper: live.GroupKeeper | None = None

    async def connect(self) -> None:
        self.staff = _staff_user(self.scope)
        if self.staff is None or not _same_site(self.scope):
            await self.close()
            return
        self.call_sid = self.scope["url_route"]["kwargs"]["call_sid"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        after = query.get("after", ["0"])[0]
        backlog = await database_sync_to_async(call_monitor_backlog)(
            call_sid=self.call_sid, after=int(after) if after.isdigit() else 0
        )
        if backlog is None:
            await self.close()
            return
        group = live.call_group(self.call_sid)
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.keeper = live.GroupKeeper(
            layer=self.channel_layer,
            channel_name=self.channel_name,
            groups=[group],
            every=MONITOR_REJOIN_SECONDS,
            on_change=self._layer_changed,
        )
        self.keeper.start()
        self.last_sequence = int(after) if after.isdigit() else 0
        await self._send_turns([live.turn_payload(turn) for turn in backlog.turns])
        self.can_hand_off = backlog.can_hand_off
        await self.send_json(
            {
                "type": "state",
                "event": "paused" if backlog.paused_by else "resumed",
                "staff_name": backlog.paused_by,
                "live": backlog.live,
                "can_hand_off": backlog.can_hand_off,
            }
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = json.loads(text_data or "")
            if not isinstance(content, dict):
                raise ValueError
        except ValueError:
            await self.send_json({"type": "error", "message": "Send a JSON object."})
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs) -> None:
        try:
            command = live.takeover_command(
                action=content.get("action"),
                text=content.get("text"),
                staff_name=_staff_name(self.staff),
            )
        except live.InvalidTakeover as exc:
            await self.send_json({"type": "error", "message": str(exc)})
            return
        if command.action == "handoff" and not self.can_hand_off:
            await self.send_json(
                {
                    "type": "error",
                    "message": "This number has no live agent number or handoff menu to hand "
                    "the call to. Set one in the admin, or keep talking to the caller yourself.",
                }
            )
            return
        if not await database_sync_to_async(call_is_live)(call_sid=self.call_sid):
            await self.send_json({"type": "error", "message": "The call has ended."})
            return
        try:
            await live.takeover_send(call_sid=self.call_sid, command=command)
        except Exception:
            logger.exception("call %s: takeover could not be sent", self.call_sid)
            await self.send_json(
                {"type": "error", "message": "Could not reach the call. Try again."}
            )
            return
        await self.send_json({"type": "sent", "action": command.action})

    async def disconnect(self, code: int) -> None:
        if self.keeper is not None:
            self.keeper.stop()
        if self.call_sid:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(
                    live.call_group(self.call_sid), self.channel_name
                )

    async def _layer_changed(self, up: bool) -> None:
        """Redis went away (live updates stop) or came back (catch up from the database)."""
        await self.send_json({"type": "connection", "ok": up})
        if up:
            backlog = await database_sync_to_async(call_monitor_backlog)(
                call_sid=self.call_sid, after=self.last_sequence
            )
            if backlog is not None:
                await self._send_turns([live.turn_payload(turn) for turn in backlog.turns])

    async def call_turns(self, message: dict) -> None:
        await self._send_turns(message["turns"])

    async def call_state(self, message: dict) -> None:
        await self.send_json({"type": "state", **{k: v for k, v in message.items() if k != "type"}})

    async def _send_turns(self, payloads: list[dict]) -> None:
        for payload in payloads:
            self.last_sequence = max(self.last_sequence, payload["sequence"])
            html = render_to_string("calls/_turn.html", {"turn": live.turn_from_payload(payload)})
            await self.send_json({"type": "turn", "sequence": payload["sequence"], "html": html})


class LiveCallsConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/calls/live/`: calls starting, speaking and ending, for the live list."""

    async def connect(self) -> None:
        if _staff_user(self.scope) is None or not _same_site(self.scope):
            await self.close()
            return
        await self.channel_layer.group_add(live.LIVE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await self.channel_layer.group_discard(live.LIVE_GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        pass  # the live list only listens

    async def calls_activity(self, message: dict) -> None:
        await self.send_json({k: v for k, v in message.items() if k != "type"})
