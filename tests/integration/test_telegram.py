"""Telegram end to end: real updates into the real stack, the teacher's view from the stand-in.

The shared stack runs with TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN and
TELEGRAM_API_BASE_URL pointing at the Bot API stand-in (tests/fakes/telegram_api.py);
updates are posted to /webhooks/telegram/webhook as Telegram would post them.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
import requests

from bot.channels.telegram import MAX_TEXT_LENGTH, SECRET_HEADER, text_length
from scripts.serve import Stack
from tests.adviser import push_adviser_message
from tests.fakes.telegram_api import (
    FakeTelegramApi,
    Sent,
    callback_update,
    channel_post_update,
    edited_message_update,
    group_message_update,
    message_update,
    photo_update,
    sticker_update,
)
from tests.integration.conftest import TELEGRAM_SECRET

pytestmark = pytest.mark.integration

_chats = itertools.count(731_000_001)


@pytest.fixture
def chat() -> int:
    """A new private chat (and so a new conversation) per test."""
    return next(_chats)


def post(stack: Stack, update: Any, secret: str | None = TELEGRAM_SECRET) -> requests.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    url = f"{stack.rasa_url}/webhooks/telegram/webhook"
    if isinstance(update, bytes):
        headers["Content-Type"] = "application/json"
        return requests.post(url, data=update, headers=headers, timeout=30)
    return requests.post(url, json=update, headers=headers, timeout=30)


def say(stack: Stack, api: FakeTelegramApi, chat: int, update: dict[str, Any]) -> list[Sent]:
    """Post an update and return what the teacher was sent because of it."""
    before = len(api.sent(chat))
    answer = post(stack, update)
    assert answer.status_code == 200, answer.text
    return api.sent(chat)[before:]


def events(stack: Stack, conversation: int | str) -> list[dict[str, Any]]:
    if isinstance(conversation, int):
        conversation = f"telegram-{conversation}"
    tracker = requests.get(
        f"{stack.rasa_url}/conversations/{conversation}/tracker",
        params={"token": stack.token},
        timeout=10,
    ).json()
    found: list[dict[str, Any]] = tracker.get("events") or []
    return found


def user_events(stack: Stack, conversation: int | str) -> list[dict[str, Any]]:
    return [e for e in events(stack, conversation) if e["event"] == "user"]


def test_start_greets_and_is_logged_as_a_greeting(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    sent = say(stack, telegram_api, chat, message_update(chat, "/start"))
    assert sent and all(s.chat_id == chat for s in sent)
    assert "computerprogramma" in sent[0].text
    assert "112" in sent[0].text
    [user] = user_events(stack, chat)
    assert user["parse_data"]["intent"]["name"] == "greet"
    assert user["input_channel"] == "telegram"
    # Telegram sent the teacher's name and username; neither is stored
    stored = json.dumps(events(stack, chat))
    assert "Sanne" not in stored and "juf_sanne" not in stored


def test_question_gets_an_answer_and_linked_resources_once(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    question = message_update(chat, "leerling tekent hakenkruizen in zijn schrift, wat nu?")
    sent = say(stack, telegram_api, chat, question)
    with_links = [s for s in sent if s.links()]
    assert len(sent) >= 2 and len(with_links) == 1
    links = with_links[0].links()
    assert 1 <= len(links) <= 3
    assert all(url.startswith("https://") for url in links.values())
    shown = "\n".join(s.text for s in sent)
    for title in links:
        assert shown.count(title) == 1  # linked, not listed a second time
    assert "https://" not in with_links[0].text  # the address sits behind the title


def test_acute_danger_comes_first_and_in_bold(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    sent = say(
        stack, telegram_api, chat, message_update(chat, "een leerling heeft net een mes getrokken")
    )
    first = sent[0]
    assert "112" in first.text
    assert first.styled("bold") == [first.text]
    assert len(sent) >= 2 and not sent[1].styled("bold")


def test_buttons_are_an_inline_keyboard_and_a_press_continues_the_conversation(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    sent = say(stack, telegram_api, chat, message_update(chat, "je helpt me echt helemaal niet"))
    offer = next(s for s in sent if s.buttons)
    assert [b["callback_data"] for b in offer.buttons] == ["/request_human", "/deny"]
    assert all(b["text"] for b in offer.buttons)
    press = callback_update(chat, "/request_human", sent=offer)
    reply = say(stack, telegram_api, chat, press)
    answered = [c.params for c in telegram_api.calls_to("answerCallbackQuery")]
    assert {"callback_query_id": press["callback_query"]["id"]} in answered
    assert reply and "adviseur" in reply[0].text
    assert user_events(stack, chat)[-1]["parse_data"]["intent"]["name"] == "request_human"


def test_a_payload_the_bot_did_not_offer_cannot_restart_the_conversation(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    say(stack, telegram_api, chat, message_update(chat, "hallo"))
    press = callback_update(chat, "/restart")
    say(stack, telegram_api, chat, press)
    assert press["callback_query"]["id"] in [
        c.params["callback_query_id"] for c in telegram_api.calls_to("answerCallbackQuery")
    ]
    kinds = [e["event"] for e in events(stack, chat)]
    assert "restart" not in kinds
    assert [e["text"] for e in user_events(stack, chat)] == ["hallo"]


@pytest.mark.parametrize(
    ("make_update", "expected"),
    [
        (lambda chat: sticker_update(chat), "alleen tekst"),
        (lambda chat: photo_update(chat, caption="zie foto van de leerling"), "alleen tekst"),
        (lambda chat: edited_message_update(chat, "ik bedoelde iets anders"), "aangepaste"),
    ],
    ids=["sticker", "photo", "edited_message"],
)
def test_stickers_photos_and_edits_get_a_short_notice_and_nothing_is_stored(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int, make_update: Any, expected: str
) -> None:
    sent = say(stack, telegram_api, chat, make_update(chat))
    assert len(sent) == 1 and expected in sent[0].text
    assert user_events(stack, chat) == []


def test_a_group_message_is_told_the_bot_works_in_a_private_chat(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    group = -1_000_000_000_000 - chat
    sent = say(stack, telegram_api, group, group_message_update(group, chat, "/start"))
    assert len(sent) == 1 and "privégesprek" in sent[0].text
    # once: the group is not answered again for a while
    assert say(stack, telegram_api, group, group_message_update(group, chat, "hallo?")) == []
    assert user_events(stack, group) == [] and user_events(stack, chat) == []


def test_channel_posts_and_other_update_types_are_acknowledged_and_ignored(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    before = len(telegram_api.calls)
    for update in (
        channel_post_update(-100_555, "nieuws"),
        {"update_id": 91, "my_chat_member": {"chat": {"id": chat, "type": "private"}}},
        {"update_id": 92, "poll": {"id": "1", "question": "?", "options": []}},
    ):
        assert post(stack, update).status_code == 200
    assert len(telegram_api.calls) == before
    assert requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}).ok


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TELEGRAM_SECRET[:-1]])
def test_wrong_or_missing_secret_is_refused_and_nothing_is_sent(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int, secret: str | None
) -> None:
    before = len(telegram_api.calls)
    answer = post(stack, message_update(chat, "hallo"), secret=secret)
    assert answer.status_code == 403
    assert len(telegram_api.calls) == before
    assert user_events(stack, chat) == []


def test_malformed_json_is_a_bad_request(stack: Stack, telegram_api: FakeTelegramApi) -> None:
    before = len(telegram_api.calls)
    assert post(stack, b'{"update_id": 1, "message": ').status_code == 400
    assert post(stack, b'"just text"').status_code == 400
    assert len(telegram_api.calls) == before


def push(stack: Stack, chat: int, text: str, name: str) -> None:
    push_adviser_message(stack, f"telegram-{chat}", text, name)


def test_an_adviser_message_pushed_through_the_http_api_reaches_the_teacher(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    say(stack, telegram_api, chat, message_update(chat, "ik wil graag een mens spreken"))
    before = len(telegram_api.sent(chat))
    push(stack, chat, "Hoi, ik ben Anna. Vertel eens: wat zag je <precies>?", "Anna")
    [message] = telegram_api.sent(chat)[before:]
    assert message.text == "Anna (adviseur)\nHoi, ik ben Anna. Vertel eens: wat zag je <precies>?"
    assert message.styled("bold") == ["Anna (adviseur)"]
    bot = [e for e in events(stack, chat) if e["event"] == "bot"]
    assert bot[-1]["data"]["custom"] == {"type": "adviser", "name": "Anna"}  # stored as sent


def test_a_long_adviser_message_is_split_within_telegrams_limit(
    stack: Stack, telegram_api: FakeTelegramApi, chat: int
) -> None:
    say(stack, telegram_api, chat, message_update(chat, "hallo"))
    paragraphs = [f"Punt {i}. " + "Bespreek wat je ziet met je collega's. " * 12 for i in range(14)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > MAX_TEXT_LENGTH
    before = len(telegram_api.sent(chat))
    push(stack, chat, text, "Anna")
    parts = telegram_api.sent(chat)[before:]
    assert len(parts) == 2
    assert all(text_length(p.text) <= MAX_TEXT_LENGTH for p in parts)
    assert parts[0].text.startswith("Anna (adviseur)\nPunt 0.")
    assert parts[1].text.startswith("Punt ")  # split between paragraphs
    joined = "\n\n".join(p.text for p in parts).removeprefix("Anna (adviseur)\n")
    assert joined == text
