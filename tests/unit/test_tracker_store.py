"""The redacting tracker store and event broker on real Rasa trackers, stores and brokers."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.file import FileEventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    EntitiesAdded,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.privacy import DELETE_CONVERSATION_SLOT
from components.event_broker import EventBrokerConfigError, RedactingEventBroker
from components.redaction import redact_event_dict
from components.tracker_store import RedactingTrackerStore, TrackerStoreConfigError

ROOT = Path(__file__).resolve().parents[2]
PLANTED = ["Mohammed", "Amrani", "Stedelijk Lyceum", "Leiden", "06-12345678", "Anouk", "Jansen"]
STORE = "components.tracker_store.RedactingTrackerStore"


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture(scope="module")
def domain() -> Domain:
    # the project's domain plus a free-text slot, as a form would fill with what a user typed
    situation = Domain.from_dict(
        {"slots": {"situation": {"type": "text", "mappings": [{"type": "custom"}]}}}
    )
    return Domain.load(str(ROOT / "domain.yml")).merge(situation)


def conversation(sender: str) -> list[Event]:
    text = "Mijn leerling Mohammed Amrani (15) van het Stedelijk Lyceum in Leiden wil naar Syrië."
    parse = {
        "text": text,
        "intent": {"name": "ask_travel", "confidence": 0.9},
        "entities": [{"entity": "role", "value": "docent", "start": 0, "end": 4}],
        "intent_ranking": [{"name": "ask_travel", "confidence": 0.9}],
    }
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(metadata={"telegram_name": "Anouk Jansen"}),
        SlotSet("session_started_metadata", {"telegram_name": "Anouk Jansen"}),
        ActionExecuted("action_listen"),
        UserUttered(
            text,
            parse["intent"],
            parse["entities"],
            parse,
            input_channel="rest",
            metadata={"client": "Anouk Jansen, 06-12345678"},
        ),
        SlotSet("role", "docent"),
        SlotSet("situation", "Mohammed Amrani wil naar Syrië"),
        EntitiesAdded([{"entity": "name", "value": "Mohammed Amrani"}]),
        ActionExecuted("utter_answer_travel"),
        BotUttered(
            "Er bestaat geen vaste lijst.", metadata={"utter_action": "utter_answer_travel"}
        ),
        BotUttered(
            "Hoi, ik ben Anouk Jansen. Bel me op 06-12345678.",
            data={"custom": {"type": "adviser", "name": "Anna"}},
        ),
        ActionExecuted("action_listen"),
    ]


def tracker_with(domain: Domain, sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def assert_clean(blob: str) -> None:
    for item in PLANTED:
        assert item not in blob, item


def sqlite_rows(path: Path, sender: str) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()


def sql_store(domain: Domain, path: Path, broker: EventBroker | None = None) -> TrackerStore:
    config = EndpointConfig.from_dict(
        {"type": STORE, "inner": {"type": "SQL", "dialect": "sqlite", "db": str(path)}}
    )
    return TrackerStore.create(config, domain=domain, event_broker=broker)


def test_rasa_builds_the_store_from_the_endpoint_config(domain: Domain, tmp_path: Path) -> None:
    store = sql_store(domain, tmp_path / "tracker.db")
    assert isinstance(store, RedactingTrackerStore)
    assert store.domain is domain


def test_the_sql_store_holds_only_redacted_events_in_the_same_order(
    domain: Domain, tmp_path: Path
) -> None:
    path, sender = tmp_path / "tracker.db", "c1"
    store = sql_store(domain, path)
    events = conversation(sender)
    run(store.save(tracker_with(domain, sender, events)))
    rows = sqlite_rows(path, sender)
    assert [kind for kind, _ in rows] == [e.type_name for e in events]
    assert_clean("\n".join(data for _, data in rows))
    user = json.loads(rows[4][1])
    assert user["text"].startswith(
        "Mijn leerling [PERSOON-1] ([LEEFTIJD-1]) van het [INSTELLING-1]"
    )
    assert "Syrië" in user["text"]  # topic words stay
    assert user["parse_data"]["text"] == user["text"]
    assert user["parse_data"]["intent"]["name"] == "ask_travel"
    assert user["metadata"] == {} and user["parse_data"]["metadata"] == {}
    assert json.loads(rows[5][1])["value"] == "docent"  # a slot the bot fills itself
    assert json.loads(rows[2][1])["value"] is None  # the client's metadata is dropped
    bot = json.loads(rows[9][1])
    assert bot["text"] == "Er bestaat geen vaste lijst."  # a domain response stays


def test_later_saves_append_only_the_new_events(domain: Domain, tmp_path: Path) -> None:
    path, sender = tmp_path / "tracker.db", "c2"
    store = sql_store(domain, path)
    events = conversation(sender)
    run(store.save(tracker_with(domain, sender, events)))
    tracker = run(store.retrieve(sender))
    # the SQL store reads the latest session: everything from SessionStarted on
    assert tracker is not None and len(tracker.events) == len(events) - 1
    tracker.update(UserUttered("Ze woont op de Kerkstraat 12 in Utrecht", {"name": "ask_travel"}))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    rows = sqlite_rows(path, sender)
    assert len(rows) == len(events) + 2
    assert_clean("\n".join(data for _, data in rows))
    assert "Kerkstraat" not in rows[-2][1] and "Utrecht" not in rows[-2][1]
    # the stored events read back as the same conversation, redacted
    again = run(store.retrieve(sender))
    assert [e.type_name for e in again.events] == [e.type_name for e in tracker.events]
    assert again.get_slot("role") == "docent"
    assert again.get_slot("situation") == "[PERSOON-1] wil naar Syrië"


def test_the_tracker_in_memory_keeps_the_original_text(domain: Domain, tmp_path: Path) -> None:
    store = sql_store(domain, tmp_path / "tracker.db")
    tracker = tracker_with(domain, "c3", conversation("c3"))
    run(store.save(tracker))
    assert "Mohammed" in (tracker.latest_message.text or "")


def test_a_deletion_request_deletes_every_stored_event(domain: Domain, tmp_path: Path) -> None:
    path, sender, other = tmp_path / "tracker.db", "c4", "c5"
    published = tmp_path / "events.log"
    store = sql_store(domain, path, FileEventBroker(str(published)))
    run(store.save(tracker_with(domain, sender, conversation(sender))))
    run(store.save(tracker_with(domain, other, conversation(other))))
    tracker = run(store.retrieve(sender))
    tracker.update(SlotSet(DELETE_CONVERSATION_SLOT, True))
    tracker.update(BotUttered("Je gesprek is verwijderd.", metadata={"utter_action": "x"}))
    run(store.save(tracker))
    assert sqlite_rows(path, sender) == []
    assert len(sqlite_rows(path, other)) == len(conversation(other))  # others stay
    assert run(store.retrieve(sender)) is None
    lines = [json.loads(line) for line in published.read_text().splitlines()]
    assert lines[-1]["sender_id"] == sender and lines[-1]["name"] == DELETE_CONVERSATION_SLOT
    assert_clean(published.read_text())


def test_the_in_memory_store_holds_redacted_trackers_and_deletes(domain: Domain) -> None:
    inner = InMemoryTrackerStore(domain)
    store = RedactingTrackerStore(domain=domain, inner=inner)
    run(store.save(tracker_with(domain, "m1", conversation("m1"))))
    assert_clean(inner.store["m1"])
    tracker = run(store.retrieve("m1"))
    tracker.update(SlotSet(DELETE_CONVERSATION_SLOT, True))
    run(store.save(tracker))
    assert "m1" not in inner.store


@pytest.fixture
def redis_store(domain: Domain) -> Iterator[tuple[RedactingTrackerStore, redis.Redis]]:
    client = redis.Redis(host="127.0.0.1", port=6379, db=14)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"t{uuid.uuid4().hex[:8]}"
    config = EndpointConfig.from_dict(
        {
            "type": STORE,
            "inner": {
                "type": "redis",
                "url": "127.0.0.1",
                "port": 6379,
                "db": 14,
                "key_prefix": prefix,
            },
        }
    )
    store = TrackerStore.create(config, domain=domain)
    assert isinstance(store, RedactingTrackerStore)
    yield store, client
    for key in client.keys(f"{prefix}:*"):
        client.delete(key)


def test_the_redis_store_holds_redacted_trackers_and_deletes(
    domain: Domain, redis_store: tuple[RedactingTrackerStore, redis.Redis]
) -> None:
    store, client = redis_store
    run(store.save(tracker_with(domain, "r1", conversation("r1"))))
    inner = store.inner
    assert isinstance(inner, RedisTrackerStore)
    raw = client.get(inner.key_prefix + "r1")
    assert raw is not None
    assert_clean(raw.decode())
    tracker = run(store.retrieve("r1"))
    tracker.update(UserUttered("Hij woont in Leiden", {"name": "ask_travel"}))
    run(store.save(tracker))  # the merge with the stored tracker works on redacted events
    assert len(run(store.retrieve("r1")).events) == len(conversation("r1")) + 1
    tracker.update(SlotSet(DELETE_CONVERSATION_SLOT, True))
    run(store.save(tracker))
    assert client.get(inner.key_prefix + "r1") is None


def test_a_store_without_inner_section_or_deletion_is_refused(domain: Domain) -> None:
    with pytest.raises(TrackerStoreConfigError, match="inner"):
        TrackerStore.create(EndpointConfig.from_dict({"type": STORE}), domain=domain)
    with pytest.raises(TrackerStoreConfigError, match="cannot be deleted"):
        RedactingTrackerStore(domain=domain, inner=_UndeletableStore(domain))


class _UndeletableStore(TrackerStore):  # type: ignore[misc]
    """A store that can save but not delete (as Rasa's Dynamo store)."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        pass


def test_the_broker_publishes_redacted_events(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    config = EndpointConfig.from_dict(
        {
            "type": "components.event_broker.RedactingEventBroker",
            "inner": {"type": "file", "path": str(path)},
        }
    )
    broker = run(EventBroker.create(config))
    assert isinstance(broker, RedactingEventBroker)
    for event in conversation("b1"):
        broker.publish({"sender_id": "b1", **event.as_dict()})
    published = path.read_text()
    assert_clean(published)
    assert len(published.splitlines()) == len(conversation("b1"))
    with pytest.raises(EventBrokerConfigError):
        run(RedactingEventBroker.from_endpoint_config(EndpointConfig(type="x")))


def test_a_store_wraps_a_plain_broker_so_whatever_it_streams_is_redacted(
    domain: Domain, tmp_path: Path
) -> None:
    path = tmp_path / "events.log"
    store = sql_store(domain, tmp_path / "tracker.db", FileEventBroker(str(path)))
    assert isinstance(store.event_broker, RedactingEventBroker)
    run(store.save(tracker_with(domain, "b2", conversation("b2"))))
    assert len(path.read_text().splitlines()) == len(conversation("b2"))
    assert_clean(path.read_text())


@pytest.mark.parametrize(
    "payload",
    ["/request_human", "/deny", '/ask_signals{"role": "docent"}'],
)
def test_button_payloads_are_stored_as_they_are(payload: str) -> None:
    data = UserUttered(payload, {"name": "deny"}).as_dict()
    assert redact_event_dict(data)["text"] == payload
