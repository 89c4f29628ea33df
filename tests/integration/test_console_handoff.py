"""A live handoff end to end: a professional over REST, an adviser in the console, real Rasa.

The stack runs the action server, the Rasa server with the trained model and the console
(all real processes, one SQLite case log). The adviser talks to the console over HTTP
with its CSRF tokens, like a browser; the professional is a REST client, which sees the
adviser's messages by reading the conversation's tracker (REST has no push).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.caselog import service
from bot.console.admin import run as admin
from bot.db import Database
from bot.engine import ConversationEngine, EngineError
from scripts.serve import Stack
from tests.adviser import ACCOUNT, PASSWORD, Console, bot_events, flashes, wait_for
from tests.integration.conftest import customs, texts

pytestmark = pytest.mark.integration

REPLY = "Hoi, ik ben Anna van de advieslijn. Wat maakt dat je je zorgen maakt?"


@pytest.fixture
def live_stack(stack: Stack) -> Stack:
    """The shared session stack: actions, Rasa, the console, an adviser always available."""
    return stack


def test_live_handoff_from_the_chat_to_the_console_and_back(
    live_stack: Stack, tmp_path: Path
) -> None:
    stack = live_stack
    print(admin(["add", "anna", "--name", "Anna"], environ={**stack.env, **ACCOUNT}))
    engine = ConversationEngine(stack.rasa_url, stack.token)
    sender = f"prof-{uuid.uuid4().hex[:10]}"

    # The professional asks for an adviser and answers the intake.
    asked_at = time.perf_counter()
    started = stack.webhook(sender, "ik wil een adviseur")
    assert {"type": "handoff", "stage": "started"} in customs(started)
    stack.webhook(sender, "ik ben docent op een middelbare school in Utrecht")
    asked: list[dict[str, Any]] = stack.webhook(sender, "deze week graag")
    buttons = [b for m in asked for b in m.get("buttons", [])]
    chat_button = next(b["payload"] for b in buttons if "chat" in b["payload"])

    console = Console(stack.console_url)
    console.login("anna", PASSWORD)
    waiting_before = {row["reference"] for row in console.queue()["in_chat"]}

    began = time.perf_counter()
    queued = stack.webhook(sender, chat_button)  # the last intake answer: wait in the chat
    answered = time.perf_counter()
    stage = [c for c in customs(queued) if c.get("type") == "handoff"]
    assert stage and stage[0]["stage"] == "queued", queued
    row = wait_for(
        lambda: next(
            (
                r
                for r in console.queue()["in_chat"]  # waiting in the chat: on top
                if r["live"] and r["status"] == "new" and r["reference"] not in waiting_before
            ),
            None,
        )
    )
    seen = time.perf_counter()
    reference = row["reference"]
    print(
        f"\nhandoff latency: last intake answer answered in {(answered - began) * 1000:.0f} ms; "
        f"case in the console's queue API after {(seen - began) * 1000:.0f} ms; the queue page "
        "polls every 3 s, so an adviser sees it after at most that plus 3 s; from "
        f"'ik wil een adviseur' through the intake (typed by a script): {seen - asked_at:.1f} s"
    )
    assert row["sector"] == "onderwijs" and row["help_mode_label"] == "Wacht in de chat"
    # While waiting, the bot is paused: a message gets no bot answer; the adviser reads it.
    assert stack.webhook(sender, "hallo, is er al iemand?") == []
    waiting = console.http.get(f"{stack.console_url}/zaken/{reference}", timeout=10).text
    assert "hallo, is er al iemand?" in waiting

    # The adviser claims the case: the professional hears who is there.
    claimed = console.post(f"/zaken/{reference}/oppakken")
    assert "De professional hoort dat je er bent." in claimed.text
    joined = wait_for(
        lambda: [e for e in bot_events(engine, sender) if "Anna is er nu" in e["text"]]
    )
    assert joined[0]["data"]["custom"]["stage"] == "connected"

    # The adviser replies: it lands in the tracker as a bot message with the adviser payload.
    page = console.post(f"/zaken/{reference}/antwoord", {"text": REPLY})
    assert not [f for f in flashes(page.text) if "NIET" in f], flashes(page.text)
    # The trail keeps the message de-identified (names become tags), the chat gets it as typed.
    assert "Wat maakt dat je je zorgen maakt?" in page.text
    # The tracker stores it de-identified ("Anna" becomes a tag), like everything stored.
    pushed = wait_for(
        lambda: [
            e
            for e in bot_events(engine, sender)
            if "Wat maakt dat je je zorgen maakt?" in (e.get("text") or "")
        ]
    )
    assert "Anna" not in pushed[0]["text"]
    assert pushed[0]["data"]["custom"] == {"type": "adviser", "name": "Anna"}
    # Still paused for the bot while the adviser has the conversation.
    assert stack.webhook(sender, "Hij zegt dat de overheid tegen ons is.") == []

    # Hand back: the bot says so and answers the professional's next question again.
    handed = console.post(f"/zaken/{reference}/teruggeven")
    assert "teruggegeven aan de chatbot" in handed.text
    assert any("weer met de chatbot" in e["text"] for e in bot_events(engine, sender))
    again = stack.webhook(sender, "welke signalen van radicalisering moet ik serieus nemen?")
    assert texts(again), again
    assert any(c.get("type") == "resources" for c in customs(again)), again

    # Close: the case log holds the whole trail.
    console.post(f"/zaken/{reference}/afsluiten", {"outcome": "advice_given", "note": "Klaar."})
    database = Database(stack.settings.database_url)
    try:
        with database.session_scope() as db:
            case = service.get_case(db, reference=reference)
            assert case is not None
            assert case.status == "closed" and not case.live and case.outcome == "advice_given"
            trail = [(e.kind, e.actor) for e in case.events]
    finally:
        database.dispose()
    order = [
        ("created", "system"),
        ("message", "user"),  # written while waiting
        ("claimed", "adviser:anna"),
        ("message", "adviser:anna"),
        ("message", "user"),  # written while the adviser had the chat
        ("handed_back", "adviser:anna"),
        ("closed", "adviser:anna"),
    ]
    assert [entry for entry in trail if entry in order] == order, trail
    assert trail.count(("message", "user")) == 2  # both messages typed while paused


def test_the_engine_client_is_refused_without_the_right_token(live_stack: Stack) -> None:
    wrong = ConversationEngine(live_stack.rasa_url, "not-the-token")
    with pytest.raises(EngineError, match="refused the API token"):
        wrong.send_adviser_message("someone", text="hallo", name="Anna")
