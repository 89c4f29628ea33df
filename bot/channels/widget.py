"""The website widget's wire format and conversation history, independent of the engine.

A bot message goes out as the ``bot_uttered`` events Rasa's own socket.io output
(``rasa.core.channels.socketio.SocketIOOutput``) sends, so standard clients of Rasa's
socket.io protocol (Botfront's ``rasa-webchat`` and others) show it:

* text: one event ``{"text": part}`` per part, the parts split on blank lines;
* text with buttons: every part as ``{"text": part, "quick_replies": []}``, the last
  one with the buttons as ``{"content_type": "text", "title": ..., "payload": ...}``;
* an image: ``{"attachment": {"type": "image", "payload": {"src": ...}}}``; an
  attachment: ``{"attachment": ...}``;
* a custom payload: its own event ``{"custom": {...}, "parts": n}``, sent just BEFORE
  the message's other events; ``n`` says how many of the events that follow belong to
  the same message. A standard client treats it as a custom message it does not
  know and skips it (the text it belongs to is in the plain events); the project's
  widget reads it to show the message as one piece (the 112 message, resource cards,
  the adviser's name, handoff steps).

Rasa's own output sends a custom payload after the text and passes it to
``emit(**payload)``, which fails for any payload without a ``data`` key; sending it
first, with its count, lets a client draw the message whole as it arrives.

The history a widget asks for after a page reload is built from the conversation's
stored events, in the same events: user messages (a clicked button shows its title,
not its payload) and bot messages exactly as they went out live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# A client-chosen conversation id: a random UUID4, as 32 hex digits (``uuid4().hex``)
# or in its usual dashed form (``str(uuid4())``, ``crypto.randomUUID()``), either case.
SESSION_ID_HEX = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
SESSION_ID_DASHED = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
# A random UUID4 has 122 random bits; one that uses fewer than this many of the 16
# hex digits is a made-up id ("00000000-0000-4000-8000-000000000000"), not a random one
# (for a random id the chance is below 1e-9).
MIN_DISTINCT_DIGITS = 8
# How many messages of a conversation the widget gets back after a reload.
HISTORY_LIMIT = 200


def session_id(value: Any) -> str | None:
    """Return the conversation id a client chose, normalised, or ``None`` if not random.

    Accepted: a UUID4 as 32 hex digits or dashed (8-4-4-4-12), upper or lower case,
    with the version and variant digits of a UUID4 and enough distinct digits to be
    random. The id is returned in lower case, in the form it was given.
    """
    if not isinstance(value, str):
        return None
    candidate = value.lower()
    if not (SESSION_ID_HEX.match(candidate) or SESSION_ID_DASHED.match(candidate)):
        return None
    if len(set(candidate.replace("-", ""))) < MIN_DISTINCT_DIGITS:
        return None
    return candidate


def valid_session_id(value: Any) -> bool:
    """Tell whether ``value`` is a client-generated random conversation id (a UUID4)."""
    return session_id(value) is not None


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


def text_parts(text: Any) -> list[str]:
    """Split a bot text on blank lines, as Rasa's socket.io output does (no empty parts)."""
    if not isinstance(text, str):
        return []
    return [part.strip() for part in text.strip().split("\n\n") if part.strip()]


def wire_events(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Build the ``bot_uttered`` events of one bot message (see the module docstring).

    Args:
        message: a bot message as the engine hands it to an output channel (``text``,
            ``buttons`` or ``quick_replies``, ``custom``, ``image``, ``attachment``).

    Returns:
        The events in the order they are sent; empty for an empty message.

    """
    events: list[dict[str, Any]] = []
    parts = text_parts(message.get("text"))
    buttons = _buttons(message)
    if buttons:
        replies = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
        events.extend({"text": part, "quick_replies": []} for part in parts or [""])
        events[-1]["quick_replies"] = replies
    else:
        events.extend({"text": part} for part in parts)
    image = message.get("image")
    if isinstance(image, str) and image:
        events.append({"attachment": {"type": "image", "payload": {"src": image}}})
    if message.get("attachment"):
        events.append({"attachment": message["attachment"]})
    custom = message.get("custom")
    if isinstance(custom, Mapping) and custom:
        events.insert(0, {"custom": dict(custom), "parts": len(events)})
    return events


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
    """Turn a conversation's events (oldest first) into what the widget shows.

    Each item is ``{"sender": "user", "text": ...}`` or ``{"sender": "bot", ...}``
    with the fields of one event of :func:`wire_events`, a bot message's events in
    the order they went out live. At most the newest ``limit`` messages, never a
    message cut in part.
    """
    messages: list[list[dict[str, Any]]] = []
    offered: dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if isinstance(text, str) and text.strip():
                shown = offered.get(text.strip(), text.strip())
                messages.append([{"sender": "user", "text": shown}])
            offered = {}
        elif kind == "bot":
            data = event.get("data") or {}
            message = {**data, "text": event.get("text")}
            sent = wire_events(message)
            if sent:
                messages.append([{"sender": "bot", **item} for item in sent])
                offered.update({b["payload"]: b["title"] for b in _buttons(message)})
    return [item for message in messages[-limit:] for item in message]
