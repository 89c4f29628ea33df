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
action, intent and policy names, numbers, ids) and masks every other quoted
string, every value of a structured (JSON) record except those of known safe
keys, the text and values inside Rasa's event reprs, URL query strings and the
credentials after ``Bearer`` or ``Basic``.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

MASK = "…"
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
        "sender_id",
        "conversation_id",
        "model_id",
        "assistant_id",
        "timestamp",
        "status",
        "duration",
        "num_events",
        "slot_name",
    }
)
# Quoted strings that are identifiers: action and intent names, module paths, ids.
_IDENTIFIER = re.compile(
    r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+|[0-9a-f]{8,64}|\d+"
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


def _quoted(match: re.Match[str]) -> str:
    body = match.group("body")
    if _IDENTIFIER.fullmatch(body):
        return match.group(0)
    return f"{match.group('q')}{MASK}{match.group('q')}"


def _console_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if match.group("key") in SAFE_KEYS or _IDENTIFIER.fullmatch(value):
        return match.group(0)
    return f"{match.group(1)}{MASK}{match.group(4)}"


def _structured(value: Any, key: str | None = None) -> Any:
    if key in SAFE_KEYS and (value is None or isinstance(value, (str, int, float, bool))):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
        return value
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


def install() -> None:
    """Make every log record of this process a :class:`ScrubbedLogRecord` (idempotent)."""
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


def configure(level: str = "INFO") -> None:
    """Set up logging for one of the project's own processes: stderr, scrubbed."""
    install()
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-8s %(name)s - %(message)s",
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ConversationTextFilter) for f in handler.filters):
            handler.addFilter(ConversationTextFilter(install_factory=False))
