"""A teacher on Telegram reaches an adviser in the console, and back.

Real updates go into the real stack's Telegram webhook; the teacher's screen is what
the Bot API stand-in was sent; the adviser works in the console over HTTP.
"""

from __future__ import annotations

import itertools

import pytest

from bot.caselog import service
from bot.console.admin import run as admin
from bot.db import Database
from scripts.serve import Stack
from tests.adviser import ACCOUNT, PASSWORD, Console, wait_for
from tests.fakes.telegram_api import FakeTelegramApi, Sent, callback_update, message_update
from tests.integration.test_telegram import post

pytestmark = pytest.mark.integration

_chats = itertools.count(742_000_001)


def send(stack: Stack, api: FakeTelegramApi, chat: int, update: dict[str, object]) -> list[Sent]:
    before = len(api.sent(chat))
    assert post(stack, update).status_code == 200
    return api.sent(chat)[before:]


def press(
    stack: Stack, api: FakeTelegramApi, chat: int, sent: list[Sent], title: str
) -> list[Sent]:
    """Tap the inline button with this label on the newest message that has it."""
    message = next(m for m in reversed(sent) if any(b["text"] == title for b in m.buttons))
    button = next(b for b in message.buttons if b["text"] == title)
    return send(stack, api, chat, callback_update(chat, button["callback_data"], message))


def test_a_teacher_on_telegram_reaches_an_adviser_and_back(
    stack: Stack, telegram_api: FakeTelegramApi
) -> None:
    chat = next(_chats)
    admin(["add", "sem", "--name", "Sem"], environ={**stack.env, **ACCOUNT})
    api = telegram_api

    shown = send(stack, api, chat, message_update(chat, "ik wil een adviseur spreken"))
    assert any("naam van de jongere" in m.text for m in shown)
    shown = press(stack, api, chat, shown, "Onderwijs")
    shown = press(stack, api, chat, shown, "Vandaag nog")
    shown = press(stack, api, chat, shown, "Wachten op een adviseur in deze chat")
    assert any("Je wacht nu op een adviseur" in m.text for m in shown)
    assert send(stack, api, chat, message_update(chat, "Een leerling zegt rare dingen.")) == []

    database = Database(stack.settings.database_url)
    try:
        with database.session_scope() as session:
            case = service.find_open_case(session, conversation_id=f"telegram-{chat}")
            assert case is not None and case.live and case.channel == "telegram"
            assert (case.sector, case.urgency) == ("onderwijs", "hoog")
            reference = case.reference
    finally:
        database.dispose()

    console = Console(stack.console_url)
    console.login("sem", PASSWORD)
    console.post(f"/zaken/{reference}/oppakken")
    joined = api.wait_for_sent(chat, len(api.sent(chat)) + 1)
    assert any("Sem is er nu voor je" in m.text for m in joined)

    console.post(f"/zaken/{reference}/antwoord", {"text": "Hoi, met Sem. Wat zegt de leerling?"})
    reply = wait_for(lambda: [m for m in api.sent(chat) if "Wat zegt de leerling?" in m.text])
    assert reply[-1].styled("bold") and "Sem" in reply[-1].styled("bold")[0]

    console.post(f"/zaken/{reference}/teruggeven")
    assert any("weer met de chatbot" in m.text for m in api.sent(chat)[-2:])
    answer = send(stack, api, chat, message_update(chat, "wat zijn signalen van radicalisering?"))
    assert any(m.links() for m in answer), [m.text for m in answer]

    console.post(f"/zaken/{reference}/afsluiten", {"outcome": "advice_given"})
    database = Database(stack.settings.database_url)
    try:
        with database.session_scope() as session:
            closed = service.get_case(session, reference=reference)
            assert closed is not None and closed.status == "closed"
            trail = [(e.kind, e.actor) for e in closed.events]
    finally:
        database.dispose()
    for entry in [
        ("message", "user"),
        ("claimed", "adviser:sem"),
        ("message", "adviser:sem"),
        ("handed_back", "adviser:sem"),
        ("closed", "adviser:sem"),
    ]:
        assert entry in trail, trail
