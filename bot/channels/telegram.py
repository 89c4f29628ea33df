"""Telegram for teachers: the engine-neutral half of the channel.

* :func:`parse_update` turns a Bot API ``Update`` (JSON) into a small typed
  :class:`TelegramUpdate`, and :func:`decide` says what the channel does with it.
* :func:`render_message` turns one bot message of the message contract into
  ``sendMessage`` calls: all text HTML-escaped (Telegram's HTML parse mode), resource
  links as anchors (the resource list is already in the text: it is linked, not
  repeated), urgent messages in bold, adviser messages under the adviser's name,
  buttons as an inline keyboard, long text split within Telegram's limit.
* :class:`BotApi` calls the Bot API with aiohttp from inside the running event loop.

Nothing here imports the conversation engine; ``components/channels/telegram.py``
joins it to Rasa.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import aiohttp

from bot.logsafe import conversation_hash
from bot.settings import TelegramSettings

logger = logging.getLogger(__name__)

# Telegram's limit on the text of one message (after entity parsing), in UTF-16 units.
MAX_TEXT_LENGTH = 4096
# Telegram's limit on a button's callback data, in bytes.
MAX_CALLBACK_DATA_BYTES = 64
# The header Telegram sends with every update when the webhook has a secret token.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The update types the webhook asks for (setWebhook allowed_updates).
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
# What /start and /help become: the greeting intent, so they are handled and logged
# like a typed greeting.
GREETING_INTENT = "/greet"
# Domain responses the channel sends itself.
TEXT_ONLY_RESPONSE = "utter_telegram_text_only"
PRIVATE_ONLY_RESPONSE = "utter_telegram_private_only"
EDITED_RESPONSE = "utter_telegram_edited"
ADVISER_LABEL_RESPONSE = "utter_telegram_adviser_label"

_COMMAND = re.compile(r"^/(start|help)(@\w+)?(\s.*)?$", re.DOTALL | re.IGNORECASE)
_BOT_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram conversations are named "telegram-<chat id>": no other channel can choose
# such a name (the REST channel refuses it), so nobody can write into a teacher's chat.
CONVERSATION_PREFIX = "telegram-"
_CHAT_ID = re.compile(r"^telegram-(-?\d{1,20})$")
_HASHED = "#"
_MAX_NAME_CHARS = 64


class UpdateError(ValueError):
    """The body is not a Telegram update (the webhook answers 400)."""


class UpdateKind(str, Enum):
    """What an update is, as far as the advice line cares."""

    TEXT = "text"  # a text message in a private chat
    BUTTON = "button"  # a press on an inline keyboard button
    EDITED = "edited"  # an edited message in a private chat
    NOT_TEXT = "not_text"  # a sticker, photo, voice message, ... in a private chat
    GROUP = "group"  # any message in a group or supergroup
    CHANNEL = "channel"  # a channel post
    OTHER = "other"  # any other update type


@dataclass(frozen=True)
class Button:
    """A button of an inline keyboard: its label and its callback data."""

    title: str
    data: str


@dataclass(frozen=True)
class TelegramUpdate:
    """The parts of a Telegram update the channel uses; nothing about the person."""

    update_id: int
    kind: UpdateKind
    chat_id: int | None = None
    text: str | None = None  # message text, or a button's callback data
    callback_query_id: str | None = None
    keyboard: tuple[Button, ...] = ()  # buttons of the message a press came from

    @property
    def sender_id(self) -> str | None:
        """The conversation id: ``telegram-`` and the chat id."""
        return None if self.chat_id is None else f"{CONVERSATION_PREFIX}{self.chat_id}"

    def button_title(self, data: str) -> str | None:
        """Return the label of the pressed button, when the message still shows it."""
        return next((b.title for b in self.keyboard if b.data == data), None)


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _chat(message: Mapping[str, Any] | None) -> tuple[int | None, str | None]:
    chat = _mapping(message.get("chat")) if message else None
    if chat is None:
        return None, None
    chat_id, chat_type = chat.get("id"), chat.get("type")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise UpdateError("'chat.id' must be a whole number")
    return chat_id, chat_type if isinstance(chat_type, str) else None


def _keyboard(message: Mapping[str, Any] | None) -> tuple[Button, ...]:
    markup = _mapping(message.get("reply_markup")) if message else None
    rows = markup.get("inline_keyboard") if markup else None
    if not isinstance(rows, list):
        return ()
    found = []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            button = _mapping(button) or {}
            title, data = button.get("text"), button.get("callback_data")
            if isinstance(title, str) and isinstance(data, str):
                found.append(Button(title, data))
    return tuple(found)


def parse_update(body: Any) -> TelegramUpdate:
    """Read a Bot API ``Update`` object.

    Raises:
        UpdateError: when the body is not an object with a whole-number ``update_id``,
            or a field the channel relies on has the wrong type.

    """
    if not isinstance(body, Mapping):
        raise UpdateError("an update must be a JSON object")
    update_id = body.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise UpdateError("'update_id' must be a whole number")
    for kind, key in ((UpdateKind.TEXT, "message"), (UpdateKind.EDITED, "edited_message")):
        message = _mapping(body.get(key))
        if key in body and message is None:
            raise UpdateError(f"'{key}' must be an object")
        if message is None:
            continue
        chat_id, chat_type = _chat(message)
        text = message.get("text")
        if chat_type in {"group", "supergroup"}:
            return TelegramUpdate(update_id, UpdateKind.GROUP, chat_id)
        if chat_type != "private" or chat_id is None:
            return TelegramUpdate(update_id, UpdateKind.OTHER, chat_id)
        if kind is UpdateKind.TEXT and not isinstance(text, str):
            kind = UpdateKind.NOT_TEXT
            # A photo's or video's caption is not read as a question, but it is still
            # checked for acute danger (see the channel).
            text = message.get("caption")
        return TelegramUpdate(update_id, kind, chat_id, text if isinstance(text, str) else None)
    query = _mapping(body.get("callback_query"))
    if "callback_query" in body and query is None:
        raise UpdateError("'callback_query' must be an object")
    if query is not None:
        query_id, data = query.get("id"), query.get("data")
        if not isinstance(query_id, str):
            raise UpdateError("'callback_query.id' must be a text")
        message = _mapping(query.get("message"))
        chat_id, chat_type = _chat(message)
        if chat_type != "private" or not isinstance(data, str):
            return TelegramUpdate(update_id, UpdateKind.OTHER, None, callback_query_id=query_id)
        return TelegramUpdate(
            update_id, UpdateKind.BUTTON, chat_id, data, query_id, _keyboard(message)
        )
    if "channel_post" in body or "edited_channel_post" in body:
        return TelegramUpdate(update_id, UpdateKind.CHANNEL)
    return TelegramUpdate(update_id, UpdateKind.OTHER)


class Step(str, Enum):
    """What the channel does with an update."""

    MESSAGE = "message"  # screen the text, then pass it to the engine
    GREETING = "greeting"  # /start or /help: pass the greeting intent to the engine
    BUTTON = "button"  # check the payload was offered, then pass it to the engine
    NOTICE = "notice"  # answer with a domain response; nothing is stored
    IGNORE = "ignore"  # acknowledge and do nothing


@dataclass(frozen=True)
class Handling:
    """The decision for one update."""

    step: Step
    text: str | None = None
    response: str | None = None


def decide(update: TelegramUpdate) -> Handling:
    """Decide what to do with an update.

    Text in a private chat goes to the engine (``/start`` and ``/help`` as the
    greeting); a button press goes to the engine as its payload. A sticker, photo or
    other non-text message gets a short notice that the bot reads text only (and
    nothing of it is stored); an edited message gets a notice that edits are not
    read; a message in a group gets a notice that the bot works in a private chat
    only. Channel posts and other update types are ignored.
    """
    if update.kind is UpdateKind.TEXT and update.text is not None:
        if _COMMAND.match(update.text.strip()):
            return Handling(Step.GREETING, GREETING_INTENT)
        return Handling(Step.MESSAGE, update.text)
    if update.kind is UpdateKind.BUTTON and update.text is not None:
        return Handling(Step.BUTTON, update.text)
    notices = {
        UpdateKind.NOT_TEXT: TEXT_ONLY_RESPONSE,
        UpdateKind.EDITED: EDITED_RESPONSE,
        UpdateKind.GROUP: PRIVATE_ONLY_RESPONSE,
    }
    if update.kind in notices and update.chat_id is not None:
        # The text of an edit or a caption goes along: it is checked for acute danger.
        return Handling(Step.NOTICE, text=update.text, response=notices[update.kind])
    return Handling(Step.IGNORE)


def secret_matches(given: str | None, expected: str) -> bool:
    """Compare the secret header with the configured secret in constant time."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def configuration_problem(token: str | None, secret: str | None) -> str | None:
    """Say why the channel cannot run with these secrets, or ``None`` when it can."""
    if not token:
        return "TELEGRAM_TOKEN is not set"
    if not _BOT_TOKEN.match(token):
        return "TELEGRAM_TOKEN does not look like a bot token from BotFather (digits:letters)"
    if not secret:
        return "TELEGRAM_SECRET_TOKEN is not set"
    if not _SECRET_TOKEN.match(secret):
        return "TELEGRAM_SECRET_TOKEN may only hold 1-256 letters, digits, _ and -"
    return None


def chat_id_of(recipient_id: str) -> int | None:
    """Return the Telegram chat id of a conversation id, or ``None`` if it is not one."""
    match = _CHAT_ID.match(str(recipient_id).strip())
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- splitting


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_LEVELS = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraphs
    re.compile(r"\n\s*"),  # lines
    re.compile(r"(?<=[.!?…:;])\s+"),  # sentences
    re.compile(r"\s+"),  # words
)


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = text_length(char)
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    chunks.append("".join(current))
    return chunks


def _split(text: str, limit: int, level: int) -> list[str]:
    if text_length(text) <= limit:
        return [text]
    if level == len(_LEVELS):
        return _hard_cut(text, limit)
    pieces, separators, start = [], [""], 0
    for match in _LEVELS[level].finditer(text):
        pieces.append(text[start : match.start()])
        separators.append(match.group())
        start = match.end()
    pieces.append(text[start:])
    chunks: list[str] = []
    current = ""
    for piece, separator in zip(pieces, separators, strict=True):
        if text_length(piece) > limit:
            if current:
                chunks.append(current)
            current = ""
            chunks.extend(_split(piece, limit, level + 1))
        elif not current:
            current = piece
        elif text_length(current + separator + piece) <= limit:
            current = current + separator + piece
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Split text into parts of at most ``limit`` UTF-16 units.

    Splits between paragraphs where it can, else between lines, sentences or
    words; only a single word longer than the limit is cut. Empty text gives no parts.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    parts = (part.strip() for part in _split(text.strip(), limit, 0))
    return [part for part in parts if part]


# ---------------------------------------------------------------- rendering


def callback_data_for(payload: str) -> str:
    """Return the callback data of a button: its payload, or a hash if that is too long."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
        return payload
    return _HASHED + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]


def resolve_callback(data: str, offered: Collection[str]) -> str:
    """Return the payload a button press stands for (undoing :func:`callback_data_for`)."""
    if data.startswith(_HASHED):
        for payload in offered:
            if callback_data_for(payload) == data:
                return payload
    return data


@dataclass(frozen=True)
class OutgoingMessage:
    """One ``sendMessage`` call, without the chat id."""

    html: str
    plain: str  # the same text without markup, for a retry when Telegram rejects the HTML
    keyboard: tuple[tuple[Mapping[str, str], ...], ...] = ()

    def params(self, chat_id: int, *, markup: bool = True) -> dict[str, Any]:
        """Return the parameters of ``sendMessage`` for one chat."""
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": self.html if markup else self.plain,
            "link_preview_options": {"is_disabled": True},
        }
        if markup:
            params["parse_mode"] = "HTML"
        if self.keyboard:
            params["reply_markup"] = {
                "inline_keyboard": [[dict(button) for button in row] for row in self.keyboard]
            }
        return params


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _is_web_url(url: Any) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://")) and " " not in url


def _keyboard_rows(buttons: Any) -> tuple[tuple[Mapping[str, str], ...], ...]:
    rows = []
    for button in buttons if isinstance(buttons, list) else []:
        button = _mapping(button) or {}
        title, payload, url = button.get("title"), button.get("payload"), button.get("url")
        if not isinstance(title, str) or not title.strip():
            continue
        if isinstance(payload, str) and payload.strip():
            rows.append(({"text": title, "callback_data": callback_data_for(payload.strip())},))
        elif _is_web_url(url):
            rows.append(({"text": title, "url": str(url)},))
    return tuple(rows)


def _custom(message: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(message.get("custom")) or {}


def adviser_name(message: Mapping[str, Any]) -> str | None:
    """Return the adviser's display name of an adviser message, else ``None``."""
    custom = _custom(message)
    name = custom.get("name")
    if custom.get("type") != "adviser" or not isinstance(name, str) or not name.strip():
        return None
    return " ".join(name.split())[:_MAX_NAME_CHARS]


def _resource_items(message: Mapping[str, Any]) -> list[tuple[str, str]]:
    custom = _custom(message)
    if custom.get("type") != "resources" or not isinstance(custom.get("items"), list):
        return []
    items = []
    for item in custom["items"]:
        item = _mapping(item) or {}
        title, url = item.get("title"), item.get("url")
        if isinstance(title, str) and title.strip() and _is_web_url(url):
            items.append((title.strip(), str(url)))
    return items


def _link(title: str, url: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{_escape(title)}</a>'


def render_message(
    message: Mapping[str, Any], *, adviser_label: str | None = None
) -> list[OutgoingMessage]:
    """Turn one bot message (text, buttons, custom payload) into ``sendMessage`` calls.

    Args:
        message: the message as Rasa hands it to an output channel.
        adviser_label: the heading of an adviser message (a domain response that
            names the adviser); the adviser's name itself when not given.

    Returns:
        The messages to send, in order; the keyboard is on the last one. Empty when
        there is nothing to show (a custom payload without text, say).

    """
    raw_text = message.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    items = _resource_items(message)
    # Resources the text does not list yet are added; those it lists get linked.
    missing = [(title, url) for title, url in items if url not in text]
    if missing:
        lines = "\n".join(f"- {title}: {url}" for title, url in missing)
        text = f"{text.rstrip()}\n\n{lines}" if text.strip() else lines
    image = message.get("image")
    if _is_web_url(image) and str(image) not in text:
        text = f"{text.rstrip()}\n\n{image}" if text.strip() else str(image)
    keyboard = _keyboard_rows(message.get("buttons") or message.get("quick_replies"))
    urgent = _custom(message).get("type") == "urgent"
    name = adviser_name(message)
    heading = (adviser_label or name or "").strip() if name else ""
    reserve = text_length(heading) + 1 if heading else 0
    parts = split_text(text, MAX_TEXT_LENGTH - reserve)
    if not parts and heading:
        parts = [""]
    if not parts:
        if keyboard:
            logger.warning("a message with buttons but without text cannot be shown in Telegram")
        return []
    rendered = []
    for index, part in enumerate(parts):
        body = _escape(part)
        for title, url in items:
            body = body.replace(_escape(f"{title}: {url}"), _link(title, url))
        if urgent:
            body = f"<b>{body}</b>"
        plain = part
        if heading and index == 0:
            body = f"<b>{_escape(heading)}</b>\n{body}".rstrip()
            plain = f"{heading}\n{part}".rstrip()
        last = index == len(parts) - 1
        rendered.append(OutgoingMessage(body, plain, keyboard if last else ()))
    return rendered


# ---------------------------------------------------------------- small state


class RecentIds:
    """Remembers the latest update ids, so an update Telegram delivers twice runs once."""

    def __init__(self, size: int = 2000) -> None:
        self._size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def seen(self, update_id: int) -> bool:
        """Record an id; ``True`` when it was recorded before."""
        if update_id in self._ids:
            return True
        self._ids[update_id] = None
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return False


@dataclass
class NoticeThrottle:
    """Lets the same notice go to the same chat at most once per period."""

    size: int = 10000
    _until: dict[str, float] = field(default_factory=dict)

    def allow(self, key: str, seconds: float, now: float | None = None) -> bool:
        """Say whether the notice ``key`` may be sent now; if so, its period starts."""
        now = time.monotonic() if now is None else now
        if self._until.get(key, 0.0) > now:
            return False
        if len(self._until) >= self.size:
            self._until = {k: v for k, v in self._until.items() if v > now}
        self._until[key] = now + seconds
        return True


# ---------------------------------------------------------------- Bot API client


class TelegramApiError(Exception):
    """A Bot API call failed: Telegram said no, or it could not be reached."""

    def __init__(
        self,
        method: str,
        description: str,
        error_code: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(
            f"{method}: {description}" + (f" (error {error_code})" if error_code else "")
        )
        self.method = method
        self.description = description
        self.error_code = error_code
        self.retry_after = retry_after


class BotApi:
    """Calls Bot API methods over HTTPS with aiohttp; one session per event loop user.

    The token is part of every method URL, so URLs are never logged.
    """

    def __init__(self, settings: TelegramSettings, token: str, timeout: float = 10.0) -> None:
        self._settings = settings
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call one method and return its ``result``.

        Raises:
            TelegramApiError: when Telegram answers ``ok: false``, answers something
                that is not the Bot API's JSON, or cannot be reached in time.

        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        url = self._settings.method_url(self._token, method)
        try:
            async with self._session.post(url, json=dict(params or {})) as answer:
                status = answer.status
                try:
                    body = await answer.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TelegramApiError(method, f"cannot reach the Bot API ({exc!r})") from exc
        if not isinstance(body, Mapping):
            raise TelegramApiError(method, f"unexpected answer with HTTP status {status}")
        if not body.get("ok"):
            parameters = _mapping(body.get("parameters")) or {}
            retry = parameters.get("retry_after")
            code = body.get("error_code")
            raise TelegramApiError(
                method,
                str(body.get("description") or "no description"),
                code if isinstance(code, int) else status,
                retry if isinstance(retry, int) else None,
            )
        return body.get("result")

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


async def send_messages(
    api: BotApi, chat_id: int, messages: Sequence[OutgoingMessage], max_wait: float = 5.0
) -> int:
    """Send messages in order; errors are logged, never raised. Returns how many went out.

    When Telegram asks to slow down (429) for a few seconds the message is sent once
    more after that wait; when it cannot parse the HTML the plain text is sent instead.
    """
    sent = 0
    for outgoing in messages:
        markup = True
        for attempt in range(2):
            try:
                await api.call("sendMessage", outgoing.params(chat_id, markup=markup))
                sent += 1
                break
            except TelegramApiError as exc:
                if attempt == 0 and exc.retry_after is not None and exc.retry_after <= max_wait:
                    await asyncio.sleep(exc.retry_after)
                    continue
                if attempt == 0 and exc.error_code == 400 and "parse entities" in exc.description:
                    logger.warning("Telegram could not parse a message; sending plain text")
                    markup = False
                    continue
                logger.error(
                    "Telegram message to conversation %s not delivered: %s",
                    conversation_hash(f"{CONVERSATION_PREFIX}{chat_id}"),
                    exc,
                )
                break
    return sent
