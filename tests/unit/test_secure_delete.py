"""Deleted text leaves the SQLite files too: zeroed pages, an emptied write-ahead log.

Issue 11, item 12: SQLite kept deleted rows in free pages and in the WAL, so "verwijder
mijn gesprek" and ``make purge`` left readable copies in ``var/``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot import escalation
from bot.db import dispose_all, get_database
from bot.privacy import DELETE_CONVERSATION_SLOT
from bot.settings import Settings, load_settings
from scripts import purge
from tests.databases import fresh_database

# A word the redactor keeps (no name, no place): it stands for what a professional wrote.
MARKER = "kwzrtplofmarkering"
TEXT = f"Een leerling schrijft steeds {MARKER} in zijn schrift, wat moet ik doen?"


@pytest.fixture(autouse=True)
def sqlite_without_secure_delete() -> Iterator[None]:
    """Every new SQLite connection starts with ``secure_delete`` off.

    Debian's SQLite is built with it on by default, others are not: this makes the
    tests show what the code itself switches on. (Listeners on the Engine class run
    before an engine's own, so the code's ``PRAGMA secure_delete=ON`` comes after.)
    """

    def off(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA secure_delete=OFF")

    event.listen(Engine, "connect", off)
    yield
    event.remove(Engine, "connect", off)


def on_disk(*paths: Path) -> bytes:
    """Every byte of the given files (a missing file counts as empty)."""
    return b"".join(p.read_bytes() for p in paths if p.exists())


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Iterator[Settings]:
    with fresh_database("sqlite", tmp_path) as url:
        yield load_settings(
            environ={
                "ADVIESLIJN_VAR": str(tmp_path / "var"),
                "DATABASE_URL": url,
                "CONTACT_KEY": Fernet.generate_key().decode(),
            }
        )
        dispose_all()


def test_a_forgotten_conversation_leaves_no_copy_in_the_case_log_files(
    sqlite_settings: Settings,
) -> None:
    database = Path(sqlite_settings.database_url.removeprefix("sqlite:///"))
    wal = database.with_name(database.name + "-wal")
    with get_database(sqlite_settings).engine.connect():
        pass  # the case log's own first connection puts the database in WAL mode
    # another process (the console) keeps the database open, as in production
    other = sqlite3.connect(database)
    try:
        other.execute("SELECT count(*) FROM cases").fetchall()
        escalation.start(
            sqlite_settings,
            conversation_id="weg",
            channel="rest",
            urgent=False,
            intents=[],
            recommended=[],
            transcript=[{"who": "user", "text": TEXT}] * 20,
        )
        assert MARKER.encode() in wal.read_bytes()
        escalation.forget(sqlite_settings, conversation_id="weg")
        assert MARKER.encode() not in on_disk(database, wal)
        assert not wal.exists() or wal.stat().st_size == 0
    finally:
        other.close()


def tracker(sender: str, *extra: object) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered(TEXT, {"name": "ask_signals", "confidence": 0.9}),
        BotUttered("Dat is een signaal om te bespreken."),
        ActionExecuted("action_listen"),
        *extra,
    ]
    return DialogueStateTracker.from_events(sender, events)


def test_a_deleted_conversation_leaves_no_copy_in_the_tracker_store_file(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    config = EndpointConfig.from_dict(
        {
            "type": "components.tracker_store.RedactingTrackerStore",
            "inner": {"type": "SQL", "dialect": "sqlite", "db": str(path)},
        }
    )
    store = TrackerStore.create(config, domain=Domain.empty())
    asyncio.run(store.save(tracker("stays")))
    asyncio.run(store.save(tracker("goes")))
    assert MARKER.encode() in path.read_bytes()
    asyncio.run(store.save(tracker("goes", SlotSet(DELETE_CONVERSATION_SLOT, True))))
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT sender_id, data FROM events").fetchall()
    assert {sender for sender, _ in rows} == {"stays"}
    stored = sum(data.count(MARKER) for _, data in rows)  # the other conversation's copies
    files = on_disk(
        path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")
    )
    assert files.count(MARKER.encode()) == stored


def test_make_purge_leaves_no_copy_in_the_tracker_store_file(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    inner = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    old = time.time() - 60 * 24 * 3600
    events = [
        ActionExecuted("action_listen", timestamp=old),
        UserUttered(TEXT, {"name": "ask_signals"}, timestamp=old),
        ActionExecuted("action_listen", timestamp=old + 1),
    ]
    asyncio.run(inner.save(DialogueStateTracker.from_events("old", events)))
    inner.engine.dispose()
    assert MARKER.encode() in path.read_bytes()
    settings = load_settings(environ={"ADVIESLIJN_VAR": str(tmp_path)})
    context = purge.PurgeContext(settings, datetime.now(timezone.utc), f"sqlite:///{path}")
    assert "deleted 1 conversations" in purge.purge_tracker_store(context)
    assert MARKER.encode() not in on_disk(path, path.with_name(path.name + "-wal"))
