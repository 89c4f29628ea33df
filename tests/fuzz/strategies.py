"""What the fuzzer sends: hypothesis strategies for every public endpoint.

Each strategy mixes inputs a real client could send (so that the deep paths run: the
intake, a live handoff, the 112 message, deletion) with inputs no client would send:
wrong types, unknown fields, Rasa's intent syntax, control characters, over-long
text, malformed JSON, raw bytes and bodies over the size limit.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

# Phrases that reach the flows a fuzzer would not find by chance.
PHRASES = (
    "hallo",
    "wat zijn signalen van radicalisering?",
    "een leerling zegt dat democratie nep is, wat kan ik doen?",
    "ik wil een adviseur",
    "ik wil een adviseur spreken",
    "je helpt me echt helemaal niet",
    "een leerling heeft net een mes getrokken",
    "overslaan",
    "stop",
    "laat maar",
    "nee",
    "ja",
    "privacy",
    "verwijder dit gesprek",
    "/restart",
    "/stop",
    "/request_human",
    "/skip",
    "/affirm",
    '/inform{"help_mode":"chat"}',
    '/inform{"help_mode":"callback","contact":"0612345678"}',
    '/handoff{"urgency":"laag"}',
    "/session_start",
    "/action_listen",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}",
    "' OR 1=1 --",
    "%s%s%s%n",
    "\x00\x01\x1b[31m",
    "\u202egnp.exe",
    "\ud7ff\ufeff\u200b",
    "😀" * 40,
    "a" * 1001,
)


# Characters a client can hide around Rasa's "/" (issue 11, item 1): spaces of other
# scripts, line and paragraph separators, zero-width and bidi controls, a full-width
# solidus, and NFKC look-alikes.
INVISIBLE = (
    "\u00a0",
    "\u1680",
    "\u2000",
    "\u2007",
    "\u200a",
    "\u202f",
    "\u205f",
    "\u3000",
    "\u2028",
    "\u2029",
    "\x85",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u180e",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\uff0f",
    "\u2215",
)
COMMANDS = (
    *(phrase for phrase in PHRASES if phrase.startswith("/")),
    "/ask_travel",
    '/inform{"role":"Jan Jansen 0612345678"}',
    '/ask_signals{"role":"[PERSOON-1]","age_group":"Jan"}',
)


def hidden_commands() -> st.SearchStrategy[str]:
    """Rasa's intent syntax with invisible characters before, between and after the slashes."""
    invisible = st.text(alphabet=st.sampled_from((*INVISIBLE, "/", " ")), max_size=6)
    return st.tuples(invisible, st.sampled_from(COMMANDS), invisible).map(
        lambda parts: parts[0] + parts[1] + parts[2]
    )


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Draw from one of the strategies, each as often as its weight says."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(range(len(table))).flatmap(lambda index: table[index])


def texts(max_size: int = 300) -> st.SearchStrategy[str]:
    """User text: known phrases, random unicode, and both glued together."""
    phrase = st.sampled_from(PHRASES)
    return st.one_of(
        phrase,
        hidden_commands(),
        st.text(max_size=max_size),
        st.tuples(phrase, st.text(max_size=40)).map("".join),
        st.tuples(st.text(max_size=40), phrase).map("".join),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value (floats finite: NaN is tried as a raw body instead)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=12), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


@dataclass(frozen=True)
class HttpCase:
    """One HTTP request to a webhook."""

    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"HttpCase({self.content_type!r}, {self.headers!r}, {self.body[:300]!r})"


def _json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json", "text/plain", "", "application/x-www-form-urlencoded"]
)


def raw_bodies(limit: int) -> st.SearchStrategy[bytes]:
    """Bodies that are not JSON objects: bytes, bad JSON, NaN, deep nesting, too large."""
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"",
                b"{",
                b'{"sender": "x", "message": NaN}',
                b'{"sender": "x", "message": Infinity}',
                b"[" * 5000 + b"]" * 5000,
                b'{"a":' * 2000 + b"1" + b"}" * 2000,
                b'{"sender": "x", "message": "\\ud800"}',
                b"\xff\xfe{\x00}\x00",
                b"null",
                b'"just a string"',
            ]
        ),
        st.integers(min_value=limit + 1, max_value=limit * 3).map(
            lambda n: b'{"sender": "big", "message": "' + b"a" * n + b'"}'
        ),
    )


# --- REST webhook ----------------------------------------------------------------------


def rest_cases(*, senders: list[str], limit: int) -> st.SearchStrategy[HttpCase]:
    """Requests to ``POST /webhooks/rest/webhook``.

    ``senders`` are the fuzzer's own conversations, reused so that conversations go
    deep; ``limit`` is the body size limit of the server.
    """
    sender = weighted(
        (4, st.sampled_from(senders)),
        (
            1,
            st.one_of(
                st.from_regex(r"[\w.:@-]{1,128}", fullmatch=True),
                st.text(max_size=140),
                st.integers(min_value=1, max_value=10**12).map(lambda n: f"telegram-{n}"),
                st.builds(lambda: uuid.uuid4().hex),
                st.sampled_from(["", " ", "../../etc/passwd", "a" * 129, "null"]),
            ),
        ),
    )
    message = weighted(
        (5, st.fixed_dictionaries({"sender": sender, "message": texts()})),
        (
            2,
            st.fixed_dictionaries(
                {"sender": st.sampled_from(senders), "message": texts()},
                optional={
                    "metadata": json_values(),
                    "input_channel": st.sampled_from(["telegram", "socketio", "rest", "cmdline"]),
                    "parse_data": json_values(),
                },
            ),
        ),
        (
            1,
            st.dictionaries(
                st.sampled_from(["sender", "message", "metadata", "input_channel"]) | st.text(),
                json_values(),
                max_size=5,
            ),
        ),
        (1, json_values()),
    )
    return weighted(
        (6, st.builds(HttpCase, message.map(_json_body))),
        (1, st.builds(HttpCase, message.map(_json_body), CONTENT_TYPES)),
        (1, st.builds(HttpCase, raw_bodies(limit), CONTENT_TYPES)),
    )


# --- Telegram webhook ------------------------------------------------------------------


_update_ids = itertools.count(int(time.time() * 1000) % 2**40)


def _user(user_id: Any) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Sanne", "language_code": "nl"}


@st.composite
def telegram_updates(draw: st.DrawFn, chats: list[int]) -> dict[str, Any]:
    """An update shaped like the Bot API's, with any part of it possibly wrong."""
    chat_id = draw(st.one_of(st.sampled_from(chats), st.integers(-(10**13), 10**13)))
    text = draw(texts())
    message: dict[str, Any] = {
        "message_id": draw(st.integers(0, 2**31)),
        "from": _user(chat_id),
        "chat": {"id": chat_id, "type": "private", "first_name": "Sanne"},
        "date": draw(st.integers(0, 2**32)),
    }
    kind = draw(
        st.sampled_from(
            [
                "message",
                "message",
                "command",
                "edited_message",
                "callback_query",
                "sticker",
                "photo",
                "group",
                "channel_post",
                "my_chat_member",
                "unknown",
            ]
        )
    )
    # Mostly fresh ids (Telegram's are increasing; a repeated one is skipped as a
    # redelivery), sometimes any number.
    update_id = weighted((6, st.builds(lambda: next(_update_ids))), (1, st.integers(0, 2**40)))
    update: dict[str, Any] = {"update_id": draw(update_id)}
    if kind in ("message", "command", "edited_message", "group"):
        message["text"] = text if kind != "command" else "/start " + text
        if kind == "command":
            message["entities"] = [{"offset": 0, "length": 6, "type": "bot_command"}]
        if kind == "group":
            message["chat"] = {"id": -abs(chat_id) - 1, "type": "supergroup", "title": "Team"}
        update["edited_message" if kind == "edited_message" else "message"] = message
    elif kind == "callback_query":
        message["text"] = "..."
        message["reply_markup"] = {
            "inline_keyboard": [[{"text": draw(st.text(max_size=20)), "callback_data": "b0"}]]
        }
        update["callback_query"] = {
            "id": draw(st.text(max_size=20)),
            "from": _user(chat_id),
            "message": message,
            "chat_instance": "-1",
            "data": draw(st.one_of(texts(), st.sampled_from(["b0", "b1", "b99", ""]))),
        }
    elif kind == "sticker":
        message["sticker"] = {"file_id": "x", "file_unique_id": "y", "type": "regular"}
        update["message"] = message
    elif kind == "photo":
        message["photo"] = [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]
        if draw(st.booleans()):
            message["caption"] = text
        update["message"] = message
    elif kind == "channel_post":
        message["chat"] = {"id": chat_id, "type": "channel", "title": "Nieuws"}
        message["text"] = text
        update["channel_post"] = message
    elif kind == "my_chat_member":
        update["my_chat_member"] = {"chat": message["chat"], "from": message["from"]}
    else:
        update[draw(st.text(max_size=15))] = draw(json_values())
    # Break one part of it: a field of the wrong type, missing, or an extra one.
    breakage = draw(st.sampled_from(["none", "none", "none", "replace", "drop", "extra"]))
    inner = next((v for v in update.values() if isinstance(v, dict)), update)
    keys = sorted(inner)
    if breakage == "replace" and keys:
        inner[draw(st.sampled_from(keys))] = draw(json_values())
    elif breakage == "drop" and keys:
        del inner[draw(st.sampled_from(keys))]
    elif breakage == "extra":
        inner[draw(st.text(max_size=12))] = draw(json_values())
    return update


def telegram_cases(*, secret: str, chats: list[int], limit: int) -> st.SearchStrategy[HttpCase]:
    """Requests to ``POST /webhooks/telegram/webhook`` (mostly with the right secret)."""
    header = "X-Telegram-Bot-Api-Secret-Token"
    secrets = weighted(
        (8, st.just({header: secret})),
        (1, st.just({})),
        (
            1,
            st.builds(
                lambda s: {header: s}, st.from_regex(r"[A-Za-z0-9_-]{0,300}", fullmatch=True)
            ),
        ),
        (1, st.just({header: secret + "x"})),
    )
    body = weighted(
        (6, telegram_updates(chats).map(_json_body)),
        (1, json_values().map(_json_body)),
        (1, raw_bodies(limit)),
    )
    return st.builds(lambda b, h, c: HttpCase(b, c, h), body, secrets, CONTENT_TYPES)


# --- socket.io -------------------------------------------------------------------------


@dataclass(frozen=True)
class SocketCase:
    """One socket.io event from a connected client, or one raw engine.io packet."""

    event: str = ""
    data: Any = None
    raw: bytes | None = None


EVENTS = ("user_uttered", "session_request", "history_request")


def socket_cases(*, sessions: list[str]) -> st.SearchStrategy[SocketCase]:
    """Events a widget client could emit, and raw packets on the polling transport."""
    session_id = st.one_of(
        st.sampled_from(sessions),
        st.builds(lambda: uuid.uuid4().hex),
        st.text(max_size=40),
        json_values(),
    )
    message = st.one_of(
        st.fixed_dictionaries({"message": texts(), "session_id": st.sampled_from(sessions)}),
        st.fixed_dictionaries(
            {"message": texts()},
            optional={
                "session_id": session_id,
                "metadata": json_values(),
                "customData": json_values(),
            },
        ),
        json_values(),
        st.binary(max_size=100),
    )
    session = st.one_of(
        st.fixed_dictionaries({"session_id": session_id}),
        json_values(),
    )
    packets = st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [b"4", b"40", b"42", b"42[", b'42["user_uttered"', b"41", b"2", b"6", b"1", b"x" * 9000]
        ),
        st.builds(lambda v: b"42" + _json_body(v), json_values()),
    )
    return st.one_of(
        st.builds(SocketCase, st.just("user_uttered"), message),
        st.builds(SocketCase, st.just("user_uttered"), message),
        st.builds(SocketCase, st.just("session_request"), session),
        st.builds(SocketCase, st.just("history_request"), json_values()),
        st.builds(SocketCase, st.text(min_size=1, max_size=30), json_values()),
        st.builds(SocketCase, raw=packets),
    )


# --- console login ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginCase:
    """One request to the console's login page."""

    method: str
    form: dict[str, str]
    csrf: str  # "valid", "missing" or "forged"
    raw: bytes | None = None


def login_cases(*, usernames: list[str], passwords: list[str]) -> st.SearchStrategy[LoginCase]:
    """Logins: right and wrong passwords, forged tokens, hostile ``next`` targets."""
    text = st.one_of(texts(100), st.text(max_size=300))
    next_path = st.one_of(
        st.sampled_from(
            [
                "",
                "/",
                "/cases",
                "//evil.example",
                "https://evil.example/",
                "/\\evil.example",
                "javascript:alert(1)",
                "\\\\evil.example",
                "/%2F%2Fevil.example",
                "http:evil.example",
                " //evil.example",
            ]
        ),
        text,
    )
    form = st.fixed_dictionaries(
        {
            "username": st.one_of(st.sampled_from(usernames), text),
            "password": st.one_of(st.sampled_from(passwords), text, st.just("p" * 5000)),
        },
        optional={"next": next_path, "remember": text, "csrf_token": text},
    )
    odd_form = st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=5)
    csrf = st.sampled_from(["valid", "valid", "valid", "missing", "forged"])
    return st.one_of(
        st.builds(LoginCase, st.just("POST"), form, csrf),
        st.builds(LoginCase, st.just("POST"), odd_form, csrf),
        st.builds(LoginCase, st.just("GET"), st.fixed_dictionaries({"next": next_path}), csrf),
        st.builds(
            LoginCase, st.just("POST"), st.just({}), csrf, st.binary(max_size=300) | st.just(b"%")
        ),
    )
