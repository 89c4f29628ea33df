"""What every channel checks before Rasa sees a message: typed commands, length, rate."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.guard import TOO_LONG_RESPONSE, offered_payloads, screen_text
from bot.ratelimit import RateLimits

OFFERED = frozenset({"/request_human", '/inform{"urgency":"hoog"}'})


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("/request_human", "/request_human"),  # a button the bot offered
        ('/inform{"urgency":"hoog"}', '/inform{"urgency":"hoog"}'),
        ("/restart", "restart"),  # typed, not offered: plain words
        ('/inform{"urgency":"laag"}', 'inform{"urgency":"laag"}'),
        ("//request_human ", "request_human"),
        ("/", None),
        ("   ", None),
        ("hallo\x00\x1b[31m daar\u200b", "hallo[31m daar"),  # control and format characters
        ("Wat moet ik doen?", "Wat moet ik doen?"),
    ],
)
def test_only_offered_payloads_reach_the_engine_as_payloads(typed: str, seen: str | None) -> None:
    assert screen_text(typed, offered=OFFERED, max_chars=1000).text == seen


def test_too_long_text_is_refused_and_not_passed_on() -> None:
    screened = screen_text("a" * 1001, offered=OFFERED, max_chars=1000)
    assert (screened.text, screened.refusal) == (None, TOO_LONG_RESPONSE)
    assert screen_text("a" * 1000, offered=OFFERED, max_chars=1000).text == "a" * 1000


@pytest.mark.parametrize("value", [None, 42, ["/restart"], {"text": "x"}])
def test_anything_but_text_is_ignored(value: object) -> None:
    assert screen_text(value, offered=OFFERED, max_chars=1000).text is None


def test_offered_payloads_are_those_of_the_latest_bot_turn_only() -> None:
    newest_first: list[dict[str, Any]] = [
        {"event": "bot", "data": {"buttons": [{"title": "Ja", "payload": "/request_human"}]}},
        {"event": "action", "name": "utter_offer_human"},
        {"event": "bot", "data": {"quick_replies": [{"title": "x", "payload": "/deny"}]}},
        {"event": "user", "text": "hallo"},
        {"event": "bot", "data": {"buttons": [{"title": "Oud", "payload": "/ask_signals"}]}},
    ]
    assert offered_payloads(newest_first) == {"/request_human", "/deny"}
    assert offered_payloads([{"event": "user"}, *newest_first]) == frozenset()


def test_rate_limits_count_per_conversation_and_per_address() -> None:
    limits = RateLimits(per_conversation="2/minute", per_address="3/minute")
    assert limits.retry_after(conversation="a", address="1.2.3.4") is None
    assert limits.retry_after(conversation="a", address="1.2.3.4") is None
    wait = limits.retry_after(conversation="a", address="1.2.3.4")
    assert wait is not None and 1 <= wait <= 60
    assert limits.retry_after(conversation="b", address="1.2.3.4") is not None  # address full
    assert limits.retry_after(conversation="b", address="5.6.7.8") is None
