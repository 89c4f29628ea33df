"""The console app on a real case-log database (SQLite and PostgreSQL) with Flask's test client.

The conversation engine is the real HTTP client pointed at a port where nothing
listens: every engine call fails as a real one would. The paths where the engine
answers are tested with a real Rasa server in tests/integration/test_console_handoff.py.

Accounts have a second factor (set up an hour before the test, through the same
functions the set-up page uses); ``Browser.login`` gives the password and then the
code of the account's secret, as the adviser's authenticator app would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from bot.caselog import service
from bot.caselog.contacts import Contact, ContactCipher
from bot.caselog.models import Case, HelpMode, Role, Urgency
from bot.console import second_factor
from bot.console.accounts import Passwords, find_adviser, set_account
from bot.console.app import create_app
from bot.console.sessions import EXTENSION, ConsoleState
from bot.db import Database
from bot.engine import ConversationEngine
from bot.settings import Settings, load_settings
from scripts.serve import free_port
from tests.databases import empty, fresh_database

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def contact_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, contact_key: str) -> Settings:
    return load_settings(
        environ={
            "ADVIESLIJN_VAR": str(tmp_path / "var"),
            "DATABASE_URL": database_url,
            "CONSOLE_SECRET_KEY": "test-secret-key-for-the-console",
            "CONTACT_KEY": contact_key,
            "RASA_TOKEN": "test-token",
            "RASA_PORT": str(free_port()),  # nothing listens there
            "CONSOLE_MAX_FAILED_LOGINS": "3",
            "CONSOLE_LOCKOUT_MINUTES": "15",
            "CONSOLE_SESSION_MINUTES": "30",
            "CONSOLE_LOGIN_RATE": "8/minute",
        }
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    empty(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    # Cheap parameters: the tests hash many passwords.
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


class Clock:
    """A clock the tests move forward."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, database: Database, passwords: Passwords, clock: Clock) -> Flask:
    engine = ConversationEngine(settings.rasa_url, "test-token", timeout=2)
    return create_app(settings, database=database, engine=engine, passwords=passwords, clock=clock)


@dataclass
class Accounts:
    """Advisers made for a test, by username, with their second factor's secret and codes."""

    database: Database
    passwords: Passwords
    settings: Settings
    clock: Clock
    ids: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    recovery_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(
        self,
        username: str,
        role: Role = Role.ADVISER,
        name: str | None = None,
        *,
        enrol: bool = True,
    ) -> int:
        """Create the account; with ``enrol``, set up its second factor an hour ago."""
        with self.database.session_scope() as db:
            adviser, _ = set_account(
                db,
                username=username,
                display_name=name or username.title(),
                role=role,
                password=PASSWORD,
                passwords=self.passwords,
            )
            self.ids[username] = adviser.id
            if enrol:
                box = second_factor.SecretBox(self.settings.secrets.require("contact_key"))
                secret = second_factor.pending_secret(db, adviser, box)
                earlier = self.clock.now - timedelta(hours=1)
                done = second_factor.confirm(
                    db,
                    adviser,
                    pyotp.TOTP(secret).at(earlier),
                    box=box,
                    passwords=self.passwords,
                    console=self.settings.console,
                    now=earlier,
                )
                assert done.ok, done.reason
                self.secrets[username] = secret
                self.recovery_codes[username] = done.recovery_codes
            return adviser.id


@pytest.fixture
def accounts(
    database: Database, passwords: Passwords, settings: Settings, clock: Clock
) -> Accounts:
    found = Accounts(database, passwords, settings, clock)
    found.add("anna", name="Anna")
    found.add("bram", name="Bram")
    found.add("chris", Role.COORDINATOR, name="Chris")
    return found


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browser:
    """A test client that logs in and posts forms with the page's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_of(self.client.get(path).get_data(as_text=True))

    def password(
        self, username: str, password: str = PASSWORD, *, next: str | None = None, address: str = ""
    ) -> Any:
        """The first step of a login: the password (a 303 to the code step when right)."""
        data = {"username": username, "password": password, "csrf_token": self.token("/login")}
        if next is not None:
            data["next"] = next
        return self.client.post("/login", data=data, environ_base=self._from(address))

    def login(
        self, username: str, password: str = PASSWORD, *, next: str | None = None, address: str = ""
    ) -> Any:
        """Log in: the password, then (when the console asks for it) the app's code.

        Returns the answer of the last step taken: the code step's when the password
        was right and the account has a second factor, else the password step's.
        """
        answer = self.password(username, password, next=next, address=address)
        if answer.status_code != 303 or answer.headers["Location"] != "/login/code":
            return answer
        return self.code(self.current_code(username), address=address)

    def code(self, code: str, *, address: str = "") -> Any:
        """The second step of a login: a code (of the app, or a recovery code)."""
        return self.client.post(
            "/login/code",
            data={"code": code, "csrf_token": self.token("/login/code")},
            environ_base=self._from(address),
        )

    def current_code(self, username: str) -> str:
        """The code the adviser's app shows now (the console's clock); a fresh one.

        The app holds the secret; here it is read from the case log. A code whose time
        step was used already is never accepted again, so like an adviser who logs in
        twice within 30 seconds, the helper waits for the next code (it moves the
        test clock on).
        """
        console: ConsoleState = self.client.application.extensions[EXTENSION]
        with console.database.session_scope() as db:
            adviser = find_adviser(db, username)
            assert adviser is not None and adviser.totp_secret is not None
            secret, last = console.box.open(adviser.totp_secret), adviser.totp_last_step
        totp = pyotp.TOTP(secret)
        step = totp.timecode(console.clock())
        if last is not None and step <= last:
            clock = console.clock
            assert isinstance(clock, Clock), "a test clock is needed to wait for a new code"
            clock.advance(seconds=(last - step + 1) * totp.interval)
        return totp.at(console.clock())

    @staticmethod
    def _from(address: str) -> dict[str, str]:
        return {"REMOTE_ADDR": address} if address else {}

    def post(self, path: str, data: dict[str, str] | None = None, page: str = "/") -> Any:
        token = self.token(page)
        return self.client.post(path, data={**(data or {}), "csrf_token": token})

    def get(self, path: str) -> Any:
        return self.client.get(path)


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def make_browser(app: Flask) -> Callable[[], Browser]:
    return lambda: Browser(app.test_client())


CaseMaker = Callable[..., str]


@pytest.fixture
def make_case(database: Database, contact_key: str) -> CaseMaker:
    """Log a case as the conversation side does; return its reference."""

    def make(
        *,
        urgency: Urgency = Urgency.NORMAL,
        help_mode: HelpMode = HelpMode.CALLBACK,
        live: bool = False,
        summary: str = "Leerling deelt extreemrechtse memes in de klassenapp",
        transcript: list[dict[str, str]] | None = None,
        contact: Contact | None = None,
        conversation_id: str | None = None,
        recommended: tuple[str, ...] = (),
        created_at: datetime | None = None,
    ) -> str:
        with database.session_scope() as db:
            case: Case = service.open_case(
                db,
                conversation_id=conversation_id or f"conv-{free_port()}",
                channel="rest",
                urgency=urgency,
                themes=["extreemrechts", "online"],
                recommended=recommended,
                transcript=transcript or [],
                role="docent",
                sector="onderwijs",
            )
            service.complete_intake(
                db,
                case=case,
                help_mode=help_mode,
                summary=summary,
                live=live,
                region="Utrecht",
                contact=contact,
                cipher=ContactCipher(contact_key) if contact else None,
            )
            if created_at is not None:
                case.created_at = created_at
            return str(case.reference)

    return make
