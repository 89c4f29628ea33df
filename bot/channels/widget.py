"""The website widget's wire format and conversation history, independent of the engine.

One bot message becomes ONE socket.io ``bot_uttered`` event whose data carries every
part of the message together::

    {"text": "...", "buttons": [{"title": "...", "payload": "/..."}], "custom": {...}}

Keys are present only when the message has them (``image`` and ``attachment`` pass
through as well). The history a widget asks for after a page reload is built from
the conversation's stored events: user messages (a clicked button shows its title,
not its payload) and bot messages in the same form as live ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# A conversation id the widget generated: 32 lower-case hex digits (a random UUID4
# without dashes, as ``crypto.randomUUID()`` and Python's ``uuid4().hex`` give).
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
UUID4_VERSION_DIGIT = 12  # the version nibble of a UUID4 in its hex form
# How many messages of a conversation the widget gets back after a reload.
HISTORY_LIMIT = 200


def valid_session_id(value: Any) -> bool:
    """Tell whether ``value`` is a client-generated random conversation id (UUID4 hex)."""
    return (
        isinstance(value, str)
        and SESSION_ID.match(value) is not None
        and value[UUID4_VERSION_DIGIT] == "4"
        and value[UUID4_VERSION_DIGIT + 4] in "89ab"
    )


def _buttons(message: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = message.get("buttons") or message.get("quick_replies") or []
    buttons = []
    for button in raw if isinstance(raw, list) else []:
        if not isinstance(button, Mapping):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and title and payload:
            buttons.append({"title": title, "payload": payload})
    return buttons


def wire_message(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """Build the data of one ``bot_uttered`` event from a bot message; ``None`` if empty.

    Args:
        message: a bot message as the engine hands it to an output channel (``text``,
            ``buttons`` or ``quick_replies``, ``custom``, ``image``, ``attachment``).

    """
    data: dict[str, Any] = {}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        data["text"] = text.strip()
    buttons = _buttons(message)
    if buttons:
        data["buttons"] = buttons
    custom = message.get("custom")
    if isinstance(custom, Mapping) and custom:
        data["custom"] = dict(custom)
    for key in ("image", "attachment"):
        if message.get(key):
            data[key] = message[key]
    return data or None


def button_title(events_newest_first: Iterable[Mapping[str, Any]], payload: str) -> str | None:
    """Return the title of the button with ``payload`` the bot offered in its latest turn."""
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            return None
        if kind == "bot":
            for button in _buttons(event.get("data") or {}):
                if button["payload"] == payload.strip():
                    return button["title"]
    return None


def history(
    events: Iterable[Mapping[str, Any]], limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """Turn a conversation's events (oldest first) into the messages the widget shows.

    Each item is ``{"sender": "user", "text": ...}`` or ``{"sender": "bot", ...}`` with
    the fields of :func:`wire_message`; at most the newest ``limit`` items.
    """
    shown: list[dict[str, Any]] = []
    offered: dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if isinstance(text, str) and text.strip():
                shown.append({"sender": "user", "text": offered.get(text.strip(), text.strip())})
            offered = {}
        elif kind == "bot":
            data = event.get("data") or {}
            message = wire_message({**data, "text": event.get("text")})
            if message:
                shown.append({"sender": "bot", **message})
                offered.update({b["payload"]: b["title"] for b in message.get("buttons", [])})
    return shown[-limit:]
