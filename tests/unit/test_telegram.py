"""The engine-neutral Telegram channel: updates, decisions, rendering, splitting."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram import (
    ADVISER_LABEL_RESPONSE,
    EDITED_RESPONSE,
    MAX_TEXT_LENGTH,
    PRIVATE_ONLY_RESPONSE,
    TEXT_ONLY_RESPONSE,
    BotApi,
    NoticeThrottle,
    OutgoingMessage,
    RecentIds,
    Step,
    TelegramApiError,
    UpdateError,
    UpdateKind,
    callback_data_for,
    chat_id_of,
    configuration_problem,
    decide,
    parse_update,
    render_message,
    resolve_callback,
    secret_matches,
    send_messages,
    split_text,
    text_length,
)
from bot.settings import TelegramSettings
from tests.fakes.telegram_api import (
    TOKEN,
    ApiError,
    callback_update,
    channel_post_update,
    edited_message_update,
    group_message_update,
    message_update,
    parse_html,
    photo_update,
    running_telegram_api,
    sticker_update,
)

CHAT = 5550001


# ---------------------------------------------------------------- parsing and deciding


def test_private_text_message_goes_to_the_engine_with_the_chat_id() -> None:
    update = parse_update(message_update(CHAT, "Een leerling deelt nazi-memes, wat nu?"))
    assert update.kind is UpdateKind.TEXT
    assert update.sender_id == f"telegram-{CHAT}"
    assert decide(update).step is Step.MESSAGE
    assert decide(update).text == "Een leerling deelt nazi-memes, wat nu?"


@pytest.mark.parametrize("text", ["/start", "/start welkom-123", "/start@advieslijn_bot", "/help"])
def test_start_and_help_become_the_greeting(text: str) -> None:
    handling = decide(parse_update(message_update(CHAT, text)))
    assert (handling.step, handling.text) == (Step.GREETING, "/greet")


def test_other_commands_are_plain_text_for_the_guard() -> None:
    handling = decide(parse_update(message_update(CHAT, "/restart")))
    assert (handling.step, handling.text) == (Step.MESSAGE, "/restart")


def test_button_press_carries_its_data_and_the_keyboard_labels() -> None:
    body = callback_update(CHAT, "/request_human")
    body["callback_query"]["message"]["reply_markup"] = {
        "inline_keyboard": [[{"text": "Ja, graag een adviseur", "callback_data": "/request_human"}]]
    }
    update = parse_update(body)
    assert update.kind is UpdateKind.BUTTON
    assert update.callback_query_id == body["callback_query"]["id"]
    assert update.chat_id == CHAT
    assert update.button_title("/request_human") == "Ja, graag een adviseur"
    assert update.button_title("/deny") is None
    assert decide(update).step is Step.BUTTON


@pytest.mark.parametrize(
    ("body", "kind", "response"),
    [
        (sticker_update(CHAT), UpdateKind.NOT_TEXT, TEXT_ONLY_RESPONSE),
        (photo_update(CHAT, caption="wat betekent dit?"), UpdateKind.NOT_TEXT, TEXT_ONLY_RESPONSE),
        (edited_message_update(CHAT, "correctie"), UpdateKind.EDITED, EDITED_RESPONSE),
        (group_message_update(-100123, CHAT, "/start"), UpdateKind.GROUP, PRIVATE_ONLY_RESPONSE),
    ],
)
def test_non_text_edits_and_groups_get_a_notice(
    body: dict[str, Any], kind: UpdateKind, response: str
) -> None:
    update = parse_update(body)
    assert update.kind is kind
    assert decide(update).step is Step.NOTICE
    assert decide(update).response == response


@pytest.mark.parametrize(
    "body",
    [
        channel_post_update(-100987, "nieuws"),
        {"update_id": 1, "my_chat_member": {"chat": {"id": CHAT, "type": "private"}}},
        {"update_id": 2, "inline_query": {"id": "1", "query": "x"}},
        {"update_id": 3},
    ],
)
def test_other_updates_are_ignored(body: dict[str, Any]) -> None:
    assert decide(parse_update(body)).step is Step.IGNORE


def test_button_press_in_a_group_is_only_acknowledged() -> None:
    body = callback_update(CHAT, "/deny")
    body["callback_query"]["message"]["chat"] = {"id": -100123, "type": "supergroup"}
    update = parse_update(body)
    assert update.callback_query_id and decide(update).step is Step.IGNORE


@pytest.mark.parametrize(
    "body",
    [
        [],
        "update",
        {"message": {"text": "hoi"}},
        {"update_id": "12", "message": {}},
        {"update_id": True},
        {"update_id": 4, "message": "hoi"},
        {"update_id": 5, "message": {"chat": {"id": "abc", "type": "private"}, "text": "x"}},
        {"update_id": 6, "callback_query": {"id": 12, "data": "/deny"}},
    ],
)
def test_malformed_updates_are_refused(body: Any) -> None:
    with pytest.raises(UpdateError):
        parse_update(body)


def test_secret_comparison() -> None:
    assert secret_matches("s3cret_-A", "s3cret_-A")
    assert not secret_matches("s3cret_-a", "s3cret_-A")
    assert not secret_matches(None, "s3cret")
    assert not secret_matches("", "s3cret")


def test_configuration_problems_are_named() -> None:
    assert configuration_problem(TOKEN, "abc_DEF-123") is None
    assert "TELEGRAM_TOKEN is not set" in (configuration_problem(None, "x") or "")
    assert "bot token" in (configuration_problem("hello", "x") or "")
    assert "TELEGRAM_SECRET_TOKEN" in (configuration_problem(TOKEN, None) or "")
    assert "letters, digits" in (configuration_problem(TOKEN, "has space") or "")


def test_chat_ids() -> None:
    assert chat_id_of("telegram-5550001") == 5550001
    assert chat_id_of("telegram--1001234") == -1001234
    assert chat_id_of("5550001") is None  # a REST sender cannot pose as a Telegram chat
    assert chat_id_of("test-abc") is None


# ---------------------------------------------------------------- splitting


def test_short_text_is_one_part() -> None:
    assert split_text("  Hallo daar.  ") == ["Hallo daar."]
    assert split_text("   ") == []


def test_long_text_is_split_between_paragraphs() -> None:
    paragraphs = [f"Alinea {i}. " + "woord " * 300 for i in range(6)]
    parts = split_text("\n\n".join(p.strip() for p in paragraphs))
    assert len(parts) > 1
    assert all(text_length(part) <= MAX_TEXT_LENGTH for part in parts)
    assert all(part.startswith("Alinea") for part in parts)  # never mid-paragraph


def test_a_long_paragraph_is_split_between_sentences() -> None:
    sentence = "Dit is een zin over signalen die je ziet bij een leerling. "
    parts = split_text(sentence * 150)
    assert len(parts) >= 2
    assert all(part.endswith(".") and part.startswith("Dit") for part in parts)


def test_only_an_endless_word_is_cut() -> None:
    parts = split_text("a" * 10000)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_length_counts_utf16_units_like_telegram() -> None:
    parts = split_text("🙂" * 3000)  # 2 units each
    assert all(text_length(part) <= MAX_TEXT_LENGTH for part in parts)
    assert "".join(parts) == "🙂" * 3000


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="abcdé🙂.!? ", min_size=1, max_size=60),
            st.sampled_from(["\n", "\n\n", ". ", " "]),
        ),
        max_size=80,
    ),
    st.integers(min_value=5, max_value=120),
)
def test_splitting_keeps_every_word_within_the_limit(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    parts = split_text(text, limit)
    assert all(0 < text_length(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


# ---------------------------------------------------------------- rendering


def visible(message: OutgoingMessage) -> tuple[str, list[dict[str, Any]]]:
    """What Telegram shows: parse the HTML as strictly as the Bot API does."""
    return parse_html(message.html)


def test_all_text_is_escaped_for_html_parse_mode() -> None:
    text = "Is <b>dit</b> & dat > 3 < 4? Gebruik geen <script>."
    [message] = render_message({"text": text})
    assert message.params(CHAT)["parse_mode"] == "HTML"
    shown, entities = visible(message)
    assert shown == text
    assert entities == []


def test_urgent_message_is_bold() -> None:
    text = "Bel nu 112 als er direct gevaar is.\n\nBlijf rustig & zorg dat je veilig bent."
    [message] = render_message({"text": text, "custom": {"type": "urgent"}})
    shown, entities = visible(message)
    assert shown == text
    assert entities == [{"type": "bold", "offset": 0, "length": len(text)}]


RESOURCES = {
    "type": "resources",
    "items": [
        {
            "id": "a",
            "title": "JEPzine <online>",
            "kind": "jepzine",
            "url": "https://x.nl/a?b=1&c=2",
        },
        {"id": "b", "title": "Training OMEI", "kind": "training", "url": "https://x.nl/omei"},
    ],
}


def test_listed_resources_become_links_and_are_not_repeated() -> None:
    text = (
        "Dit kan je verder helpen:\n- JEPzine <online>: https://x.nl/a?b=1&c=2\n"
        "- Training OMEI: https://x.nl/omei"
    )
    [message] = render_message({"text": text, "custom": RESOURCES})
    shown, entities = visible(message)
    assert shown == "Dit kan je verder helpen:\n- JEPzine <online>\n- Training OMEI"
    links = [(e["offset"], e["length"], e["url"]) for e in entities]
    assert [url for *_, url in links] == ["https://x.nl/a?b=1&c=2", "https://x.nl/omei"]
    assert shown.count("Training OMEI") == 1


def test_resources_missing_from_the_text_are_added_once() -> None:
    [message] = render_message({"text": "Kijk hier:", "custom": RESOURCES})
    shown, entities = visible(message)
    assert shown == "Kijk hier:\n\n- JEPzine <online>\n- Training OMEI"
    assert len(entities) == 2


def test_adviser_message_shows_the_name_above_the_text() -> None:
    message = {
        "text": "Hoi, ik ben Anna. Vertel <gerust> meer.",
        "custom": {"type": "adviser", "name": "Anna & co"},
    }
    [plain] = render_message(message)
    assert visible(plain)[0] == "Anna & co\nHoi, ik ben Anna. Vertel <gerust> meer."
    [labelled] = render_message(message, adviser_label="Anna & co (adviseur)")
    shown, entities = visible(labelled)
    assert shown.startswith("Anna & co (adviseur)\n")
    assert entities == [{"type": "bold", "offset": 0, "length": len("Anna & co (adviseur)")}]
    assert ADVISER_LABEL_RESPONSE == "utter_telegram_adviser_label"


def test_buttons_become_an_inline_keyboard_one_per_row() -> None:
    buttons = [
        {"title": "Ja, graag een adviseur", "payload": "/request_human"},
        {"title": "Nee, ik ga verder met de chatbot", "payload": "/deny"},
    ]
    [message] = render_message({"text": "Wil je met een adviseur praten?", "buttons": buttons})
    markup = message.params(CHAT)["reply_markup"]
    assert markup == {
        "inline_keyboard": [
            [{"text": "Ja, graag een adviseur", "callback_data": "/request_human"}],
            [{"text": "Nee, ik ga verder met de chatbot", "callback_data": "/deny"}],
        ]
    }


def test_payload_longer_than_telegram_allows_is_hashed_and_resolved() -> None:
    payload = '/inform{"phenomenon": "extreemrechts", "role": "docent", "age_group": "12-16"}'
    data = callback_data_for(payload)
    assert len(data.encode()) <= 64 and data != payload
    assert resolve_callback(data, {payload, "/deny"}) == payload
    assert resolve_callback("/deny", {payload, "/deny"}) == "/deny"
    assert resolve_callback(data, {"/deny"}) == data  # not offered: stays unresolved


def test_long_message_is_split_with_the_keyboard_on_the_last_part() -> None:
    text = "\n\n".join(f"Stap {i}: " + "praat rustig met de jongere. " * 40 for i in range(10))
    buttons = [{"title": "Verder", "payload": "/affirm"}]
    parts = render_message({"text": text, "buttons": buttons, "custom": {"type": "urgent"}})
    assert len(parts) > 1
    for part in parts:
        shown, entities = visible(part)
        assert text_length(shown) <= MAX_TEXT_LENGTH
        assert entities[0]["type"] == "bold"
    assert [bool(p.keyboard) for p in parts] == [False] * (len(parts) - 1) + [True]


def test_long_adviser_message_keeps_the_heading_within_the_limit() -> None:
    text = "Goed dat je dit meldt. " * 400
    parts = render_message({"text": text, "custom": {"type": "adviser", "name": "Anna"}})
    assert len(parts) == 3
    assert all(text_length(visible(p)[0]) <= MAX_TEXT_LENGTH for p in parts)
    assert visible(parts[0])[0].startswith("Anna\n")
    assert not visible(parts[1])[0].startswith("Anna")


def test_nothing_to_show_renders_nothing() -> None:
    assert render_message({"custom": {"type": "handoff", "stage": "started"}}) == []
    assert render_message({"text": "  "}) == []


def test_the_fake_api_is_as_strict_as_telegram() -> None:
    for bad in ("1 < 2", "a & b", "<script>x</script>", "<b>open"):
        with pytest.raises(ApiError):
            parse_html(bad)


# ---------------------------------------------------------------- small state


def test_recent_ids_catch_a_redelivered_update() -> None:
    recent = RecentIds(size=2)
    assert not recent.seen(1)
    assert recent.seen(1)
    assert not recent.seen(2) and not recent.seen(3)
    assert not recent.seen(1)  # forgotten after size newer ones


def test_notice_throttle() -> None:
    throttle = NoticeThrottle()
    assert throttle.allow("1:x", 60, now=0)
    assert not throttle.allow("1:x", 60, now=59)
    assert throttle.allow("2:x", 60, now=59)
    assert throttle.allow("1:x", 60, now=61)


# ---------------------------------------------------------------- the Bot API client


def test_client_reports_telegram_errors_and_retries_once_when_asked_to_wait() -> None:
    with running_telegram_api() as fake:
        api = BotApi(TelegramSettings(api_base_url=fake.base_url, webhook_url=""), TOKEN)

        async def scenario() -> tuple[int, int, int]:
            fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            first = await send_messages(api, CHAT, render_message({"text": "een"}))
            fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: x")
            second = await send_messages(api, CHAT, render_message({"text": "twee & drie"}))
            fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
            third = await send_messages(api, CHAT, render_message({"text": "vier"}))
            with pytest.raises(TelegramApiError, match="Not Found"):
                await api.call("noSuchMethod")
            await api.close()
            return first, second, third

        assert asyncio.run(scenario()) == (1, 1, 0)
        texts = [s.text for s in fake.sent(CHAT)]
        assert texts == ["een", "twee & drie"]
        plain = fake.calls_to("sendMessage")[-2].params
        assert "parse_mode" not in plain and plain["text"] == "twee & drie"


def test_client_reports_an_unreachable_api() -> None:
    api = BotApi(TelegramSettings(api_base_url="http://127.0.0.1:9", webhook_url=""), TOKEN, 2)

    async def scenario() -> None:
        with pytest.raises(TelegramApiError, match="cannot reach"):
            await api.call("getMe")
        await api.close()

    asyncio.run(scenario())


def test_token_never_appears_in_error_messages() -> None:
    with running_telegram_api() as fake:
        api = BotApi(TelegramSettings(api_base_url=fake.base_url, webhook_url=""), "1:" + "x" * 30)

        async def scenario() -> str:
            try:
                await api.call("getMe")
            except TelegramApiError as exc:
                return str(exc)
            finally:
                await api.close()
            return ""

        message = asyncio.run(scenario())
    assert "Unauthorized" in message and not re.search("x{30}", message)
