"""The website widget's channel: socket.io, hardened, with conversations that persist.

Compared with Rasa's built-in ``SocketIOInput`` (same name, ``socketio``, so the HTTP
API's ``output_channel=socketio`` and ``output_channel=latest`` reach it):

* **Works with every python-socketio 5.x.** Rasa 3.6.21 calls ``enter_room`` without
  ``await``; from python-socketio 5.10 on that is a coroutine, so the socket never
  joins its conversation's room and no bot message arrives (RasaHQ/rasa#13027). Here
  the result is awaited when it is awaitable.
* **Conversation ids are checked.** A ``session_request`` must carry a random id of
  the form the widget generates (:func:`bot.channels.widget.valid_session_id`) or
  none; anything else gets a fresh server-made id. The id is bound to the socket:
  user messages go to that conversation only, whatever ``session_id`` they name.
* **User text passes the** :class:`ChannelGuard` (screening, length, rate limits per
  conversation and per address); a refusal is sent to that socket only, never stored.
* **Message size** is capped at ``limits.max_body_bytes`` (``max_http_buffer_size``),
  and only the configured ``server.widget_origins`` may connect.
* **Malformed packets are turned away** (:mod:`components.channels.packets`) instead
  of writing a traceback into the log for each one.
* **One event per bot message.** :class:`AdvieslijnSocketIOOutput` emits ONE
  ``bot_uttered`` event carrying text, buttons and custom payload together (Rasa's
  own output splits texts on blank lines, sends buttons as a separate event and
  crashes on custom payloads).
* **History.** ``history_request`` answers (as a socket.io acknowledgement) with the
  conversation's messages from the tracker store, so a reloaded page or a second tab
  shows the same conversation without keeping any text in the browser. A message
  typed in one tab is echoed (``user_echo``) to the conversation's other tabs.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.guard import INTENT_PREFIX
from bot.channels.widget import button_title, history, valid_session_id, wire_message
from bot.settings import Settings, get_settings
from components.channels.guard import ChannelGuard
from components.channels.output import WholeMessageOutput
from components.channels.packets import install_packet_check, undecodable_polling_body

logger = logging.getLogger(__name__)

SESSION_REQUEST = "session_request"
SESSION_CONFIRM = "session_confirm"
HISTORY_REQUEST = "history_request"
USER_ECHO = "user_echo"


async def settle(result: Any) -> Any:
    """Await ``result`` if it is awaitable.

    ``enter_room`` and ``leave_room`` of python-socketio's ``AsyncServer`` are plain
    functions up to 5.9 and coroutines from 5.10 on; an un-awaited coroutine does
    nothing (RasaHQ/rasa#13027).
    """
    if inspect.isawaitable(result):
        return await result
    return result


async def enter_room(sio: AsyncServer, sid: str, room: str, namespace: str | None) -> None:
    """Put a socket into a room, on python-socketio versions where this is sync or async."""
    await settle(sio.enter_room(sid, room, namespace=namespace))


class AdvieslijnSocketIOOutput(WholeMessageOutput):
    """Sends each bot message as one socket.io event to its conversation's sockets."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel, as Rasa's HTTP API refers to it."""
        return "socketio"

    def __init__(
        self,
        sio: AsyncServer,
        bot_message_evt: str,
        namespace: str | None = None,
        only_sid: str | None = None,
    ) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.only_sid = only_sid  # set: send to this one socket instead of the conversation

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Emit one ``bot_uttered`` event with every part of the message."""
        data = wire_message(message)
        if data is None:
            return
        await self.sio.emit(
            self.bot_message_evt,
            data,
            room=self.only_sid or recipient_id,
            namespace=self.namespace,
        )

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        """Send an attachment."""
        await self.send_response(recipient_id, {"attachment": attachment})


@dataclass
class _Socket:
    """What the server knows about one connected socket."""

    address: str
    conversation: str | None = None


class CheckedSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, answering 400 to polling bodies engine.io cannot read."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        """Attach the socket.io server and the check of its polling POSTs to the app."""
        path = "/" + str(self.ctx.socketio_path).strip("/") + "/"

        async def check_polling_body(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.startswith(path):
                return None
            problem = undecodable_polling_body(request.body or b"")
            if problem is None:
                return None
            logger.info("socket.io: refused a polling request: %s", problem)
            return response.json({"error": problem}, status=400)

        app.register_middleware(check_polling_body, "request")
        super().register(app, options)


class AdvieslijnSocketIOInput(InputChannel):
    """socket.io channel for the website widget (see the module docstring)."""

    # The socket.io server class; tests put in one whose enter_room is a coroutine, as
    # in python-socketio >= 5.10.
    server_class: type[AsyncServer] = AsyncServer

    @classmethod
    def name(cls) -> str:
        """Name of the channel, as Rasa's HTTP API refers to it."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel from its ``credentials.yml`` entry."""
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=bool(credentials.get("session_persistence", True)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        session_persistence: bool = True,
        socketio_path: str = "/socket.io",
        settings: Settings | None = None,
    ) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.settings = settings
        self.sio: AsyncServer | None = None
        self.guard: ChannelGuard | None = None
        self.sockets: dict[str, _Socket] = {}

    def get_output_channel(self) -> OutputChannel | None:
        """Output channel for messages pushed through the HTTP API (``output_channel=latest``)."""
        if self.sio is None:
            logger.warning("socket.io output requested before the channel was started")
            return None
        return AdvieslijnSocketIOOutput(self.sio, self.bot_message_evt, self.namespace)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Create the socket.io server and its handlers, attached to the Sanic app."""
        settings = self.settings or get_settings()
        guard = self.guard = self.guard or ChannelGuard(settings)
        sio = self.sio = self.server_class(
            async_mode="sanic",
            cors_allowed_origins=list(settings.server.widget_origins),
            max_http_buffer_size=settings.limits.max_body_bytes,
        )
        install_packet_check(sio)
        webhook: Blueprint = CheckedSocketBlueprint(
            sio, self.socketio_path, "advieslijn_socketio_webhook", __name__
        )
        apps: list[Sanic] = []
        namespace = self.namespace

        @webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            apps.append(app)

        def agent() -> Any:
            return apps[0].ctx.agent

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            address = str(getattr(request, "ip", "") or environ.get("REMOTE_ADDR") or "unknown")
            self.sockets[sid] = _Socket(address=address)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            self.sockets.pop(sid, None)

        @sio.on(SESSION_REQUEST, namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            socket = self.sockets.get(sid)
            if socket is None:
                return
            requested = data.get("session_id") if isinstance(data, dict) else None
            if not self.session_persistence:
                conversation = sid
            elif valid_session_id(requested):
                conversation = str(requested)
            else:
                if requested:
                    logger.info("socket.io: refused a malformed session id; issued a new one")
                conversation = uuid.uuid4().hex
            if socket.conversation and socket.conversation != conversation:
                await settle(sio.leave_room(sid, socket.conversation, namespace=namespace))
            socket.conversation = conversation
            await enter_room(sio, sid, conversation, namespace)
            await sio.emit(SESSION_CONFIRM, conversation, room=sid, namespace=namespace)

        @sio.on(HISTORY_REQUEST, namespace=namespace)
        async def history_request(sid: str, _: Any = None) -> list[dict[str, Any]]:
            socket = self.sockets.get(sid)
            if socket is None or socket.conversation is None:
                return []
            tracker = await agent().tracker_store.retrieve(socket.conversation)
            if tracker is None:
                return []
            return history(event.as_dict() for event in tracker.events)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            socket = self.sockets.get(sid)
            if socket is None or socket.conversation is None:
                logger.info("socket.io: message before session_request ignored")
                return
            conversation = socket.conversation
            text = data.get("message") if isinstance(data, dict) else None
            to_socket = AdvieslijnSocketIOOutput(sio, self.bot_message_evt, namespace, sid)
            wait = guard.retry_after(conversation, socket.address)
            if wait is not None:
                await guard.refuse_rate_limited(agent(), conversation, to_socket, wait, text=text)
                return
            screened = await guard.screen(agent(), conversation, text)
            if screened.refusal:
                await guard.refuse(agent(), conversation, screened.refusal, to_socket, text=text)
                return
            if screened.text is None:
                return
            await self._echo(sid, conversation, screened.text, agent())
            output = AdvieslijnSocketIOOutput(sio, self.bot_message_evt, namespace)
            await guard.deliver(
                agent(),
                UserMessage(screened.text, output, conversation, input_channel=self.name()),
                on_new_message,
            )

        return webhook

    async def _echo(self, sid: str, conversation: str, text: str, agent: Any) -> None:
        """Show a user message in the conversation's other tabs (a button by its title)."""
        assert self.sio is not None
        shown: str | None = text
        if text.startswith(INTENT_PREFIX):
            tracker = await agent.tracker_store.retrieve(conversation)
            events = reversed(tracker.events) if tracker is not None else []
            shown = button_title((e.as_dict() for e in events), text)
        if shown:
            await self.sio.emit(
                USER_ECHO,
                {"text": shown},
                room=conversation,
                skip_sid=sid,
                namespace=self.namespace,
            )
