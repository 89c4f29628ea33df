"""What every channel checks before Rasa sees a message: typed commands, length, rate."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.guard import TOO_LONG_RESPONSE, is_command, offered_payloads, screen_text
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


# Characters Rasa's own ``str.strip()`` takes off before it looks for "/", and others
# a client can put between the slashes: spaces of other scripts, line and paragraph
# separators, zero-width and bidi controls, and a full-width solidus (NFKC: "/").
INVISIBLE = [
    "\u00a0",  # no-break space
    "\u1680",  # ogham space mark
    "\u2000",  # en quad
    "\u2007",  # figure space
    "\u200a",  # hair space
    "\u202f",  # narrow no-break space
    "\u205f",  # medium mathematical space
    "\u3000",  # ideographic space
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\x85",  # next line
    "\x1c",  # file separator (str.isspace)
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM)
    "\u180e",  # mongolian vowel separator
    "\u202a",  # left-to-right embedding
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\u200e",  # left-to-right mark
]


@pytest.mark.parametrize("invisible", INVISIBLE)
@pytest.mark.parametrize(
    "template",
    [
        "/{0}/ask_travel",
        "{0}/ask_travel",
        "/{0}{0}/restart",
        "{0}/{0}/{0}/request_human",
        '/{0}/inform{{"role": "Jan Jansen 0612345678"}}',
        "\uff0f{0}/restart",  # full-width solidus
    ],
)
def test_unicode_spaces_do_not_smuggle_intent_syntax(invisible: str, template: str) -> None:
    typed = template.format(invisible)
    seen = screen_text(typed, offered=OFFERED, max_chars=1000).text
    assert seen is not None
    # What Rasa would parse as "/intent...": it strips Unicode whitespace itself first.
    assert not seen.strip().startswith("/"), repr(seen)
    assert seen[0].isalpha(), repr(seen)


@pytest.mark.parametrize("invisible", ["\u00a0", "\u200b", "\u3000", "\ufeff", "\u2029"])
def test_an_offered_button_survives_invisible_padding(invisible: str) -> None:
    typed = f"{invisible}/request_human{invisible}"
    assert is_command(typed)
    assert screen_text(typed, offered=OFFERED, max_chars=1000).text == "/request_human"


def test_text_is_normalised_with_nfkc() -> None:
    screened = screen_text("ﬁets\u00a0op\u3000school", offered=OFFERED, max_chars=1000)
    assert screened.text == "fiets op school"
