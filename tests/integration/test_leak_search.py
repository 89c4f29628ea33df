"""The leak search: made-up personal data through every channel, then search everything written.

Realistic conversations full of invented names, schools, places, addresses, phone
numbers, e-mail addresses, a BSN and a date of birth go in through the REST channel,
the website widget (socket.io), Telegram and the adviser console (replies, notes, a
closing note), including a live handoff and a call-back request. Then every file under
the stack's ``var/`` (databases, logs), every table of its databases and every message
the event broker published is searched: none of the planted items may be found.

Run twice: on the shared default stack (SQLite) and on the production profile
(PostgreSQL tracker store and case log, RabbitMQ broker, Redis locks, every process
logging at DEBUG).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import socketio
import sqlalchemy as sa

from bot.caselog import service
from bot.console.admin import run as admin
from bot.db import Database
from scripts.serve import MEASUREMENT_LIMITS, PRODUCTION_ENDPOINTS, Stack, free_ports, running_stack
from tests.adviser import ACCOUNT, PASSWORD, Console, wait_for
from tests.brokers import bind_queue, delete_queues, postgres_url, read_queue
from tests.conftest import TELEGRAM_SECRET
from tests.fakes.telegram_api import FakeTelegramApi, message_update
from tests.integration.test_telegram import post

pytestmark = pytest.mark.integration

# Every planted item, as it could show up anywhere (parts of names, digits of numbers).
PLANTED = [
    "Mohammed",
    "Amrani",
    "Stedelijk",
    "Leiden",
    "Kerkstraat",
    "3512 AB",
    "12345678",  # the phone number's digits, also inside +31612345678 and the BSN
    "jan.devries",
    "123456782",
    "12-03-2009",
    "Sanne",
    "Yilmaz",
    "Kevin Jansen",
    "@sanne_dj",
]
REST = [
    "Mijn leerling Mohammed Amrani (15) van het Stedelijk Lyceum in Leiden tekent hakenkruizen.",
    "Hij woont op de Kerkstraat 12, 3512 AB, is geboren op 12-03-2009 en zijn BSN is 123456782.",
    "ik wil een adviseur spreken",
]
CALL_BACK = "bel me op 06-12345678 of mail naar jan.devries@school.nl"
WIDGET = [
    "Sanne de Jong uit 4 havo deelt filmpjes van IS; op Instagram heet ze @sanne_dj.",
    "Haar moeder Fatima Yilmaz maakt zich ook zorgen.",
    "ik wil graag een adviseur",
]
WIDGET_WAITING = "Sanne zit op het Stedelijk Lyceum in Leiden, bel gerust 06-12345678."
TELEGRAM = "Mohammed Amrani uit mijn klas zegt dat hij naar Syrië gaat. Mijn nummer: 06-12345678."
REPLY = "Dag, ik ben adviseur. Heb je al met Fatima Yilmaz gesproken?"
NOTE = "Gebeld met Kevin Jansen van het Stedelijk Lyceum over Mohammed Amrani."
CLOSING = "Doorverwezen; moeder Fatima Yilmaz is ingelicht."
_chats = itertools.count(753_000_001)


@dataclass
class Seeded:
    """What the seeding put in, to check the search looked at real data."""

    conversations: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)


def buttons(messages: list[dict[str, Any]]) -> list[str]:
    """Button payloads: REST sends Rasa's ``buttons``, socket.io Rasa's ``quick_replies``."""
    return [
        b["payload"] for m in messages for b in m.get("quick_replies") or m.get("buttons") or []
    ]


async def widget_conversation(stack: Stack) -> tuple[str, list[dict[str, Any]]]:
    """A youth worker in the widget: the messages, the intake by buttons, a live wait."""
    received: list[dict[str, Any]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("bot_uttered", received.append)
    confirmed: list[str] = []
    client.on("session_confirm", confirmed.append)
    await client.connect(stack.rasa_url, headers={"Origin": stack.web_url}, transports=["polling"])
    conversation = uuid.uuid4().hex
    await client.emit("session_request", {"session_id": conversation})

    async def say(text: str, expect: int = 1) -> list[dict[str, Any]]:
        before = len(received)
        await client.emit("user_uttered", {"message": text, "session_id": conversation})
        for _ in range(300):
            if len(received) >= before + expect:
                break
            await asyncio.sleep(0.05)
        return received[before:]

    for _ in range(100):
        if confirmed:
            break
        await asyncio.sleep(0.05)
    for text in WIDGET:
        await say(text)
    await asyncio.sleep(0.5)
    await say("/skip")
    await say("/skip")
    await say('/inform{"help_mode":"chat"}')
    await say(WIDGET_WAITING, expect=0)
    await asyncio.sleep(0.5)
    await client.disconnect()
    return conversation, received


def seed(stack: Stack, telegram_api: FakeTelegramApi, adviser: str) -> Seeded:
    """Put the planted data in through every channel and the console."""
    seeded = Seeded()
    # REST: a professional describes the pupil, asks for an adviser, leaves a call-back.
    rest = f"leak-{uuid.uuid4().hex[:10]}"
    replies: list[dict[str, Any]] = []
    for text in REST:
        replies = stack.webhook(rest, text)
    sector = next(p for p in buttons(replies) if "onderwijs" in p)
    stack.webhook(rest, sector)
    stack.webhook(rest, "/skip")
    stack.webhook(rest, CALL_BACK)
    seeded.conversations.append(rest)
    # Telegram: a teacher.
    chat = next(_chats)
    assert post(stack, message_update(chat, TELEGRAM), TELEGRAM_SECRET).status_code == 200
    telegram_api.wait_for_sent(chat, 1)
    seeded.conversations.append(f"telegram-{chat}")
    # The widget: a youth worker who waits for a live adviser.
    widget, _ = asyncio.run(widget_conversation(stack))
    seeded.conversations.append(widget)
    # The console: the adviser claims the widget case, replies, notes, closes both cases.
    admin(["add", adviser, "--name", "Rik"], environ={**stack.env, **ACCOUNT})
    database = Database(stack.settings.database_url)

    def open_case(conversation: str, live: bool) -> str | None:
        with database.session_scope() as session:
            case = service.find_open_case(session, conversation_id=conversation)
            return case.reference if case and case.intake_complete and case.live == live else None

    try:
        references = [wait_for(lambda: open_case(widget, True)), open_case(rest, False)]
        assert all(references), references
    finally:
        database.dispose()
    console = Console(stack.console_url)
    console.login(adviser, PASSWORD)
    for reference in references:
        console.post(f"/zaken/{reference}/oppakken")
        console.post(f"/zaken/{reference}/notitie", {"text": NOTE})
    console.post(f"/zaken/{references[0]}/antwoord", {"text": REPLY})
    console.post(f"/zaken/{references[1]}/contact")  # the adviser looks at the number
    for reference in references:
        console.post(f"/zaken/{reference}/afsluiten", {"outcome": "referred", "note": CLOSING})
    seeded.cases.extend(references)
    return seeded


def files_text(root: Path) -> dict[str, str]:
    """Every file the stack wrote under its var directory, as text."""
    return {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def tables_text(url: str) -> dict[str, str]:
    """Every row of every table of a database, as text."""
    engine = sa.create_engine(url, future=True)
    found: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            for table in sa.inspect(engine).get_table_names():
                rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).fetchall()
                found[table] = "\n".join(repr(tuple(row)) for row in rows)
    finally:
        engine.dispose()
    return found


def leaks(sources: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, item) for name, text in sources.items() for item in PLANTED if item in text]


def check_seeded_data_was_stored(stack: Stack, seeded: Seeded) -> None:
    """The search must look at real data: cases, live messages, notes, contact were there."""
    database = Database(stack.settings.database_url)
    try:
        with database.session_scope() as session:
            cases = [service.get_case(session, reference=r) for r in seeded.cases]
            assert all(case is not None and case.status == "closed" for case in cases)
            done = {(e.kind, e.actor.split(":")[0]) for case in cases if case for e in case.events}
    finally:
        database.dispose()
    assert {
        ("message", "user"),  # typed while waiting for the adviser
        ("message", "adviser"),
        ("note", "adviser"),
        ("contact_viewed", "adviser"),
        ("contact_erased", "adviser"),
    } <= done, done


def test_nothing_written_by_the_default_stack_holds_the_planted_data(
    stack: Stack, telegram_api: FakeTelegramApi
) -> None:
    seeded = seed(stack, telegram_api, adviser="rik")
    check_seeded_data_was_stored(stack, seeded)
    files = files_text(stack.var_dir)
    assert {"tracker.db", "advieslijn.db"} <= set(files)
    assert any(name.startswith("log/") for name in files)
    sources = {
        **{f"file {name}": text for name, text in files.items()},
        **{
            f"table {t}": text
            for t, text in tables_text(f"sqlite:///{stack.env['TRACKER_DB']}").items()
        },
        **{f"table {t}": text for t, text in tables_text(stack.settings.database_url).items()},
    }
    assert not leaks(sources)


@pytest.fixture(scope="module")
def production(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegramApi
) -> Iterator[tuple[Stack, str, str, str]]:
    tag = uuid.uuid4().hex[:8]
    database, exchange = f"advieslijn_leak_{tag}", f"advieslijn-leak-{tag}"
    queues = [f"advieslijn_leak_events_{tag}", f"advieslijn_leak_reader_{tag}"]
    lock_db = "12"
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True, timeout=60
    )
    env = {
        **MEASUREMENT_LIMITS,
        **telegram_api.env,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "POSTGRES_DB": database,
        "DATABASE_URL": postgres_url(database).replace("postgresql://", "postgresql+psycopg2://"),
        "RABBITMQ_EXCHANGE": exchange,
        "RABBITMQ_QUEUE": queues[0],
        "REDIS_LOCK_DB": lock_db,
        "LOG_LEVEL": "DEBUG",
        "LOG_LEVEL_LIBRARIES": "DEBUG",
        "ADVIESLIJN_AVAILABILITY": "always",
        "ADVIESLIJN_ALWAYS_OPEN": "true",
        "CONSOLE_COOKIE_SECURE": "false",
    }
    base = tmp_path_factory.mktemp("leak-production")
    # production keeps the contact key outside the data directory (README "Secrets")
    env["CONTACT_KEY_FILE"] = str(base / "keys" / "contact_key")
    try:
        with running_stack(
            var_dir=base / "var",
            ports=free_ports(),
            endpoints=PRODUCTION_ENDPOINTS,
            extra_env=env,
        ) as running:
            asyncio.run(bind_queue(exchange, queues[1]))
            yield running, database, queues[1], lock_db
    finally:
        asyncio.run(delete_queues(exchange, queues))
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database],
            check=False,
            timeout=60,
        )


def test_nothing_written_in_the_production_profile_holds_the_planted_data(
    production: tuple[Stack, str, str, str], telegram_api: FakeTelegramApi
) -> None:
    stack, database, queue, lock_db = production
    seeded = seed(stack, telegram_api, adviser="rik")
    check_seeded_data_was_stored(stack, seeded)
    published = asyncio.run(read_queue(queue))
    assert {m["sender_id"] for m in published} >= set(seeded.conversations)
    locks = redis.Redis(host="127.0.0.1", port=6379, db=int(lock_db))
    lock_text = "\n".join(f"{key!r} {locks.dump(key)!r}" for key in locks.scan_iter(count=1000))
    files = files_text(stack.var_dir)
    assert "DEBUG" in "".join(text for name, text in files.items() if name.startswith("log/"))
    tables = tables_text(postgres_url(database))
    assert {"events", "cases", "case_events", "contact_details"} <= set(tables)
    sources = {
        **{f"file {name}": text for name, text in files.items()},
        **{f"table {t}": text for t, text in tables.items()},
        "broker messages": json.dumps(published, ensure_ascii=False),
        "redis lock store": lock_text,
    }
    assert not leaks(sources)
