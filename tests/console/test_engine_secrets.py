"""The Rasa API token never reaches an adviser's page or the console's log (issue 11, item 3).

The console talks to a Rasa server that is down (a port where nothing listens):
claiming a live case, "Meld je opnieuw in de chat", a reply, handing back and
closing each fail and show an error; none of them may show the token, and no log
record may hold it. The console process installs the log scrubber.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from flask import Flask

import bot.console.__main__ as console_main
from bot.console.accounts import Passwords
from bot.console.app import create_app
from bot.db import Database
from bot.engine import JWT_ALGORITHM, auth_header
from bot.logsafe import ScrubbedLogRecord
from bot.settings import Settings
from tests.console.conftest import Accounts, Browser, Clock

TOKEN = "rasa-api-token-Qx7Zk2PmW9-long-enough-for-hs256"


@pytest.fixture
def token_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings, secrets=dataclasses.replace(settings.secrets, rasa_token=TOKEN)
    )


@pytest.fixture
def token_app(
    token_settings: Settings, database: Database, passwords: Passwords, clock: Clock
) -> Flask:
    # The engine is built from the settings, as in production.
    return create_app(token_settings, database=database, passwords=passwords, clock=clock)


def post(browser: Browser, path: str, data: dict[str, str] | None = None) -> str:
    answer = browser.client.post(
        path, data={**(data or {}), "csrf_token": browser.token("/")}, follow_redirects=True
    )
    return str(answer.get_data(as_text=True))


def test_engine_errors_show_no_token_in_the_page_or_the_log(
    token_app: Flask,
    accounts: Accounts,
    make_case: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = Browser(token_app.test_client())
    assert browser.login("anna").status_code == 303
    reference = make_case(live=True)
    pages = {
        "claim": post(browser, f"/zaken/{reference}/oppakken"),
        "announce": post(browser, f"/zaken/{reference}/melden"),
        "reply": post(browser, f"/zaken/{reference}/antwoord", {"text": "Hoi, met Anna."}),
        "hand back": post(browser, f"/zaken/{reference}/teruggeven"),
        "close": post(browser, f"/zaken/{reference}/afsluiten", {"outcome": "advice_given"}),
    }
    for what, page in pages.items():
        assert "de chatbot (Rasa) is niet bereikbaar" in page, what  # the failure is shown ...
        assert TOKEN not in page, what  # ... without the token
        assert "token=" not in page, what
    assert "conversation engine" in caplog.text  # the failures were logged ...
    assert TOKEN not in caplog.text  # ... without the token
    for record in caplog.records:
        assert TOKEN not in (record.exc_text or ""), record.name


def test_the_token_travels_only_as_a_signed_short_lived_jwt() -> None:
    header = auth_header(TOKEN)["Authorization"]
    assert header.startswith("Bearer ") and TOKEN not in header
    claims = jwt.decode(header.removeprefix("Bearer "), TOKEN, algorithms=[JWT_ALGORITHM])
    assert claims["user"]["role"] == "admin"
    assert 0 < claims["exp"] - claims["iat"] <= 300
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(header.removeprefix("Bearer "), "another secret", algorithms=[JWT_ALGORITHM])


@pytest.fixture
def restored_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    root = logging.getLogger()
    handlers = {h: list(h.filters) for h in root.handlers}
    level = root.level
    try:
        logging.setLogRecordFactory(logging.LogRecord)
        yield
    finally:
        logging.setLogRecordFactory(factory)
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        for handler, filters in handlers.items():
            handler.filters = filters
        root.setLevel(level)


def test_the_console_process_scrubs_its_log(
    token_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    restored_logging: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    served: list[Any] = []
    # main() names its process (bot.settings.declare_process); undone after the test
    monkeypatch.setenv("ADVIESLIJN_PROCESS", "console")
    monkeypatch.setattr(console_main, "get_settings", lambda: token_settings)
    monkeypatch.setattr(console_main, "warm_up", lambda: None)
    monkeypatch.setattr(console_main, "serve", lambda app, **options: served.append(app))
    assert console_main.main() == 0
    assert served, "the console was not served"
    assert logging.getLogRecordFactory() is ScrubbedLogRecord
    logging.getLogger("requests").error(
        "Max retries exceeded with url: /conversations/c/execute?token=%s", TOKEN
    )
    assert "Max retries exceeded" in caplog.text
    assert TOKEN not in caplog.text
