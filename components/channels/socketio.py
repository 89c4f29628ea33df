"""The website widget's channel: socket.io, hardened, with conversations that persist.

Compared with Rasa's built-in ``SocketIOInput`` (same name, ``socketio``, so the HTTP
API's ``output_channel=socketio`` and ``output_channel=latest`` reach it):

* **Works with every python-socketio 5.x.** Rasa 3.6.21 calls ``enter_room`` without
  ``await``; from python-socketio 5.10 on that is a coroutine, so the socket never
  joins its conversation's room and no bot message arrives (RasaHQ/rasa#13027). Here
  the result is awaited when it is awaitable.
* **Conversation ids are checked.** A ``session_request`` may carry a random id a
  client chose, a UUID4 as 32 hex digits or dashed (:func:`bot.channels.widget.session_id`),
  or none; anything else gets a fresh server-made id. The id is bound to the socket:
  user messages go to that conversation only, whatever ``session_id`` they name. A
  ``user_uttered`` before any ``session_request`` gets a ``session_error`` event
  (``{"error": "no_session", "message": ...}``) and goes nowhere.
* **User text passes the** :class:`ChannelGuard` (screening, length, rate limits per
  conversation and per address); a refusal is sent to that socket only, never stored.
* **Message size** is capped at ``limits.max_body_bytes`` (``max_http_buffer_size``),
  and only the configured ``server.widget_origins`` may connect.
* **Malformed packets are turned away** (:mod:`components.channels.packets`) instead
  of writing a traceback into the log for each one.
* **Rasa's own shapes.** :class:`AdvieslijnSocketIOOutput` emits a bot message as
  the ``bot_uttered`` events Rasa's ``SocketIOOutput`` sends (text split on blank
  lines, buttons as ``quick_replies`` on the last part), so standard clients such as
  ``rasa-webchat`` show every message; a custom payload goes as its own event just
  before them, with the number of events that belong to it
  (:func:`bot.channels.widget.wire_events`), instead of crashing as in Rasa's
  output.
* **History.** ``history_request`` answers (as a socket.io acknowledgement) with the
  conversation's messages from the tracker store, so a reloaded page or a second tab
  shows the same conversation without keeping any text in the browser. A message
  typed in one tab is echoed (``user_echo``) to the conversation's other tabs.
* **Reading a conversation is bounded** (issue 11, item 5). ``session_request`` and
  ``history_request`` are rate limited per socket and per address
  (``limits.history_per_socket``, ``limits.history_per_address``; over the limit the
  request is ignored and the widget keeps what it shows); a conversation is read at
  most once per :data:`READ_SECONDS`, however many tabs ask, and one read at a time; a
  conversation whose session holds more than ``limits.max_session_events`` events is
  not resumed: the socket gets a fresh conversation (``session_confirm``), also when
  a user message arrives for it, unless an adviser has the conversation.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.guard import INTENT_PREFIX
from bot.channels.widget import button_title, history, session_id, wire_events
from bot.ratelimit import history_limits
from bot.settings import Settings, get_settings
from components.channels.guard import ChannelGuard
from components.channels.output import WholeMessageOutput
from components.channels.packets import install_packet_check, undecodable_polling_body
from components.channels.public import install_api_guard, request_address

logger = logging.getLogger(__name__)

SESSION_REQUEST = "session_request"
SESSION_CONFIRM = "session_confirm"
HISTORY_REQUEST = "history_request"
USER_ECHO = "user_echo"
SESSION_ERROR = "session_error"
NO_SESSION = {
    "error": "no_session",
    "message": "Send session_request first and wait for session_confirm; "
    "this message was not delivered.",
}
# A conversation is read from the tracker store at most once in this many seconds.
READ_SECONDS = 2.0
# At most this many conversations are remembered between reads.
READ_CACHE_SIZE = 1024


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
    """Sends each bot message, in Rasa's socket.io shapes, to its conversation's sockets."""

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
        """Emit the message's ``bot_uttered`` events (custom payload first, then the rest)."""
        for data in wire_events(message):
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
    # One message of a socket at a time, in the order they came (each socket.io event
    # is its own task; the checks before delivery may wait for the tracker store).
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class ConversationRead:
    """One read of a conversation's current session from the tracker store."""

    messages: list[dict[str, Any]]
    events: int
    paused: bool
    at: float = field(default_factory=time.monotonic)


def _inner_stores(store: Any) -> list[Any]:
    """Return the store and every store it wraps (Rasa's wrappers, the redacting store)."""
    found = []
    while store is not None and store not in found:
        found.append(store)
        store = getattr(store, "_tracker_store", None) or getattr(store, "inner", None)
    return found


async def session_length(store: TrackerStore, conversation: str) -> int:
    """Count the events of a conversation's current session without replaying it.

    An SQL store counts rows (indexed by conversation); other stores read the tracker.
    """
    sql = next((s for s in _inner_stores(store) if isinstance(s, SQLTrackerStore)), None)
    if sql is not None:
        with sql.session_scope() as session:
            query = sql._event_query(session, conversation, fetch_events_from_all_sessions=False)
            return int(query.count())
    tracker = await store.retrieve(conversation)
    return len(tracker.events) if tracker is not None else 0


class ConversationReader:
    """Reads a conversation at most once per ``seconds``; callers meanwhile share the read."""

    def __init__(self, seconds: float = READ_SECONDS, size: int = READ_CACHE_SIZE) -> None:
        self.seconds = seconds
        self.size = size
        self.reads = 0  # how often the tracker store was asked (for tests and metrics)
        self._cache: dict[str, ConversationRead] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, conversation: str) -> None:
        """Drop what is remembered of a conversation (it just changed)."""
        self._cache.pop(conversation, None)

    def _fresh(self, conversation: str) -> ConversationRead | None:
        read = self._cache.get(conversation)
        if read is not None and time.monotonic() - read.at < self.seconds:
            return read
        return None

    async def read(self, store: TrackerStore, conversation: str) -> ConversationRead:
        """Return the conversation's messages, session length and pause state."""
        read = self._fresh(conversation)
        if read is not None:
            return read
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        try:
            async with lock:
                read = self._fresh(conversation)
                if read is None:
                    self.reads += 1
                    tracker = await store.retrieve(conversation)
                    if tracker is None:
                        read = ConversationRead([], 0, False)
                    else:
                        events = list(tracker.events)
                        read = ConversationRead(
                            history(event.as_dict() for event in events),
                            len(events),
                            bool(tracker.is_paused()),
                        )
                    self._remember(conversation, read)
                return read
        finally:
            if not lock.locked():
                self._locks.pop(conversation, None)

    def _remember(self, conversation: str, read: ConversationRead) -> None:
        if len(self._cache) >= self.size:
            now = time.monotonic()
            for key in [k for k, v in self._cache.items() if now - v.at >= self.seconds]:
                del self._cache[key]
            while len(self._cache) >= self.size:
                del self._cache[next(iter(self._cache))]
        self._cache[conversation] = read


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
        install_api_guard(app, path)
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
        self.reader = ConversationReader()

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
        requests = history_limits(settings.limits)
        max_events = settings.limits.max_session_events
        reader = self.reader
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

        def throttled(sid: str, socket: _Socket, event: str) -> bool:
            wait = requests.retry_after(socket=sid, address=socket.address)
            if wait is not None:
                logger.info("socket.io: %s over its rate limit; ignored", event)
            return wait is not None

        async def bind(sid: str, socket: _Socket, conversation: str) -> None:
            if socket.conversation and socket.conversation != conversation:
                await settle(sio.leave_room(sid, socket.conversation, namespace=namespace))
            socket.conversation = conversation
            await enter_room(sio, sid, conversation, namespace)
            await sio.emit(SESSION_CONFIRM, conversation, room=sid, namespace=namespace)

        async def too_long(conversation: str) -> bool:
            """Whether a conversation's session is over the cap (and no adviser has it)."""
            read = await reader.read(agent().tracker_store, conversation)
            return read.events > max_events and not read.paused

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            if request is not None:
                address = request_address(request, guard.trusted_proxies)
            else:
                address = str(environ.get("REMOTE_ADDR") or "unknown")
            self.sockets[sid] = _Socket(address=address)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            self.sockets.pop(sid, None)

        @sio.on(SESSION_REQUEST, namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            socket = self.sockets.get(sid)
            if socket is None or throttled(sid, socket, SESSION_REQUEST):
                return
            requested = data.get("session_id") if isinstance(data, dict) else None
            chosen = session_id(requested)
            if not self.session_persistence:
                conversation = sid
            elif chosen is not None:
                conversation = chosen
            else:
                if requested:
                    logger.info("socket.io: refused a malformed session id; issued a new one")
                conversation = uuid.uuid4().hex
            # in turn with the socket's other requests: a history request sent right after
            # this one waits for the binding instead of finding no conversation
            async with socket.turn:
                if conversation != socket.conversation and await too_long(conversation):
                    logger.info("socket.io: a conversation over the event cap starts afresh")
                    conversation = uuid.uuid4().hex
                await bind(sid, socket, conversation)

        @sio.on(HISTORY_REQUEST, namespace=namespace)
        async def history_request(sid: str, _: Any = None) -> list[dict[str, Any]] | None:
            socket = self.sockets.get(sid)
            if socket is None:
                return []
            async with socket.turn:  # after a session request sent before it
                if socket.conversation is None:
                    return []
                if throttled(sid, socket, HISTORY_REQUEST):
                    return None  # not a list: the widget keeps what it shows
                read = await reader.read(agent().tracker_store, socket.conversation)
                return read.messages

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            socket = self.sockets.get(sid)
            if socket is None:
                return
            async with socket.turn:
                await handle_in_turn(sid, socket, data)

        async def handle_in_turn(sid: str, socket: _Socket, data: Any) -> None:
            if socket.conversation is None:
                logger.info("socket.io: message before session_request refused")
                await sio.emit(SESSION_ERROR, NO_SESSION, room=sid, namespace=namespace)
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
            if await session_length(agent().tracker_store, conversation) > max_events and (
                await too_long(conversation)
            ):
                logger.info("socket.io: a conversation over the event cap starts afresh")
                conversation = uuid.uuid4().hex
                await bind(sid, socket, conversation)
            reader.forget(conversation)
            await self._echo(sid, conversation, screened.text, agent())
            output = AdvieslijnSocketIOOutput(sio, self.bot_message_evt, namespace)
            await guard.deliver(
                agent(),
                UserMessage(screened.text, output, conversation, input_channel=self.name()),
                on_new_message,
            )
            reader.forget(conversation)

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
