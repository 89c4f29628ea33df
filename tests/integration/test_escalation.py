"""The escalation to an adviser over REST, on the real stack and its case-log database."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from bot.caselog import service
from bot.caselog.models import Case
from bot.db import session_scope
from bot.engine import ConversationEngine
from scripts.serve import Stack
from tests.integration.conftest import customs, texts, tracker

pytestmark = pytest.mark.integration

Say = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def chat(stack: Stack) -> tuple[str, Say]:
    sender = f"esc-{uuid.uuid4().hex[:12]}"
    return sender, lambda text: stack.webhook(sender, text)


@pytest.fixture
def cases(stack: Stack) -> Iterator[Session]:
    with session_scope(stack.settings) as session:
        yield session


def the_case(session: Session, sender: str) -> Case:
    session.expire_all()
    case = service.find_open_case(session, conversation_id=sender)
    if case is None:  # closed cases too
        case = session.query(Case).filter(Case.conversation_id == sender).one()
    return case


def buttons(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def wait_for_an_adviser(say: Say, request: str, urgency: str = "overslaan") -> None:
    """Ask for a person, skip the first question, answer the urgency, wait in the chat."""
    say(request)
    say("overslaan")
    say(urgency)
    say('/inform{"help_mode":"chat"}')


def test_waiting_for_a_live_adviser_pauses_the_bot(
    stack: Stack, chat: tuple[str, Say], cases: Session
) -> None:
    sender, say = chat
    say("leerling tekent hakenkruizen in zijn schrift, wat nu?")
    intro = say("ik wil een adviseur spreken")
    assert {"type": "handoff", "stage": "started"} in customs(intro)
    assert "naam van de jongere" in texts(intro)
    assert '/inform{"sector":"onderwijs"}' in buttons(intro)
    asked = say("ik ben docent in Utrecht")
    assert '/inform{"urgency":"hoog"}' in buttons(asked)
    asked = say('/inform{"urgency":"hoog"}')
    assert '/inform{"help_mode":"chat"}' in buttons(asked)
    queued = say('/inform{"help_mode":"chat"}')
    stage = next(c for c in customs(queued) if c["type"] == "handoff")
    assert stage["stage"] == "queued" and stage["position"] >= 1
    assert tracker(stack, sender)["paused"] is True
    # While paused the bot says nothing; the message is kept for the adviser.
    assert say("Is daar iemand? Het gaat om mijn leerling.") == []
    case = the_case(cases, sender)
    assert (case.role, case.sector, case.region) == ("docent", "onderwijs", "Utrecht")
    assert (case.urgency, case.help_mode, case.live) == ("hoog", "chat", True)
    assert case.themes == ["extreemrechts"] and case.recommended_resources
    assert case.reference in texts(queued)


def test_typed_commands_cannot_break_out_of_a_handoff(stack: Stack, chat: tuple[str, Say]) -> None:
    sender, say = chat
    wait_for_an_adviser(say, "kan iemand mij bellen")
    assert tracker(stack, sender)["paused"] is True
    for typed in ("/restart", '/inform{"urgency":"laag"}', "/request_human", "/session_start"):
        assert say(typed) == []
    state = tracker(stack, sender)
    assert state["paused"] is True
    assert state["slots"]["urgency"] is None  # cleared after the intake, not set by typing


def test_a_new_session_while_waiting_for_an_adviser_keeps_the_bot_paused(
    stack: Stack, chat: tuple[str, Say]
) -> None:
    # What Rasa runs when the professional writes after the 60-minute session expiry;
    # its own action_session_start would un-pause the conversation.
    sender, say = chat
    wait_for_an_adviser(say, "ik wil een adviseur")
    ConversationEngine(stack.rasa_url, stack.token).execute(sender, "action_session_start")
    state = tracker(stack, sender)
    assert state["paused"] is True
    kinds = [event["event"] for event in state["events"]]
    started = max(i for i, kind in enumerate(kinds) if kind == "session_started")
    assert "pause" in kinds[started:] and "resume" not in kinds[started:]
    assert say("Is er al iemand?") == []


def test_acute_danger_during_a_handoff_still_gets_112_at_once(
    stack: Stack, chat: tuple[str, Say], cases: Session
) -> None:
    sender, say = chat
    wait_for_an_adviser(say, "ik wil een adviseur", urgency="geen haast")
    assert the_case(cases, sender).urgency == "laag"
    reply = say("hij staat nu met een mes voor de deur en wil iemand steken")
    assert "112" in reply[0]["text"]
    assert {"type": "urgent"} in customs(reply)
    assert tracker(stack, sender)["paused"] is True
    assert the_case(cases, sender).urgency == "acuut"


def test_a_typed_phone_number_is_kept_only_encrypted(
    stack: Stack, chat: tuple[str, Say], cases: Session
) -> None:
    sender, say = chat
    say("hij zegt dat hij vanavond een bom laat afgaan op school")  # acute: one question
    logged = say("bel me op 06-12345678")
    assert {"type": "handoff", "stage": "logged"} in customs(logged)
    case = the_case(cases, sender)
    assert (case.urgency, case.status, case.help_mode) == ("acuut", "waiting_callback", "callback")
    assert service.has_contact(cases, case=case)
    slots = tracker(stack, sender)["slots"]
    assert "12345678" not in str(slots)


def test_stop_leaves_the_intake_and_the_bot_answers_again(
    stack: Stack, chat: tuple[str, Say], cases: Session
) -> None:
    sender, say = chat
    say("ik wil iemand spreken")
    stopped = say("laat maar")
    assert {"type": "handoff", "stage": "cancelled"} in customs(stopped)
    assert the_case(cases, sender).outcome == "intake_stopped"
    answer = say("wat is jihadisme?")
    assert any(c["type"] == "resources" for c in customs(answer))


def test_only_offered_payloads_count_as_buttons(stack: Stack, chat: tuple[str, Say]) -> None:
    sender, say = chat
    say('/inform{"urgency":"laag"}')  # typed, nothing offered: plain words
    assert tracker(stack, sender)["slots"]["urgency"] is None
    say("/restart")  # typed: no restart, the conversation goes on
    events = [e["event"] for e in tracker(stack, sender)["events"]]
    assert "restart" not in events


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'["a list"]', 400),
        (b'{"sender": "x"}', 400),
        (b'{"sender": "", "message": "hoi"}', 400),
        (b'{"sender": "telegram-12345", "message": "hoi"}', 400),
        (b'{"sender": "4f1c2e7a9b3d4c1e8f0a1b2c3d4e5f6a", "message": "hoi"}', 400),
        (b'{"sender": "x", "message": 42}', 400),
        (b'{"sender": "x", "message": "' + b"a" * 70_000 + b'"}', 413),
    ],
)
def test_bad_requests_get_a_clear_error(stack: Stack, body: bytes, status: int) -> None:
    answer = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == status


def test_an_overlong_message_is_refused_politely_and_not_stored(
    stack: Stack, chat: tuple[str, Say]
) -> None:
    sender, say = chat
    reply = say("Ahmed " * 300)
    assert "te lang" in texts(reply)
    assert not any(e["event"] == "user" for e in tracker(stack, sender)["events"])


def test_a_long_conversation_still_runs_its_actions(stack: Stack, chat: tuple[str, Say]) -> None:
    # Rasa sends the action server the whole tracker and the domain: far more than the
    # public limit on one message, which must not apply there.
    _, say = chat
    question = "welke signalen van radicalisering moet ik serieus nemen?"
    for _ in range(25):
        reply = say(question)
    assert any(c["type"] == "resources" for c in customs(reply))
