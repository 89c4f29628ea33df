"""The widget's wire format and history (bot.channels.widget) and the demo site (bot.web)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.catalogue import KINDS
from bot.channels.widget import button_title, history, session_id, valid_session_id, wire_events
from bot.settings import load_settings
from bot.web import FILES, Site, WebSetupError, config_block, security_headers

ROOT = Path(__file__).resolve().parents[2]
BUTTONS = [
    {"title": "Ja, graag", "payload": "/request_human"},
    {"title": "Nee", "payload": "/deny"},
]


QUICK_REPLIES = [{"content_type": "text", **button} for button in BUTTONS]


def test_text_and_buttons_go_out_as_rasas_socketio_output_shapes_them() -> None:
    message = {
        "text": "Eerste alinea.\n\nTweede alinea.",
        "buttons": BUTTONS,
        "custom": None,
        "elements": None,
        "quick_replies": None,
        "image": None,
        "attachment": None,
    }
    # rasa.core.channels.socketio.SocketIOOutput.send_text_with_buttons
    assert wire_events(message) == [
        {"text": "Eerste alinea.", "quick_replies": []},
        {"text": "Tweede alinea.", "quick_replies": QUICK_REPLIES},
    ]
    assert wire_events({"text": "Een.\n\nTwee.\n\n"}) == [{"text": "Een."}, {"text": "Twee."}]
    assert wire_events({"image": "https://x.test/a.png"}) == [
        {"attachment": {"type": "image", "payload": {"src": "https://x.test/a.png"}}}
    ]


def test_a_custom_payload_is_its_own_event_first_with_the_count_of_its_parts() -> None:
    message = {
        "text": "Bel nu 112.\n\nBlijf rustig.",
        "custom": {"type": "urgent"},
    }
    assert wire_events(message) == [
        {"custom": {"type": "urgent"}, "parts": 2},
        {"text": "Bel nu 112."},
        {"text": "Blijf rustig."},
    ]
    assert wire_events({"custom": {"type": "handoff", "stage": "ended"}}) == [
        {"custom": {"type": "handoff", "stage": "ended"}, "parts": 0}
    ]


def test_quick_replies_are_taken_as_buttons_and_broken_ones_dropped() -> None:
    message = {"text": "?", "quick_replies": [*BUTTONS, {"title": "zonder payload"}, "rommel"]}
    assert wire_events(message) == [{"text": "?", "quick_replies": QUICK_REPLIES}]


def test_an_empty_message_is_not_sent() -> None:
    assert wire_events({"text": "  ", "buttons": [], "custom": {}}) == []


RANDOM = uuid.uuid4()


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (RANDOM.hex, RANDOM.hex),
        (str(RANDOM), str(RANDOM)),  # the dashed form Rasa's documentation shows
        (str(RANDOM).upper(), str(RANDOM)),  # in lower case
        (RANDOM.hex.upper(), RANDOM.hex),
        (uuid.uuid1().hex, None),  # not random
        (str(uuid.uuid1()), None),
        ("00000000-0000-4000-8000-000000000000", None),  # the form, but made up
        ("0" * 12 + "4" + "0" * 3 + "8" + "0" * 15, None),
        (RANDOM.hex[:8] + "-" + RANDOM.hex[8:], None),  # dashes in the wrong places
        ("{" + str(RANDOM) + "}", None),
        (RANDOM.hex + "0", None),
        ("0" * 32, None),
        ("", None),
        (None, None),
        (123, None),
    ],
)
def test_only_random_client_ids_are_accepted_in_their_usual_forms(
    value: Any, accepted: str | None
) -> None:
    assert session_id(value) == accepted
    assert valid_session_id(value) is (accepted is not None)


def bot(text: str, **data: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": None, **data}}


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}}}


EVENTS: list[dict[str, Any]] = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    user("hallo"),
    bot("Wil je een adviseur?", buttons=BUTTONS, custom={"type": "handoff", "stage": "offered"}),
    {"event": "slot", "name": "x", "value": 1},
    user("/deny"),
    bot("Prima.\n\nTot ziens."),
    bot("Hoi, ik ben Anna.", custom={"type": "adviser", "name": "Anna"}),
    user("/deny"),  # typed again after the turn: not a click any more
]


def test_history_holds_the_live_events_with_clicks_by_their_title() -> None:
    assert history(EVENTS) == [
        {"sender": "user", "text": "hallo"},
        {"sender": "bot", "custom": {"type": "handoff", "stage": "offered"}, "parts": 1},
        {"sender": "bot", "text": "Wil je een adviseur?", "quick_replies": QUICK_REPLIES},
        {"sender": "user", "text": "Nee"},
        {"sender": "bot", "text": "Prima."},
        {"sender": "bot", "text": "Tot ziens."},
        {"sender": "bot", "custom": {"type": "adviser", "name": "Anna"}, "parts": 1},
        {"sender": "bot", "text": "Hoi, ik ben Anna."},
        {"sender": "user", "text": "/deny"},
    ]


def test_history_keeps_only_the_newest_messages_and_never_half_a_message() -> None:
    events = [user(f"vraag {n}") for n in range(10)]
    assert [m["text"] for m in history(events, limit=3)] == ["vraag 7", "vraag 8", "vraag 9"]
    kept = history(EVENTS, limit=3)
    assert kept[0] == {"sender": "bot", "text": "Prima."}
    assert len(kept) == 5


def newest_first(events: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    return list(reversed(events))


def test_button_title_is_found_only_in_the_latest_bot_turn() -> None:
    offered = EVENTS[:5]
    assert button_title(newest_first(offered), "/deny") == "Nee"
    assert button_title(newest_first(offered), "/restart") is None
    assert button_title(newest_first(EVENTS[:7]), "/deny") is None


# --- the demo site ----------------------------------------------------------------------


def call(site: Site, path: str, method: str = "GET") -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(site({"REQUEST_METHOD": method, "PATH_INFO": path}, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture(scope="module")
def site() -> Site:
    if not (ROOT / "web" / "node_modules" / "deep-chat").is_dir():
        pytest.fail("web/node_modules is missing: run 'make web' (npm ci)")
    return Site(load_settings(environ={"PUBLIC_RASA_URL": "https://chat.example.nl"}))


def test_the_page_embeds_the_widget_with_one_script_and_a_json_block(site: Site) -> None:
    status, headers, body = call(site, "/")
    page = body.decode()
    assert status == "200 OK" and headers["Content-Type"].startswith("text/html")
    assert page.count("<script") == 2
    assert '<script src="/widget/advieslijn-widget.js"' in page
    start = page.index('<script type="application/json" id="advieslijn-config">')
    block = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    config = json.loads(block)
    assert config["socketUrl"] == "https://chat.example.nl"
    assert config["maxMessageChars"] == 1000


def test_every_answer_carries_the_security_headers(site: Site) -> None:
    for path in ["/", "/widget/advieslijn-widget.js", "/nope", "/health"]:
        _, headers, _ = call(site, path)
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-eval" not in policy
        assert "connect-src 'self' https://chat.example.nl wss://chat.example.nl" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_only_listed_files_are_served_and_only_read(site: Site) -> None:
    for path in FILES:
        status, headers, body = call(site, path)
        assert status == "200 OK" and body
        assert headers.get("Access-Control-Allow-Origin") == (
            "*" if path.startswith("/widget/") else None
        )
    for path in ["/web/site/index.html", "/../bot/settings.py", "/widget/", "/site/site.css"]:
        assert call(site, path)[0] == "404 Not Found"
    status, headers, _ = call(site, "/", method="POST")
    assert status == "405 Method Not Allowed" and headers["Allow"] == "GET, HEAD"
    assert call(site, "/", method="HEAD")[2] == b""


def test_the_configuration_block_cannot_end_the_script_early() -> None:
    settings = load_settings(environ={"PUBLIC_RASA_URL": "https://x.nl/</script><script>"})
    block = config_block(settings)
    assert block.count("</script>") == 1 and "<script>" not in block[10:]


def test_a_bad_public_rasa_url_is_a_clear_error() -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="public_rasa_url"):
        security_headers(load_settings(environ={"PUBLIC_RASA_URL": "javascript:alert(1)"}))


def test_a_missing_npm_install_is_named(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    with pytest.raises(WebSetupError, match="npm ci"):
        Site(load_settings(environ={}), web_dir=tmp_path)


def test_labels_name_every_catalogue_kind_in_dutch() -> None:
    labels = json.loads((ROOT / "web" / "widget" / "labels.nl.json").read_text(encoding="utf-8"))
    assert set(labels["kinds"]) == set(KINDS)
    assert "{count}" in labels["counter"] and "{max}" in labels["counter"]
    assert "computerprogramma" in labels["privacy"] and "naam van de jongere" in labels["privacy"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "https://www.example.nl, http://localhost:8080/",
            ("https://www.example.nl", "http://localhost:8080"),
        ),
    ],
)
def test_widget_origins_come_from_the_environment(value: str, expected: tuple[str, ...]) -> None:
    assert load_settings(environ={"WIDGET_ORIGINS": value}).server.widget_origins == expected


def test_widget_origins_default_to_the_demo_site() -> None:
    origins = load_settings(environ={"WEB_PORT": "8181"}).server.widget_origins
    assert "http://127.0.0.1:8181" in origins and "http://localhost:8181" in origins


def test_a_malformed_widget_origin_is_refused() -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="widget origin"):
        load_settings(environ={"WIDGET_ORIGINS": "*"})


def test_a_rest_client_cannot_name_a_widget_conversation_in_either_form() -> None:
    from components.channels.rest import belongs_to_another_channel

    assert belongs_to_another_channel(RANDOM.hex)
    assert belongs_to_another_channel(str(RANDOM))
    assert not belongs_to_another_channel("eval-" + RANDOM.hex[:8])
