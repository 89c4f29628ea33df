"""Logging that never writes what a user or an adviser typed, at any level.

Rasa logs conversation text in many places when it runs at DEBUG: the parse data
of every message (structlog JSON: ``{"parse_data_text": ...}``), event reprs such
as ``BotUttered('...')`` and ``SlotSet(key: x, value: ...)``, tracker states;
Sanic's access log writes request URLs with the API token. Finding every such
call is hopeless, so the rule is applied where every record passes:

- :func:`install` replaces the process's log record factory: every record's
  message (``getMessage()``) and traceback is scrubbed by :func:`scrub`, whichever
  handler or formatter writes it (Rasa's own file handler and coloredlogs too);
- :class:`ConversationTextFilter` scrubs the attributes Sanic's access log formats
  itself (``request``), and installs the factory when a logging configuration
  names it (``config/logging.yml`` for ``rasa run --logging-config-file``);
- :func:`configure` sets up a process of our own (action server, console).

:func:`scrub` keeps what is needed to follow what happened (event names, levels,
action, intent and policy names, numbers) and masks every other quoted string,
every value of a structured (JSON) record except those of known safe keys, the
text and values inside Rasa's event reprs, URL query strings and the credentials
after ``Bearer`` or ``Basic``.

Conversation ids (the widget's UUIDs, ``telegram-<chat id>``, REST senders, which
may be an e-mail address) and socket.io session ids appear only as a keyed hash,
:func:`conversation_hash`: ``conv-`` and 12 hex digits of an HMAC-SHA256 under the
installation's ``log_key`` secret. The same id gives the same hash in every process
and every restart, so an operator can follow one conversation through the logs,
but nobody without the key can tell which conversation it was. The project's own
code logs ``conversation_hash(id)``; in Rasa's and the libraries' lines the
scrubber finds ids by their label (``conversation ID '...'``, ``sender_id``,
``User <sid> connected``, ``/conversations/<id>/``, JSON keys) and by their shape
(UUID4, ``telegram-<n>``) and replaces them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import traceback
from typing import Any
from urllib.parse import unquote

MASK = "…"
HASH_PREFIX = "conv-"
_HASH_DIGITS = 12
_HASHED = re.compile(rf"{HASH_PREFIX}[0-9a-f]{{{_HASH_DIGITS}}}")
# Used until set_key() gives the installation's key (then hashes agree across
# processes and restarts); a hash is never the id itself either way.
_FALLBACK_KEY = secrets.token_bytes(32)
_key: bytes | None = None
# Values of these keys in structured (JSON) records describe what happened, not what
# anybody wrote.
SAFE_KEYS = frozenset(
    {
        "event",
        "event_key",
        "level",
        "log_level",
        "action_name",
        "policy_name",
        "intent_name",
        "confidence",
        "model_id",
        "assistant_id",
        "timestamp",
        "status",
        "duration",
        "num_events",
        "slot_name",
    }
)
# Values of these keys in structured records (and key=value pairs) are conversation
# or socket ids: shown as their keyed hash.
ID_KEYS = frozenset(
    {"sender_id", "conversation_id", "recipient_id", "sid", "chat_id", "sender", "recipient"}
)
# Quoted strings that are identifiers: action and intent names, module paths, ids,
# conversation hashes.
_IDENTIFIER = re.compile(
    r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+|[0-9a-f]{8,64}|\d+"
    rf"|{_HASHED.pattern}"
)
# Conversation and socket ids in free text. Quoted after a label, wherever Rasa
# writes one ("for conversation ID 'x'", "sender 'x'", "Tracker with sender_id 'x'",
# "Recreating tracker for id 'x'", "{'sender_id': 'x'}").
_LABELLED_ID = re.compile(
    r"(?i)(?P<head>\b(?:conversation(?:[ _]id)?|sender(?:[ _]id)?|recipient(?:[ _]id)?"
    r"|chat(?:[ _]id)?|sid|for id)(?P<lq>['\"]?)(?:\s*[:=]\s*|\s+)"
    r"(?P<q>['\"]))(?P<id>(?:\\.|(?!(?P=q)).)*?)(?P=q)"
)
# Unquoted, in the lines that are known to carry one.
_KNOWN_LINES = (
    # rasa.core.channels.socketio
    re.compile(r"\bUser (?P<id>\S+) (?=(?:connected to|disconnected from) socketIO endpoint)"),
    # engineio
    re.compile(r"\bCannot send to sid (?P<id>\S+)"),
    # rasa.server (story endpoint)
    re.compile(r"\bsessions for conversation ID (?P<id>\S+?)(?=\.?(?:\s|$))"),
    # key=value (structlog's plain renderer, our own code)
    re.compile(
        r"\b(?:sender_id|conversation_id|recipient_id|chat_id|sid)=(?P<id>[^\s&,;'\")\]}]+)"
    ),
)
# The HTTP API's paths (Sanic's access log, urllib3 in the console at DEBUG).
# Not the route patterns Sanic lists at start-up ("/conversations/<conversation_id:path>/").
_CONVERSATION_PATH = re.compile(r"(?<=/conversations/)(?!<)(?P<id>[^/?#\s'\"]+)")
# Ids of a recognisable shape anywhere: the widget's UUID4s (hex or dashed) and
# Telegram's conversations; not the model's id (a UUID4 too), which helps operators.
_ID_SHAPES = re.compile(
    r"(?<![\w-])(?<!model_id=')(?<!model_id=)(?:telegram--?\d{1,20}"
    r"|[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})(?![\w-])"
)
_QUOTED = re.compile(r"""(?P<q>['"])(?P<body>(?:\\.|(?!(?P=q)).)*?)(?P=q)""")
_EVENT_REPRS = re.compile(
    r"\b(UserUttered|BotUttered|AgentUttered|SlotSet|EntitiesAdded|UserUtteranceReverted)"
    r"\((?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)"
)
_SLOT_LINES = re.compile(r"(?m)^(\s+[\w-]+): .*$")
_QUERY = re.compile(r"(\?|&)([\w.-]+)=([^&\s'\"]*)")
# Credentials in headers, should a library ever log them: "Bearer <jwt>", "Basic ...".
_AUTHORIZATION = re.compile(r"(?i)\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+")
_RECORD_ATTRIBUTES = ("request",)
# structlog's console renderer (a terminal): key=value with the value in magenta, unquoted.
_CONSOLE_VALUE = re.compile(r"(\x1b\[36m(?P<key>[\w.]+)\x1b\[0m=\x1b\[35m)(?P<value>.*?)(\x1b\[0m)")


def set_key(key: str | bytes | None) -> None:
    """Use the installation's ``log_key`` for :func:`conversation_hash` from now on.

    Without a key (``None``, or never called) a random key of this process is used:
    hashes then differ between processes and restarts, but never show the id.
    """
    global _key
    _key = key.encode("utf-8") if isinstance(key, str) else key


def conversation_hash(conversation_id: object) -> str:
    """Return what the logs show for a conversation or socket id: ``conv-`` + 12 hex digits.

    An HMAC-SHA256 under the installation's ``log_key``: the same id gives the same
    hash in every process, nobody without the key can tell the id. A value that is
    already such a hash is returned as it is (lines are scrubbed after the project's
    code hashed their ids).
    """
    text = str(conversation_id)
    if _HASHED.fullmatch(text):
        return text
    digest = hmac.new(
        _key or _FALLBACK_KEY, text.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()
    return HASH_PREFIX + digest[:_HASH_DIGITS]


def hash_ids(text: str) -> str:
    """Return ``text`` with every conversation or socket id it names replaced by its hash."""

    def labelled(match: re.Match[str]) -> str:
        return f"{match.group('head')}{conversation_hash(match.group('id'))}{match.group('q')}"

    def known(match: re.Match[str]) -> str:
        whole, base = match.group(0), match.start()
        start, end = (i - base for i in match.span("id"))
        return whole[:start] + conversation_hash(match.group("id")) + whole[end:]

    text = _LABELLED_ID.sub(labelled, text)
    for pattern in _KNOWN_LINES:
        text = pattern.sub(known, text)
    text = _CONVERSATION_PATH.sub(lambda m: conversation_hash(unquote(m.group("id"))), text)
    return _ID_SHAPES.sub(lambda m: conversation_hash(m.group(0)), text)


def _quoted(match: re.Match[str]) -> str:
    body = match.group("body")
    if _IDENTIFIER.fullmatch(body):
        return match.group(0)
    return f"{match.group('q')}{MASK}{match.group('q')}"


def _console_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if match.group("key") in ID_KEYS:
        return f"{match.group(1)}{conversation_hash(value)}{match.group(4)}"
    if match.group("key") in SAFE_KEYS or _IDENTIFIER.fullmatch(value):
        return match.group(0)
    return f"{match.group(1)}{MASK}{match.group(4)}"


def _structured(value: Any, key: str | None = None) -> Any:
    if key in ID_KEYS and isinstance(value, (str, int)) and not isinstance(value, bool):
        return conversation_hash(value)
    if key in SAFE_KEYS and (value is None or isinstance(value, (str, int, float, bool))):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
        return hash_ids(value)
    if isinstance(value, dict):
        return {k: _structured(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_structured(v) for v in value]
    return MASK


def scrub(message: str) -> str:
    """Return a log message with everything that may be conversation text masked."""
    if not message:
        return message
    stripped = message.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return json.dumps(_structured(data), ensure_ascii=False)
    text = _CONSOLE_VALUE.sub(_console_value, message)
    text = hash_ids(text)
    text = _EVENT_REPRS.sub(lambda m: f"{m.group(1)}({MASK})", text)
    text = _QUOTED.sub(_quoted, text)
    if "slot values" in text.lower():
        text = _SLOT_LINES.sub(lambda m: f"{m.group(1)}: {MASK}", text)
    text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}", text)


class ScrubbedLogRecord(logging.LogRecord):
    """A log record whose message and traceback pass through :func:`scrub`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create the record and render its traceback scrubbed, once."""
        super().__init__(*args, **kwargs)
        if self.exc_info and self.exc_info[0] is not None:
            rendered = "".join(traceback.format_exception(*self.exc_info)).rstrip("\n")
            self.exc_text = scrub(rendered)

    def getMessage(self) -> str:  # noqa: N802 - the logging API's name
        """Return the scrubbed message."""
        return scrub(super().getMessage())


def install(key: str | None = None) -> None:
    """Make every log record of this process a :class:`ScrubbedLogRecord` (idempotent).

    ``key`` is the installation's ``log_key`` for :func:`conversation_hash`
    (:func:`set_key`); ``None`` keeps the key set before.
    """
    if key is not None:
        set_key(key)
    if logging.getLogRecordFactory() is not ScrubbedLogRecord:
        logging.setLogRecordFactory(ScrubbedLogRecord)
    access = logging.getLogger("sanic.access")
    if not any(isinstance(f, ConversationTextFilter) for f in access.filters):
        access.addFilter(ConversationTextFilter(install_factory=False))


class ConversationTextFilter(logging.Filter):
    """Scrub what a record carries besides its message; installs the record factory."""

    def __init__(self, name: str = "", install_factory: bool = True) -> None:
        """Create the filter; unless told otherwise, call :func:`install`."""
        super().__init__(name)
        if install_factory:
            install()

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record in place and let it through."""
        for attribute in _RECORD_ATTRIBUTES:
            value = record.__dict__.get(attribute)
            if isinstance(value, str):
                record.__dict__[attribute] = scrub(value)
        if not isinstance(record, ScrubbedLogRecord):
            record.msg, record.args = scrub(record.getMessage()), None
        return True


def configure(level: str = "INFO", key: str | None = None) -> None:
    """Set up logging for one of the project's own processes: stderr, scrubbed.

    ``key`` is the installation's ``log_key`` (conversation ids are logged as its hash).
    """
    install(key)
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-8s %(name)s - %(message)s",
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ConversationTextFilter) for f in handler.filters):
            handler.addFilter(ConversationTextFilter(install_factory=False))
