"""A local stand-in for Telegram's Bot API, for tests at the channel's HTTP boundary.

An HTTP server on 127.0.0.1 that answers ``POST /bot<token>/<method>`` the way the
Bot API does (``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ...,
"description": ...}``) and records every call. It is strict where Telegram is:
HTML parse mode (only Telegram's tags, every ``<``, ``>`` and ``&`` escaped), the
4096-character limit after entity parsing, 64-byte callback data, whole-number chat
ids, an https webhook address and the secret token's alphabet. It records what the
teacher would see: the visible text and its bold and link entities.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456789:TEST-fake-bot-token_abcdefghijk"
PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
TAG = re.compile(r"<(/?)([a-zA-Z-]+)((?:\s[^<>]*)?)>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
HREF = re.compile(r'^\s+href="([^"]*)"\s*$')
SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def unparsable(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the visible text and entities of an HTML-formatted text, as Telegram does."""
    visible: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, Any]]] = []
    extra: dict[str, Any]
    position, offset = 0, 0
    while position < len(text):
        char = text[position]
        if char == "<":
            match = TAG.match(text, position)
            if not match or match.group(2).lower() not in TAGS:
                raise unparsable(f"Unsupported start tag at byte offset {position}")
            closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not stack or stack[-1][0] != name:
                    raise unparsable(f"Unmatched end tag at byte offset {position}")
                _, start, extra = stack.pop()
                if offset > start:
                    length = offset - start
                    entity = {"type": TAGS[name], "offset": start, "length": length}
                    entities.append({**entity, **extra})
            else:
                extra = {}
                if name == "a":
                    href = HREF.match(attributes or "")
                    if not href:
                        raise unparsable("Expected href")
                    extra["url"] = html.unescape(href.group(1))
                elif attributes.strip() and name != "span":
                    raise unparsable(f"Unsupported attribute in <{name}>")
                stack.append((name, offset, extra))
            position = match.end()
            continue
        if char == "&":
            match = ENTITY.match(text, position)
            if not match:
                raise unparsable(f"Character '&' is reserved at byte offset {position}")
            piece = html.unescape(match.group())
            position = match.end()
        elif char == ">":
            raise unparsable(f"Character '>' is reserved at byte offset {position}")
        else:
            piece = char
            position += 1
        visible.append(piece)
        offset += u16(piece)
    if stack:
        raise unparsable(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    return "".join(visible), entities


@dataclass
class Call:
    """One recorded Bot API call."""

    method: str
    params: dict[str, Any]
    token: str
    secret_header: str | None = None


@dataclass
class Sent:
    """A message as the teacher sees it."""

    chat_id: int
    text: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def styled(self, kind: str) -> list[str]:
        """The parts of the visible text with an entity of this type."""
        units = self.text.encode("utf-16-le")
        return [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in self.entities
            if e["type"] == kind
        ]

    def links(self) -> dict[str, str]:
        """Link text to address."""
        units = self.text.encode("utf-16-le")
        return {
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le"): e["url"]
            for e in self.entities
            if e["type"] == "text_link"
        }


@dataclass
class FakeTelegramApi:
    """The stand-in: start it, point ``TELEGRAM_API_BASE_URL`` at :attr:`base_url`."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    _failures: dict[str, list[ApiError]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _message_id: int = 0

    @property
    def base_url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        """Environment for a process that should talk to this stand-in."""
        return {"TELEGRAM_TOKEN": self.token, "TELEGRAM_API_BASE_URL": self.base_url}

    # -- control and inspection ---------------------------------------------------
    def fail_next(
        self, method: str, code: int, description: str, retry_after: int | None = None
    ) -> None:
        """Make the next call of ``method`` answer with this error."""
        with self._lock:
            self._failures.setdefault(method, []).append(ApiError(code, description, retry_after))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[Sent]:
        """Every accepted sendMessage, in order (optionally to one chat)."""
        found = []
        for call in self.calls_to("sendMessage"):
            if "_visible" not in call.params:
                continue  # rejected
            if chat_id is not None and call.params["chat_id"] != chat_id:
                continue
            found.append(
                Sent(
                    call.params["chat_id"],
                    call.params["_visible"],
                    call.params["_entities"],
                    call.params.get("reply_markup"),
                    call.params,
                )
            )
        return found

    def wait_for_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(chat_id)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.sent(chat_id)

    # -- the Bot API ----------------------------------------------------------------
    def answer(self, token: str, method: str, params: dict[str, Any]) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        with self._lock:
            queued = self._failures.get(method)
            if queued:
                raise queued.pop(0)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    def _getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Advieslijn",
            "username": "advieslijn_test_bot",
        }

    def _sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise ApiError(400, "Bad Request: chat not found")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = params.get("parse_mode")
        entities: list[dict[str, Any]] = []
        if mode is None:
            visible = text
        elif str(mode).lower() == "html":
            visible, entities = parse_html(text)
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if u16(visible) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed")
        params["_visible"], params["_entities"] = visible, entities
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "text": visible,
            "entities": entities,
        }

    def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query ID is invalid")
        return True

    def _setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not SECRET.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed or []}
        return True

    def _deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = {}
        return True

    def _getWebhookInfo(self, params: dict[str, Any]) -> Any:  # noqa: N802
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if info["url"]:
            info.update(
                max_connections=40,
                ip_address="127.0.0.1",
                allowed_updates=self.webhook.get("allowed_updates") or [],
            )
        return info

    # -- the server ----------------------------------------------------------------
    def start(self) -> FakeTelegramApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._handle()

            def do_GET(self) -> None:
                self._handle()

            def _handle(self) -> None:
                match = PATH.match(self.path.split("?", 1)[0])
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                params: dict[str, Any] = {}
                if raw:
                    if (self.headers.get("Content-Type") or "").startswith("application/json"):
                        params = json.loads(raw)
                    else:
                        params = dict(parse_qsl(raw.decode()))
                if not match:
                    not_found = {"ok": False, "error_code": 404, "description": "Not Found"}
                    return self._reply(404, not_found)
                token, method = match.group("token"), match.group("method")
                call = Call(method, params, token)
                with fake._lock:
                    fake.calls.append(call)
                try:
                    result = fake.answer(token, method, params)
                except ApiError as exc:
                    body: dict[str, Any] = {
                        "ok": False,
                        "error_code": exc.code,
                        "description": exc.description,
                    }
                    if exc.retry_after is not None:
                        body["parameters"] = {"retry_after": exc.retry_after}
                    return self._reply(exc.code, body)
                self._reply(200, {"ok": True, "result": result})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def running_telegram_api(token: str = TOKEN) -> Iterator[FakeTelegramApi]:
    """Start the stand-in and stop it afterwards."""
    fake = FakeTelegramApi(token=token).start()
    try:
        yield fake
    finally:
        fake.stop()


# -- real update payloads, as the Bot API documents them --------------------------------

_update_ids = iter(range(700_000_000, 800_000_000))


def _user(chat_id: int) -> dict[str, Any]:
    return {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Sanne",
        "username": "juf_sanne",
        "language_code": "nl",
    }


def _private(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "first_name": "Sanne", "username": "juf_sanne", "type": "private"}


def message_update(chat_id: int, text: str, **extra: Any) -> dict[str, Any]:
    """A text message in a private chat."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids) % 100000,
        "from": _user(chat_id),
        "chat": _private(chat_id),
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    message.update(extra)
    return {"update_id": next(_update_ids), "message": message}


def edited_message_update(chat_id: int, text: str) -> dict[str, Any]:
    update = message_update(chat_id, text)
    message = update.pop("message")
    message["edit_date"] = message["date"] + 5
    update["edited_message"] = message
    return update


def sticker_update(chat_id: int) -> dict[str, Any]:
    update = message_update(chat_id, "")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBAAEBQ2Zl",
        "file_unique_id": "AgADxQADVp29Cg",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
        "set_name": "HotCherry",
        "file_size": 23456,
    }
    return update


def photo_update(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    update = message_update(chat_id, "")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {
            "file_id": "AgACAgQAAxkBAAIBY2",
            "file_unique_id": "AQADBa0xG",
            "file_size": 1234,
            "width": 90,
            "height": 67,
        },
        {
            "file_id": "AgACAgQAAxkBAAIBY3",
            "file_unique_id": "AQADBa0xH",
            "file_size": 54321,
            "width": 800,
            "height": 600,
        },
    ]
    if caption is not None:
        update["message"]["caption"] = caption
    return update


def group_message_update(chat_id: int, user_id: int, text: str) -> dict[str, Any]:
    update = message_update(user_id, text)
    update["message"]["chat"] = {"id": chat_id, "title": "Team onderbouw", "type": "supergroup"}
    return update


def channel_post_update(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "channel_post": {
            "message_id": 7,
            "sender_chat": {"id": chat_id, "title": "Nieuws", "type": "channel"},
            "chat": {"id": chat_id, "title": "Nieuws", "type": "channel"},
            "date": int(time.time()),
            "text": text,
        },
    }


def callback_update(chat_id: int, data: str, sent: Sent | None = None) -> dict[str, Any]:
    """A press on an inline button of a message the bot sent (``sent``)."""
    message: dict[str, Any] = {
        "message_id": 42,
        "from": {
            "id": 123456789,
            "is_bot": True,
            "first_name": "Advieslijn",
            "username": "advieslijn_test_bot",
        },
        "chat": _private(chat_id),
        "date": int(time.time()),
        "text": sent.text if sent else "...",
    }
    if sent is not None and sent.reply_markup:
        message["reply_markup"] = sent.reply_markup
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids) * 1000 + 17),
            "from": _user(chat_id),
            "message": message,
            "chat_instance": "-4876581201936258340",
            "data": data,
        },
    }
