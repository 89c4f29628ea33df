"""Issue 11, item 5: the widget's history and session requests cannot stall the server.

``history_request`` and ``session_request`` each read (and replay) a whole conversation.
They are rate limited per socket and per address, a conversation is read at most once
per short period however many tabs ask, and a conversation over the event cap is not
resumed: the socket gets a fresh one. Same real Sanic + python-socketio harness as
``test_socketio_channel.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused, UserUttered

from components.channels.socketio import AdvieslijnSocketIOInput, ConversationReader
from tests.unit.test_socketio_channel import (
    Client,
    Server,
    domain,
    new_id,
    run,
    sanic_test_mode,
    serving,
    until,
    widget_settings,
)

__all__ = ["domain", "sanic_test_mode"]  # fixtures used from the channel's tests


async def long_conversation(server: Server, events: int, *, paused: bool = False) -> str:
    conversation = new_id()
    tracker = await server.store.get_or_create_tracker(conversation)
    for number in range(events):
        tracker.update(UserUttered(f"vraag {number}"))
    if paused:
        tracker.update(ConversationPaused())
    await server.store.save(tracker)
    return conversation


def test_history_requests_are_limited_per_socket(domain: Domain, tmp_path: Path) -> None:
    settings = widget_settings(tmp_path, ADVIESLIJN_RATE_HISTORY_SOCKET="3/minute")
    channel = AdvieslijnSocketIOInput(settings=settings)

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            client = await Client().connect(server)
            await client.session(new_id())  # the first of three requests
            answers = [await client.sio.call("history_request", {}) for _ in range(4)]
            assert answers[:2] == [[], []]
            assert answers[2:] == [None, None]  # not a list: the widget keeps its screen
            before = len(client.confirmed)
            await client.sio.emit("session_request", {"session_id": new_id()})
            await asyncio.sleep(0.3)
            assert len(client.confirmed) == before  # ignored too
            # another socket has its own count
            other = await Client().connect(server)
            await other.session(new_id())
            assert await other.sio.call("history_request", {}) == []
            for each in (client, other):
                await each.close()

    run(scenario)


def test_history_requests_are_limited_per_address(domain: Domain, tmp_path: Path) -> None:
    settings = widget_settings(
        tmp_path,
        ADVIESLIJN_RATE_HISTORY_SOCKET="100/minute",
        ADVIESLIJN_RATE_HISTORY_ADDRESS="4/minute",
    )
    channel = AdvieslijnSocketIOInput(settings=settings)

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            tabs = [await Client().connect(server) for _ in range(2)]
            for tab in tabs:
                await tab.session(new_id())
            answers = [await tab.sio.call("history_request", {}) for tab in tabs for _ in (1, 2)]
            assert answers == [[], [], None, None]
            for tab in tabs:
                await tab.close()

    run(scenario)


def test_many_tabs_share_one_read_of_the_conversation(domain: Domain, tmp_path: Path) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            conversation = await long_conversation(server, 10)
            tabs = [await Client().connect(server) for _ in range(5)]
            for tab in tabs:
                await tab.session(conversation)
            histories = await asyncio.gather(*(tab.sio.call("history_request", {}) for tab in tabs))
            assert all(len(history) == 10 for history in histories)
            assert channel.reader.reads == 1
            # a new message makes the next request read again
            await tabs[0].say("nog een vraag")
            await until(lambda: tabs[0].bot)
            history = await tabs[1].sio.call("history_request", {})
            # the question, then the test server's answer in its three events
            assert history[-1]["sender"] == "bot" and len(history) == 10 + 1 + 3
            for tab in tabs:
                await tab.close()

    run(scenario)


def test_a_conversation_over_the_event_cap_starts_afresh(domain: Domain, tmp_path: Path) -> None:
    settings = widget_settings(tmp_path, ADVIESLIJN_MAX_SESSION_EVENTS="100")
    channel = AdvieslijnSocketIOInput(settings=settings)

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            long = await long_conversation(server, 150)
            short = await long_conversation(server, 20)
            live = await long_conversation(server, 150, paused=True)
            client = await Client().connect(server)
            fresh = await client.session(long)
            assert fresh != long
            assert await client.sio.call("history_request", {}) == []
            assert await client.session(short) == short
            assert await client.session(live) == live  # an adviser has it: never moved
            await client.close()

    run(scenario)


def test_a_message_into_a_conversation_over_the_cap_goes_to_a_fresh_one(
    domain: Domain, tmp_path: Path
) -> None:
    settings = widget_settings(tmp_path, ADVIESLIJN_MAX_SESSION_EVENTS="100")
    channel = AdvieslijnSocketIOInput(settings=settings)

    async def scenario() -> None:
        async with serving(channel, domain) as server:
            conversation = await long_conversation(server, 99)
            client = await Client().connect(server)
            assert await client.session(conversation) == conversation
            await client.say("een")  # the test engine stores 2 events per message
            await until(lambda: len(server.received) == 1)
            await client.say("twee")
            await until(lambda: len(server.received) == 2)
            assert server.received[0].sender_id == conversation
            fresh = server.received[1].sender_id
            assert fresh != conversation
            assert client.confirmed[-1] == fresh
            await client.close()

    run(scenario)


def test_the_reader_keeps_a_bounded_number_of_conversations() -> None:
    reader = ConversationReader(seconds=60, size=3)
    from components.channels.socketio import ConversationRead

    for number in range(10):
        reader._remember(str(number), ConversationRead([], 0, False))
    assert len(reader._cache) == 3
