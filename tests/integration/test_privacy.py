"""Privacy against the real servers: what is stored, published and logged, and deletion.

Three stacks: the shared one (SQLite tracker store, ``endpoints.yml``), one at DEBUG
for the logs, and the production profile (PostgreSQL tracker store, Redis lock
store, RabbitMQ event broker) with a fresh database and exchange of its own.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import requests
import sqlalchemy as sa

from scripts.serve import (
    MEASUREMENT_LIMITS,
    PRODUCTION_ENDPOINTS,
    Stack,
    free_ports,
    running_stack,
)
from tests.adviser import push_adviser_message
from tests.brokers import bind_queue, delete_queues, postgres_url, read_queue
from tests.integration.conftest import texts

pytestmark = pytest.mark.integration

# Planted in the messages below; none may be stored, published or logged in the clear.
PLANTED = ["Mohammed", "Amrani", "Stedelijk", "Leiden", "06-12345678", "Kerkstraat", "3512 AB"]
MESSAGES = [
    "hallo",
    "Mijn leerling Mohammed Amrani (15) van het Stedelijk Lyceum in Leiden wil naar Syrië",
    "Hij woont op de Kerkstraat 12 in Utrecht, 3512 AB. Bel me op 06-12345678.",
]
LOCK_DB = "11"
ADVISER_TEXT = "Hoi, met adviseur Anouk Jansen. Bel me gerust op 06-12345678."


def sender() -> str:
    return f"privacy-{uuid.uuid4().hex[:10]}"


def say_all(stack: Stack, conversation: str, messages: list[str]) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    for text in messages:
        replies = stack.webhook(conversation, text)
    return replies


def api_tracker(stack: Stack, conversation: str) -> dict[str, Any]:
    answer = requests.get(
        f"{stack.rasa_url}/conversations/{conversation}/tracker",
        params={"token": stack.token, "include_events": "ALL"},
        timeout=30,
    )
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()
    return data


def sqlite_events(stack: Stack, conversation: str) -> list[dict[str, Any]]:
    with sqlite3.connect(stack.env["TRACKER_DB"]) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def assert_clean(blob: str) -> None:
    leaked = [item for item in PLANTED if item in blob]
    assert not leaked, leaked


# -- transparency ------------------------------------------------------------------


def test_the_greeting_says_computer_kept_without_names_and_for_how_long(stack: Stack) -> None:
    reply = texts(stack.webhook(sender(), "hallo"))
    days = stack.settings.privacy.conversation_days
    assert "computerprogramma" in reply
    assert "zonder namen" in reply and f"{days} dagen" in reply


@pytest.mark.parametrize(
    "question",
    [
        "wat doen jullie met mijn gegevens?",
        "wordt dit bewaard?",
        "is dit anoniem?",
        "worden mijn berichten hier ergens opgeslagen?",
    ],
)
def test_a_privacy_question_at_any_time_gets_the_explanation(stack: Stack, question: str) -> None:
    conversation = sender()
    stack.webhook(conversation, "leerling tekent hakenkruizen in zijn schrift, wat nu?")
    reply = texts(stack.webhook(conversation, question))
    assert f"{stack.settings.privacy.conversation_days} dagen" in reply
    assert "zonder namen" in reply and "verwijder dit gesprek" in reply


# -- what is stored ------------------------------------------------------------------


def test_only_redacted_events_are_stored_and_none_is_lost(stack: Stack) -> None:
    conversation = sender()
    say_all(stack, conversation, MESSAGES)
    push_adviser_message(stack, conversation, ADVISER_TEXT)
    stored = sqlite_events(stack, conversation)
    assert_clean(json.dumps(stored, ensure_ascii=False))
    users = [e["text"] for e in stored if e["event"] == "user"]
    assert len(users) == len(MESSAGES)
    assert "[PERSOON-1]" in users[1] and "Syrië" in users[1]
    adviser = [e for e in stored if e["event"] == "bot" and e["text"].startswith("Hoi")]
    assert adviser and "[TELEFOONNUMMER-1]" in adviser[0]["text"]
    # the API's view (read back from the store) has the same events, in the same order
    events = api_tracker(stack, conversation)["events"]
    assert [e["event"] for e in events] == [e["event"] for e in stored]


def test_the_bot_still_answers_on_the_original_text(stack: Stack) -> None:
    # the classifier sees what was typed: a named pupil is still about travel to Syria
    reply = stack.webhook(sender(), MESSAGES[1])
    assert "strijdgebied" in texts(reply)


# -- deletion --------------------------------------------------------------------------


def test_a_professional_can_delete_the_conversation_after_confirming(stack: Stack) -> None:
    conversation = sender()
    # (the third message asks for a call back: it starts the intake for an adviser)
    say_all(stack, conversation, MESSAGES[:2])
    assert sqlite_events(stack, conversation)
    question = stack.webhook(conversation, "verwijder dit gesprek")
    buttons = [b["payload"] for m in question for b in m.get("buttons", [])]  # type: ignore[attr-defined]
    assert buttons == ["/confirm_delete", "/deny"]
    assert sqlite_events(stack, conversation)  # nothing deleted before the confirmation
    done = texts(stack.webhook(conversation, "/confirm_delete"))
    assert "verwijderd" in done
    assert sqlite_events(stack, conversation) == []
    # the conversation can start again from nothing
    assert "computerprogramma" in texts(stack.webhook(conversation, "hallo"))
    assert len([e for e in sqlite_events(stack, conversation) if e["event"] == "user"]) == 1


def test_saying_no_keeps_the_conversation(stack: Stack) -> None:
    conversation = sender()
    say_all(stack, conversation, MESSAGES[:2])
    before = len(sqlite_events(stack, conversation))
    stack.webhook(conversation, "wis mijn gegevens")
    reply = texts(stack.webhook(conversation, "/deny"))
    assert "blijft bewaard" in reply
    assert len(sqlite_events(stack, conversation)) > before


# -- logs at DEBUG ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("debug")
    env = {**MEASUREMENT_LIMITS, "LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"}
    with running_stack(var_dir=base / "var", ports=free_ports(), extra_env=env) as running:
        yield running


def test_no_process_logs_message_text_even_at_debug(debug_stack: Stack) -> None:
    marker = "Zwerfkeitje"  # a word that appears in nothing but the messages
    conversation = sender()
    say_all(debug_stack, conversation, [f"{text} {marker}" for text in MESSAGES])
    debug_stack.webhook(conversation, f"wat doen jullie met mijn gegevens {marker}")
    push_adviser_message(debug_stack, conversation, f"{ADVISER_TEXT} {marker}")
    debug_stack.webhook(conversation, "verwijder dit gesprek")
    debug_stack.webhook(conversation, "/confirm_delete")
    time.sleep(1)  # let the processes flush
    logs = {
        path.name: path.read_text(encoding="utf-8", errors="replace")
        for path in debug_stack.log_dir.iterdir()
    }
    assert {"rasa.out", "rasa.log", "actions.out"} <= set(logs)
    everything = "\n".join(logs.values())
    assert "DEBUG" in logs["rasa.out"] and "DEBUG" in logs["actions.out"]  # it really logged
    assert "processor.message.parse" in everything  # the record that carried the text
    for name, text in logs.items():
        assert marker not in text, name
        assert debug_stack.token not in text, name
        for item in [*PLANTED, "Anouk", "hakenkruizen", "gegevens"]:
            assert item not in text, (name, item)


# -- production profile -----------------------------------------------------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str, str]]:
    tag = uuid.uuid4().hex[:8]
    database, exchange = f"advieslijn_test_{tag}", f"advieslijn-test-{tag}"
    queues = [f"advieslijn_test_events_{tag}", f"advieslijn_test_reader_{tag}"]
    env = {
        **MEASUREMENT_LIMITS,
        "POSTGRES_DB": database,
        "RABBITMQ_EXCHANGE": exchange,
        "RABBITMQ_QUEUE": queues[0],
        "REDIS_LOCK_DB": LOCK_DB,
    }
    base = tmp_path_factory.mktemp("production")
    try:
        with running_stack(
            var_dir=base / "var",
            ports=free_ports(),
            services=("actions", "rasa"),
            endpoints=PRODUCTION_ENDPOINTS,
            extra_env=env,
        ) as running:
            asyncio.run(bind_queue(exchange, queues[1]))
            yield running, database, queues[1]
    finally:
        asyncio.run(delete_queues(exchange, queues))
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database],
            check=False,
        )


def _pg_events(database: str, conversation: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(postgres_url(database))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": conversation},
        ).fetchall()
    engine.dispose()
    return [json.loads(data) for (data,) in rows]


def test_production_stores_and_publishes_only_redacted_events(
    production: tuple[Stack, str, str],
) -> None:
    stack, database, queue = production
    conversation = sender()
    say_all(stack, conversation, MESSAGES)
    push_adviser_message(stack, conversation, ADVISER_TEXT)
    stored = _pg_events(database, conversation)
    assert len([e for e in stored if e["event"] == "user"]) == len(MESSAGES)
    assert_clean(json.dumps(stored, ensure_ascii=False))
    published = [m for m in asyncio.run(read_queue(queue)) if m["sender_id"] == conversation]
    assert_clean(json.dumps(published, ensure_ascii=False))
    # the broker got every stored event, in order
    assert [m["event"] for m in published] == [e["event"] for e in stored]
    assert [m.get("text") for m in published] == [e.get("text") for e in stored]
    # the lock store is Redis: Rasa keeps its connection to the lock database open
    clients = redis.Redis(host="127.0.0.1", port=6379).client_list()
    assert any(client.get("db") == LOCK_DB for client in clients)


def test_production_deletes_a_conversation_and_tells_the_broker(
    production: tuple[Stack, str, str],
) -> None:
    stack, database, queue = production
    conversation = sender()
    say_all(stack, conversation, MESSAGES[:2])
    asyncio.run(read_queue(queue, settle=1.0))  # drain
    stack.webhook(conversation, "verwijder dit gesprek")
    assert "verwijderd" in texts(stack.webhook(conversation, "/confirm_delete"))
    assert _pg_events(database, conversation) == []
    published = [m for m in asyncio.run(read_queue(queue)) if m["sender_id"] == conversation]
    assert published and published[-1]["name"] == "conversation_deleted"
    assert published[-1]["value"] is True
