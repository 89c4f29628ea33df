"""The widget's socket.io channel, served by a real Sanic + python-socketio server in this
process and driven by real python-socketio clients.

No trained model is needed: the engine's part is played by a handler that stores the
user message and a bot reply in a real Rasa tracker store and answers through the
channel's output, as Rasa's processor does. Refusals are rendered from domain.yml by
Rasa's own NLG. The clients use the polling transport, except where a test says
otherwise: the WebSocket transport works with the pinned python-engineio (4.12, which
still fits Rasa 3.6's aiohttp 3.9) and has its own test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import rasa.core.channels.socketio as rasa_socketio
import socketio
from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from bot.settings import Settings, load_settings
from components.channels.socketio import AdvieslijnSocketIOInput
from scripts.serve import free_port

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://site.test"
REPLY_BUTTON = {"title": "Ja, graag", "payload": "/request_human"}
QUICK_REPLY = {"content_type": "text", **REPLY_BUTTON}
HANDOFF_OFFERED = {"type": "handoff", "stage": "offered"}


class CoroutineRoomsServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio >= 5.10 behaviour: enter_room and leave_room are coroutines."""

    async def enter_room(self, sid: str, room: str, namespace: str | None = None) -> None:
        await asyncio.sleep(0)
        super().enter_room(sid, room, namespace=namespace)

    async def leave_room(self, sid: str, room: str, namespace: str | None = None) -> None:
        await asyncio.sleep(0)
        super().leave_room(sid, room, namespace=namespace)


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several Sanic apps start in this process: test mode keeps Sanic's start-up
    # optimisation from rewriting its own methods twice (as sanic-testing does).
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def widget_settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        environ={
            "ADVIESLIJN_VAR": str(tmp_path / "var"),
            "WIDGET_ORIGINS": ORIGIN,
            "ADVIESLIJN_RATE_CONVERSATION": "1000/minute",
            "ADVIESLIJN_RATE_ADDRESS": "1000/minute",
            **env,
        }
    )


class Server:
    """A Sanic app with one channel; records what reaches the engine."""

    def __init__(self, channel: InputChannel, domain: Domain) -> None:
        self.channel = channel
        self.store = InMemoryTrackerStore(domain)
        self.agent = Agent(domain=domain, tracker_store=self.store)
        self.received: list[UserMessage] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def on_new_message(self, message: UserMessage) -> None:
        self.received.append(message)
        reply = {
            "text": f"Je schreef: {message.text}\n\nTweede alinea.",
            "buttons": [REPLY_BUTTON],
            "custom": HANDOFF_OFFERED,
        }
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, input_channel=message.input_channel))
        tracker.update(
            BotUttered(reply["text"], data={k: v for k, v in reply.items() if k != "text"})
        )
        await self.store.save(tracker)
        await message.output_channel.send_response(message.sender_id, reply)


@asynccontextmanager
async def serving(channel: InputChannel, domain: Domain) -> AsyncIterator[Server]:
    server = Server(channel, domain)
    app = Sanic(f"test_{uuid.uuid4().hex}")
    app.ctx.agent = server.agent
    app.blueprint(channel.blueprint(server.on_new_message))
    async with started(app, server.port):
        yield server


@asynccontextmanager
async def started(app: Sanic, port: int) -> AsyncIterator[None]:
    """Run a Sanic app on ``port`` of localhost for the duration of the block."""
    running: Any = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert running is not None
    await running.startup()
    await running.before_start()
    await running.after_start()
    try:
        yield
    finally:
        await running.before_stop()
        running.close()
        await running.wait_closed()
        await running.after_stop()


class Client:
    """A python-socketio client that records what the server sends it."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.bot: list[Any] = []
        self.echo: list[Any] = []
        self.confirmed: list[str] = []
        self.errors: list[Any] = []
        self.sio.on("bot_uttered", self.bot.append)
        self.sio.on("user_echo", self.echo.append)
        self.sio.on("session_confirm", self.confirmed.append)
        self.sio.on("session_error", self.errors.append)

    async def connect(
        self, server: Server, origin: str = ORIGIN, transport: str = "polling"
    ) -> Client:
        await self.sio.connect(server.url, headers={"Origin": origin}, transports=[transport])
        return self

    def texts(self) -> list[str]:
        """The texts of the bot events received (a custom payload's event has none)."""
        return [event["text"] for event in self.bot if "text" in event]

    def replies(self) -> int:
        """How many answers of the test server arrived whole (its last event has buttons)."""
        return sum(bool(event.get("quick_replies")) for event in self.bot)

    async def session(self, session_id: Any = None) -> str:
        before = len(self.confirmed)
        await self.sio.emit("session_request", {"session_id": session_id})
        await until(lambda: len(self.confirmed) > before)
        return self.confirmed[-1]

    async def say(self, text: str, session_id: str | None = None) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id})

    async def close(self) -> None:
        await self.sio.disconnect()


async def until(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.02)


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


def new_id() -> str:
    return uuid.uuid4().hex


# --- RasaHQ/rasa#13027: enter_room is a coroutine from python-socketio 5.10 on ---------


def test_rasas_own_channel_loses_every_message_when_enter_room_is_a_coroutine(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: this harness reproduces the bug, so the next test would catch it.
    monkeypatch.setattr(rasa_socketio, "AsyncServer", CoroutineRoomsServer)
    channel = rasa_socketio.SocketIOInput(session_persistence=True)

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            conversation = await client.session(new_id())
            await client.say("hallo", conversation)
            await until(lambda: server.received)
            await asyncio.sleep(0.5)
            assert client.bot == []
            await client.close()

    with pytest.warns(RuntimeWarning, match="never awaited"):
        run(scenario)


@pytest.mark.parametrize("server_class", [socketio.AsyncServer, CoroutineRoomsServer])
def test_replies_arrive_whether_enter_room_is_sync_or_a_coroutine(
    domain: Domain, tmp_path: Path, server_class: type[socketio.AsyncServer]
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))
    channel.server_class = server_class

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            conversation = await client.session(new_id())
            await client.say("hallo", conversation)
            await until(lambda: client.bot)
            assert server.received[0].sender_id == conversation
            assert server.received[0].input_channel == "socketio"
            await client.close()

    run(scenario)


# --- wire format -----------------------------------------------------------------------


REPLY_EVENTS: list[dict[str, Any]] = [
    {"custom": HANDOFF_OFFERED, "parts": 2},
    {"text": "Je schreef: hallo", "quick_replies": []},
    {"text": "Tweede alinea.", "quick_replies": [QUICK_REPLY]},
]


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_bot_messages_go_out_in_rasas_shapes_with_the_custom_payload_as_its_own_event(
    domain: Domain, tmp_path: Path, transport: str
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server, transport=transport)
            assert client.sio.transport() == transport
            await client.session(new_id())
            await client.say("hallo")
            await until(lambda: len(client.bot) == 3)
            await asyncio.sleep(0.3)
            # as Rasa's SocketIOOutput: split on the blank line, buttons as quick
            # replies of the last part; the custom payload first, with its count
            assert client.bot == REPLY_EVENTS
            await client.close()

    run(scenario)


def test_pushes_through_the_output_channel_reach_every_tab_of_the_conversation(
    domain: Domain, tmp_path: Path
) -> None:
    # What Rasa's HTTP API does for output_channel=latest with an adviser's message.
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))
    assert channel.get_output_channel() is None  # not started yet

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            conversation = new_id()
            tabs = [await Client().connect(server) for _ in range(2)]
            for tab in tabs:
                await tab.session(conversation)
            other = await Client().connect(server)
            await other.session(new_id())
            output = channel.get_output_channel()
            assert output is not None and output.name() == "socketio"
            adviser = {"text": "Hoi, ik ben Anna.", "custom": {"type": "adviser", "name": "Anna"}}
            await output.send_response(conversation, adviser)
            await until(lambda: all(len(tab.bot) == 2 for tab in tabs))
            sent = [{"custom": adviser["custom"], "parts": 1}, {"text": adviser["text"]}]
            assert [tab.bot for tab in tabs] == [sent, sent]
            await asyncio.sleep(0.2)
            assert other.bot == []
            for client in [*tabs, other]:
                await client.close()

    run(scenario)


# --- conversation ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    "requested",
    [
        None,
        "",
        "bad",
        "../../etc/passwd",
        "A" * 32,  # upper case
        "0" * 32,  # not a random (version 4) id
        uuid.uuid4().hex + "0",
        "00000000-0000-4000-8000-000000000000",  # the form of a UUID4, not random
        str(uuid.uuid1()),  # not random
        12345,
        ["x"],
    ],
)
def test_anything_but_a_random_client_id_gets_a_fresh_server_id(
    domain: Domain, tmp_path: Path, requested: Any
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            confirmed = await client.session(requested)
            assert confirmed != requested
            assert len(confirmed) == 32 and confirmed[12] == "4"
            await client.say("hallo")
            await until(lambda: server.received)
            assert server.received[0].sender_id == confirmed
            await client.close()

    run(scenario)


@pytest.mark.parametrize("form", ["hex", "dashed"])
def test_a_client_id_is_kept_and_messages_cannot_name_another_conversation(
    domain: Domain, tmp_path: Path, form: str
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            mine = new_id() if form == "hex" else str(uuid.uuid4())  # as Rasa's docs show
            assert await client.session(mine) == mine
            await client.say("hallo", session_id=new_id())
            await until(lambda: server.received)
            assert server.received[0].sender_id == mine
            await client.close()

    run(scenario)


def test_a_message_before_a_session_request_gets_an_error_event_and_goes_nowhere(
    domain: Domain, tmp_path: Path
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            await client.say("hallo", session_id=new_id())
            await until(lambda: client.errors)
            assert client.errors == [
                {
                    "error": "no_session",
                    "message": "Send session_request first and wait for session_confirm; "
                    "this message was not delivered.",
                }
            ]
            await asyncio.sleep(0.3)
            assert server.received == [] and client.bot == []
            # after a session request the same socket is served
            await client.session()
            await client.say("hallo")
            await until(lambda: server.received)
            assert client.errors[1:] == []
            await client.close()

    run(scenario)


# --- the guard ---------------------------------------------------------------------------


def test_too_long_text_is_refused_to_that_tab_only_and_never_reaches_the_engine(
    domain: Domain, tmp_path: Path
) -> None:
    channel = AdvieslijnSocketIOInput(
        settings=widget_settings(tmp_path, ADVIESLIJN_MAX_MESSAGE_CHARS="50")
    )

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            conversation = new_id()
            sender, other = [await Client().connect(server) for _ in range(2)]
            await sender.session(conversation)
            await other.session(conversation)
            await sender.say("x" * 51)
            await until(lambda: sender.texts())
            assert "te lang" in sender.texts()[0]
            await asyncio.sleep(0.3)
            assert server.received == [] and other.bot == [] and other.echo == []
            await sender.close()
            await other.close()

    run(scenario)


def test_typed_intents_are_neutralised_but_offered_buttons_pass(
    domain: Domain, tmp_path: Path
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            conversation = new_id()
            tab, other = [await Client().connect(server) for _ in range(2)]
            await tab.session(conversation)
            await other.session(conversation)
            await tab.say("/restart")
            await until(lambda: tab.replies() == 1)
            assert server.received[0].text == "restart"
            # the reply offered REPLY_BUTTON: its payload passes as it is
            await tab.say(REPLY_BUTTON["payload"])
            await until(lambda: tab.replies() == 2)
            assert server.received[1].text == REPLY_BUTTON["payload"]
            # the other tab sees the click by the button's title
            assert other.echo == [{"text": "restart"}, {"text": REPLY_BUTTON["title"]}]
            assert tab.echo == []
            await tab.close()
            await other.close()

    run(scenario)


def test_rate_limit_answers_with_the_wait_and_does_not_reach_the_engine(
    domain: Domain, tmp_path: Path
) -> None:
    channel = AdvieslijnSocketIOInput(
        settings=widget_settings(tmp_path, ADVIESLIJN_RATE_CONVERSATION="2/minute")
    )

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            await client.session(new_id())
            for text in ("een", "twee", "drie"):
                await client.say(text)
                await until(lambda: server.received)
            await until(lambda: client.replies() == 2 and any("Wacht" in t for t in client.texts()))
            assert [m.text for m in server.received] == ["een", "twee"]
            # the refusal of "drie" may overtake the answer to "twee"
            assert sum("Wacht even" in text for text in client.texts()) == 1
            await client.close()

    run(scenario)


def test_oversized_socket_messages_are_dropped(domain: Domain, tmp_path: Path) -> None:
    channel = AdvieslijnSocketIOInput(
        settings=widget_settings(tmp_path, ADVIESLIJN_MAX_BODY_BYTES="2048")
    )

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            await client.session(new_id())
            await client.sio.emit("user_uttered", {"message": "hallo", "padding": "x" * 4096})
            await asyncio.sleep(1.0)
            assert server.received == []
            await client.close()
            # the server goes on serving others
            fresh = await Client().connect(server)
            await fresh.session(new_id())
            await fresh.say("hallo")
            await until(lambda: fresh.bot)
            await fresh.close()

    run(scenario)


def test_pages_from_other_origins_cannot_connect(domain: Domain, tmp_path: Path) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            with pytest.raises(socketio.exceptions.ConnectionError):
                await Client().connect(server, origin="http://evil.test")

    run(scenario)


# --- history -----------------------------------------------------------------------------


def test_a_new_tab_gets_the_conversation_from_the_server_and_sees_new_messages(
    domain: Domain, tmp_path: Path
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            conversation = new_id()
            first = await Client().connect(server)
            await first.session(conversation)
            await first.say("eerste vraag")
            await until(lambda: first.replies() == 1)
            await first.say(REPLY_BUTTON["payload"])
            await until(lambda: first.replies() == 2)

            second = await Client().connect(server)
            await second.session(conversation)
            history = await second.sio.call("history_request", {})
            assert [m["sender"] for m in history] == ["user", *["bot"] * 3] * 2
            assert history[0]["text"] == "eerste vraag"
            # the bot's messages in the events they went out in live
            assert [{k: v for k, v in m.items() if k != "sender"} for m in history[1:4]] == [
                {**event, "text": event["text"].replace("hallo", "eerste vraag")}
                if "text" in event
                else event
                for event in REPLY_EVENTS
            ]
            assert history[4]["text"] == REPLY_BUTTON["title"]  # a click shows its title

            await first.say("nog een vraag")
            await until(lambda: second.replies() == 1)
            assert second.echo == [{"text": "nog een vraag"}]

            stranger = await Client().connect(server)
            await stranger.session(new_id())
            assert await stranger.sio.call("history_request", {}) == []
            for client in (first, second, stranger):
                await client.close()

    run(scenario)


def test_a_tab_that_starts_a_new_conversation_leaves_the_old_one(
    domain: Domain, tmp_path: Path
) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            old, new = new_id(), new_id()
            client = await Client().connect(server)
            await client.session(old)
            await client.session(new)
            output = channel.get_output_channel()
            assert output is not None
            await output.send_response(old, {"text": "voor het oude gesprek"})
            await output.send_response(new, {"text": "voor het nieuwe gesprek"})
            await until(lambda: client.bot)
            await asyncio.sleep(0.2)
            assert client.bot == [{"text": "voor het nieuwe gesprek"}]
            await client.close()

    run(scenario)
