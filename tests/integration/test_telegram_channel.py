"""The Telegram connector over HTTP, in a Sanic server of its own, against the Bot API stand-in.

These cases need settings the shared stack does not have (no token, low rate limits)
and no trained model: the connector runs with a real Rasa agent built from the domain
(its response templates and an in-memory tracker store); the engine behind the
channel is a recorder. Everything the teacher would see goes through the stand-in.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot.channels.telegram import SECRET_HEADER
from bot.settings import Settings, load_settings
from components.channels.telegram import TelegramInput
from scripts.serve import free_port
from tests.fakes.telegram_api import (
    FakeTelegramApi,
    callback_update,
    message_update,
    running_telegram_api,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret_" + "A" * 20
CHAT = 4440001


class RestartableSanic(Sanic):
    """Sanic 21.12 rewrites its own methods at each start-up; in test mode it keeps the
    originals, so several servers can start one after the other in one process."""

    test_mode = True


@pytest.fixture(scope="module")
def agent() -> Agent:
    return Agent(domain=Domain.load(str(ROOT / "domain.yml")))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramApi]:
    with running_telegram_api() as api:
        yield api


def channel_settings(tmp_path: Path, fake: FakeTelegramApi, **env: str) -> Settings:
    base = {
        "ADVIESLIJN_VAR": str(tmp_path / "var"),
        **fake.env,
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "ADVIESLIJN_RATE_CONVERSATION": "1000/minute",
        "ADVIESLIJN_RATE_ADDRESS": "1000/minute",
    }
    base.update(env)
    return load_settings(environ={k: v for k, v in base.items() if v})


@dataclass
class Channel:
    url: str
    channel: TelegramInput
    received: list[UserMessage] = field(default_factory=list)

    def post(self, body: Any, secret: str | None = SECRET, **kwargs: Any) -> requests.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        if isinstance(body, (bytes, str)):
            return requests.post(
                f"{self.url}/webhook", data=body, headers=headers, timeout=10, **kwargs
            )
        return requests.post(f"{self.url}/webhook", json=body, headers=headers, timeout=10)


@contextmanager
def serve(settings: Settings, agent: Agent) -> Iterator[Channel]:
    """Run the channel's blueprint in a Sanic server on a thread of its own."""
    channel = TelegramInput(settings)
    port = free_port()
    served = Channel(f"http://127.0.0.1:{port}/webhooks/telegram", channel)

    async def engine(message: UserMessage) -> None:
        served.received.append(message)
        await message.output_channel.send_response(
            message.sender_id, {"text": f"ontvangen: {message.text}"}
        )

    app = RestartableSanic(f"telegram-test-{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    app.blueprint(channel.blueprint(engine), url_prefix="/webhooks/telegram")
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            server: Any = await app.create_server(
                host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
            )
            assert server is not None
            await server.startup()
            await server.before_start()
            await server.after_start()
            holder["server"] = server
            started.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(20), "the channel's server did not start"
    try:
        yield served
    finally:

        async def stop() -> None:
            server = holder["server"]
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_without_a_token_the_channel_is_off_and_harmless(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent
) -> None:
    settings = channel_settings(tmp_path, fake, TELEGRAM_TOKEN="")
    before = len(fake.calls)
    with serve(settings, agent) as channel:
        assert requests.get(f"{channel.url}/", timeout=5).json() == {"status": "off"}
        answer = channel.post(message_update(CHAT, "hallo"))
        assert answer.status_code == 503
        assert channel.channel.get_output_channel() is None
        assert not channel.received
    assert len(fake.calls) == before  # nothing called Telegram, not even at start-up


def test_wrong_or_missing_secret_is_refused_and_nothing_runs(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent
) -> None:
    with serve(channel_settings(tmp_path, fake), agent) as channel:
        before = len(fake.calls)
        for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x"):
            answer = channel.post(message_update(CHAT, "hallo"), secret=secret)
            assert answer.status_code == 403, secret
        assert not channel.received
        assert len(fake.calls) == before
        assert channel.post(message_update(CHAT, "hallo")).status_code == 200
        assert [m.text for m in channel.received] == ["hallo"]


def test_bodies_are_validated(tmp_path: Path, fake: FakeTelegramApi, agent: Agent) -> None:
    settings = channel_settings(tmp_path, fake, ADVIESLIJN_MAX_BODY_BYTES="2048")
    with serve(settings, agent) as channel:
        assert channel.post(b"{not json").status_code == 400
        assert channel.post(b"[1, 2]").status_code == 400
        assert channel.post({"message": {"text": "geen update_id"}}).status_code == 400
        big = message_update(CHAT, "x" * 3000)
        assert channel.post(big).status_code == 413
        assert not channel.received


def test_updates_are_counted_per_chat_after_the_secret_not_per_address(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent
) -> None:
    # Every update comes from Telegram's few addresses: a count per address would make
    # one bucket for all teachers, and forged updates (wrong secret) would fill it.
    settings = channel_settings(
        tmp_path,
        fake,
        ADVIESLIJN_RATE_ADDRESS="3/minute",
        ADVIESLIJN_RATE_CONVERSATION="2/minute",
    )
    with serve(settings, agent) as channel:
        forged = [channel.post(message_update(CHAT, "nep"), secret="fout" * 8) for _ in range(5)]
        assert [r.status_code for r in forged] == [403] * 5
        codes = [channel.post(message_update(CHAT + i, "hoi")).status_code for i in range(6)]
        assert codes == [200] * 6
        assert len(channel.received) == 6  # six chats, one message each: none refused


def test_a_chat_over_its_limit_is_told_to_wait_once(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent
) -> None:
    chat = CHAT + 100
    settings = channel_settings(tmp_path, fake, ADVIESLIJN_RATE_CONVERSATION="2/minute")
    with serve(settings, agent) as channel:
        codes = [channel.post(message_update(chat, f"vraag {i}")).status_code for i in range(5)]
        assert codes == [200] * 5  # 429 would only make Telegram deliver the update again
        assert [m.text for m in channel.received] == ["vraag 0", "vraag 1"]
        texts = [s.text for s in fake.sent(chat)]
        assert texts[:2] == ["ontvangen: vraag 0", "ontvangen: vraag 1"]
        assert len(texts) == 3 and "Wacht even" in texts[2] and "seconden" in texts[2]


def test_an_update_delivered_twice_runs_once(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent
) -> None:
    with serve(channel_settings(tmp_path, fake), agent) as channel:
        update = message_update(CHAT + 200, "dubbel")
        assert channel.post(update).status_code == 200
        assert channel.post(update).status_code == 200
        assert [m.text for m in channel.received] == ["dubbel"]


def test_telegram_errors_are_logged_and_the_server_keeps_going(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent, caplog: pytest.LogCaptureFixture
) -> None:
    chat = CHAT + 300
    with serve(channel_settings(tmp_path, fake), agent) as channel:
        fake.fail_next("sendMessage", 500, "Internal Server Error")
        assert channel.post(message_update(chat, "eerste")).status_code == 200
        assert channel.post(message_update(chat, "tweede")).status_code == 200
        assert [s.text for s in fake.sent(chat)] == ["ontvangen: tweede"]
    assert any("not delivered" in r.getMessage() for r in caplog.records)


def test_old_buttons_count_as_their_label_and_forged_ones_as_nothing(
    tmp_path: Path, fake: FakeTelegramApi, agent: Agent
) -> None:
    chat = CHAT + 400
    with serve(channel_settings(tmp_path, fake), agent) as channel:
        old = callback_update(chat, "/request_human")
        old["callback_query"]["message"]["reply_markup"] = {
            "inline_keyboard": [
                [{"text": "Ja, graag een adviseur", "callback_data": "/request_human"}]
            ]
        }
        forged = callback_update(chat, "/restart")
        assert channel.post(old).status_code == 200
        assert channel.post(forged).status_code == 200
        # Nothing was offered in this conversation: neither payload reaches the engine.
        assert [m.text for m in channel.received] == ["Ja, graag een adviseur"]
        answered = [c.params["callback_query_id"] for c in fake.calls_to("answerCallbackQuery")]
        assert old["callback_query"]["id"] in answered
        assert forged["callback_query"]["id"] in answered
