"""Retention: conversations past privacy.conversation_days leave the tracker store database."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import Settings, load_settings
from scripts import purge

DAY = 24 * 3600


def settings(tmp_path: Path, days: int = 30) -> Settings:
    return load_settings(
        environ={"ADVIESLIJN_VAR": str(tmp_path), "ADVIESLIJN_CONVERSATION_DAYS": str(days)}
    )


def store_conversation(store: SQLTrackerStore, sender: str, age_days: float) -> None:
    at = time.time() - age_days * DAY
    events = [
        ActionExecuted("action_listen", timestamp=at),
        UserUttered("[PERSOON-1] tekent hakenkruizen", {"name": "ask_right_wing"}, timestamp=at),
        ActionExecuted("action_listen", timestamp=at + 1),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def senders(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")
        )
        result = {sender: count for sender, count in rows}
    engine.dispose()
    return result


def sqlite_store(tmp_path: Path) -> tuple[SQLTrackerStore, str]:
    path = tmp_path / "tracker.db"
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path)), f"sqlite:///{path}"


def test_old_conversations_are_deleted_and_recent_ones_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, url = sqlite_store(tmp_path)
    store_conversation(store, "old", 45)
    store_conversation(store, "recent", 2)
    store_conversation(store, "edge", 29)
    assert purge.main(["--tracker-url", url], settings=settings(tmp_path)) == 0
    assert senders(url) == {"recent": 3, "edge": 3}
    out = capsys.readouterr().out
    assert "tracker store: deleted 1 conversations (3 events)" in out
    assert "older than 30 days" in out


def test_the_retention_period_comes_from_the_settings(tmp_path: Path) -> None:
    store, url = sqlite_store(tmp_path)
    store_conversation(store, "week-old", 8)
    store_conversation(store, "today", 0)
    purge.main(["--tracker-url", url], settings=settings(tmp_path, days=7))
    assert set(senders(url)) == {"today"}


def test_a_conversation_with_a_recent_event_is_kept_whole(tmp_path: Path) -> None:
    store, url = sqlite_store(tmp_path)
    store_conversation(store, "returning", 60)
    tracker = asyncio.run(store.retrieve("returning"))
    assert tracker is not None
    tracker.update(UserUttered("nog een vraag", {"name": "ask_signals"}))
    asyncio.run(store.save(tracker))
    purge.main(["--tracker-url", url], settings=settings(tmp_path))
    assert senders(url) == {"returning": 4}


def test_a_dry_run_deletes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, url = sqlite_store(tmp_path)
    store_conversation(store, "old", 45)
    purge.main(["--tracker-url", url, "--dry-run"], settings=settings(tmp_path))
    assert senders(url) == {"old": 3}
    assert "would delete 1 conversations (3 events)" in capsys.readouterr().out


def test_the_local_profile_finds_the_tracker_store_under_var(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert purge.main([], settings=settings(tmp_path)) == 0
    assert "no conversations stored yet" in capsys.readouterr().out
    store, url = sqlite_store(tmp_path)
    store_conversation(store, "old", 45)
    purge.main([], settings=settings(tmp_path))
    assert senders(url) == {}


def test_the_scheduled_variant_runs_again_after_the_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, url = sqlite_store(tmp_path)
    store_conversation(store, "old", 45)
    started = time.monotonic()
    code = purge.main(
        ["--tracker-url", url, "--every", "0.0003", "--runs", "2"], settings=settings(tmp_path)
    )
    assert code == 0 and time.monotonic() - started >= 1
    out = capsys.readouterr().out
    assert out.count("purge at ") == 2
    assert "deleted 1 conversations" in out and "deleted 0 conversations" in out


def test_a_failing_step_is_reported_and_the_others_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []

    def broken(context: purge.PurgeContext) -> str:
        raise RuntimeError("case log unreachable")

    def counting(context: purge.PurgeContext) -> str:
        ran.append(context.now.isoformat())
        return "anonymised 0 cases"

    context = purge.PurgeContext(
        settings=settings(tmp_path), now=datetime.now(timezone.utc), tracker_url="sqlite://"
    )
    steps = [purge.Step("case log", broken), purge.Step("contacts", counting)]
    assert purge.run_once(context, steps) is False
    captured = capsys.readouterr()
    assert "case log: failed: RuntimeError: case log unreachable" in captured.err
    assert "contacts: anonymised 0 cases" in captured.out and ran


def test_the_tracker_store_is_the_first_step() -> None:
    assert purge.default_steps()[0].run is purge.purge_tracker_store


@pytest.fixture
def postgres_db() -> Iterator[str]:
    name = f"advieslijn_purge_{uuid.uuid4().hex[:8]}"
    created = subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, text=True
    )
    if created.returncode != 0:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {created.stderr.strip()}")
    yield name
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", name], check=False)


def test_purge_works_on_the_production_postgresql_store(
    tmp_path: Path, postgres_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host="127.0.0.1",
        port=5432,
        username="postgres",
        db=postgres_db,
    )
    store_conversation(store, "old", 45)
    store_conversation(store, "recent", 1)
    store.engine.dispose()
    production = load_settings(
        environ={"ADVIESLIJN_VAR": str(tmp_path), "POSTGRES_DB": postgres_db}
    )
    assert purge.main(["--profile", "production"], settings=production) == 0
    assert set(senders(purge.tracker_url(production, "production"))) == {"recent"}
    assert "deleted 1 conversations (3 events)" in capsys.readouterr().out
