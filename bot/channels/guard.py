"""What every channel checks before user text reaches the conversation engine.

* Text that starts with ``/`` is Rasa's intent syntax (``/restart``,
  ``/inform{"urgency": "laag"}``). It is passed on unchanged only when it is exactly
  one of the payloads the bot itself offered as a button in its latest turn;
  otherwise the slashes are taken off, so it is read as plain words. Users can
  neither restart nor set slots by typing. The text is first normalised with NFKC
  (a full-width solidus is a ``/``, a no-break or ideographic space a space), and
  every leading ``/`` or invisible character is taken off together: spaces of any
  script, line and paragraph separators, zero-width and bidi controls. Rasa strips
  Unicode whitespace before it looks for ``/``, so ``"/\u00a0/restart"`` must not
  survive as ``"/restart"``.
* Text over the length limit is refused with a domain response, never stored.
* Control and format characters (zero-width, bidi) are dropped; empty text is ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

INTENT_PREFIX = "/"
# Domain responses a channel sends when it refuses a message.
TOO_LONG_RESPONSE = "utter_message_too_long"
RATE_LIMITED_RESPONSE = "utter_rate_limited"
# The 112 message, also sent while an adviser has the conversation.
URGENT_RESPONSE = "utter_urgent"


@dataclass(frozen=True)
class Screened:
    """The outcome of screening one user message.

    ``text`` is what the engine may see (``None``: nothing is passed on);
    ``refusal`` names the domain response that tells the user why.
    """

    text: str | None
    refusal: str | None = None


def _invisible(ch: str) -> bool:
    """Whether ``ch`` is whitespace or an invisible character (any script)."""
    return ch.isspace() or unicodedata.category(ch)[0] in "ZC"


def normalise(text: str) -> str:
    """Return ``text`` in NFKC without control or format characters, stripped.

    Newlines and tabs stay; spaces of every kind at either end go (``str.strip`` takes
    Unicode whitespace, ``_invisible`` the separators Python does not count as such).
    """
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    start, end = 0, len(kept)
    while start < end and _invisible(kept[start]):
        start += 1
    while end > start and _invisible(kept[end - 1]):
        end -= 1
    return kept[start:end]


def strip_command(text: str) -> str:
    """Take every leading ``/`` and invisible character off ``text``."""
    start = 0
    while start < len(text) and (text[start] == INTENT_PREFIX or _invisible(text[start])):
        start += 1
    return text[start:]


def is_command(text: Any) -> bool:
    """Whether ``text`` would reach the engine as intent syntax (``/intent...``)."""
    return isinstance(text, str) and normalise(text).startswith(INTENT_PREFIX)


def screen_text(text: Any, *, offered: Collection[str], max_chars: int) -> Screened:
    """Decide what of a user's text the engine may see.

    Args:
        text: the text as the channel received it (anything: it is checked here).
        offered: the button payloads the bot offered in its latest turn.
        max_chars: longer messages are refused.

    """
    if not isinstance(text, str):
        return Screened(None)
    cleaned = normalise(text)
    if not cleaned:
        return Screened(None)
    if len(cleaned) > max_chars:
        return Screened(None, TOO_LONG_RESPONSE)
    if cleaned.startswith(INTENT_PREFIX) and cleaned not in offered:
        return Screened(strip_command(cleaned) or None)
    return Screened(cleaned)


def offered_payloads(events_newest_first: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Return the button payloads of the bot's messages since the latest user message.

    Args:
        events_newest_first: the conversation's events as dictionaries (Rasa's
            ``event.as_dict()`` form), newest first.

    """
    payloads: set[str] = set()
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            break
        if kind != "bot":
            continue
        data = event.get("data") or {}
        for button in [*(data.get("buttons") or []), *(data.get("quick_replies") or [])]:
            payload = button.get("payload") if isinstance(button, Mapping) else None
            if isinstance(payload, str):
                payloads.add(normalise(payload))
    return frozenset(payloads)
