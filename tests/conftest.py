"""Shared fixtures: project paths, the domain, the catalogue, case-log databases, the stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue, load_catalogue
from bot.db import Database, dispose_all, session_scope
from bot.settings import Settings, get_settings
from scripts.serve import MEASUREMENT_LIMITS, Stack, free_port, running_stack
from tests.databases import empty, fresh_database
from tests.fakes.telegram_api import FakeTelegramApi, running_telegram_api

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "catalogue" / "catalogue.yml")


# The secret the shared stack's Telegram channel expects in every update.
TELEGRAM_SECRET = "stack-secret_" + "T" * 24


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramApi]:
    """The Bot API stand-in the shared stack's Telegram channel talks to."""
    with running_telegram_api() as api:
        yield api


@pytest.fixture(scope="session")
def school_port() -> int:
    """The port of a second site, a school's, allowed to open the widget's socket too.

    tests/browser/test_rasa_webchat.py serves a page with a standard Rasa client there.
    """
    return free_port()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegramApi, school_port: int
) -> Iterator[Stack]:
    """The action server, Rasa with the trained model, the demo website and the console.

    Started once per test session and shared by the integration and browser tests. Its
    Telegram channel talks to the Bot API stand-in, and an adviser is always available,
    so the escalation tests reach the live queue. The socket accepts the demo site and
    a school's site on ``school_port``.
    """
    base = tmp_path_factory.mktemp("stack")
    web_port = free_port()
    with running_stack(
        var_dir=base / "var",
        ports={
            "RASA_PORT": free_port(),
            "ACTION_PORT": free_port(),
            "WEB_PORT": web_port,
            "CONSOLE_PORT": free_port(),
        },
        services=("actions", "rasa", "web", "console"),
        extra_env={
            **MEASUREMENT_LIMITS,
            **telegram_api.env,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "ADVIESLIJN_AVAILABILITY": "always",
            "ADVIESLIJN_ALWAYS_OPEN": "true",
            "WIDGET_ORIGINS": ",".join(
                f"http://{host}:{port}"
                for port in (web_port, school_port)
                for host in ("127.0.0.1", "localhost")
            ),
            # requests sends no Secure cookie over http; a browser does on localhost
            # (tests/browser/test_console_browser.py keeps the secure default).
            "CONSOLE_COOKIE_SECURE": "false",
        },
    ) as running:
        yield running


# --- databases: every case-log test runs on SQLite and on PostgreSQL -----------------


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, dropped at the end of the session."""
    with fresh_database("postgresql", tmp_path_factory.mktemp("pg")) as url:
        yield url
        dispose_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty case-log database of each kind."""
    if request.param == "sqlite":
        with fresh_database("sqlite", tmp_path) as sqlite_url:
            yield sqlite_url
        return
    postgres: str = request.getfixturevalue("postgres_url")
    empty(Database(postgres))
    yield postgres


@pytest.fixture
def case_settings(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings (and get_settings()) pointing at a fresh case-log database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ADVIESLIJN_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CONTACT_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def session(case_settings: Settings) -> Iterator[Session]:
    """One open session on the case-log database (committed at the end)."""
    with session_scope(case_settings) as open_session:
        yield open_session
