"""Failed logins cause growing waits, decided atomically; coordinators end them (issue 11 #7)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from datetime import datetime, timezone

import pytest

from bot.caselog.models import Adviser
from bot.console.accounts import LoginResult, Passwords, authenticate, find_adviser
from bot.console.admin import run
from bot.console.sessions import EXTENSION
from bot.console.throttle import FailureDelays, login_delay
from bot.db import Database
from bot.ratelimit import RateLimits
from bot.settings import Settings
from tests.console.conftest import PASSWORD, Accounts, Browser, Clock


def test_the_wait_doubles_after_the_free_failures_up_to_the_longest() -> None:
    waits = [login_delay(n, free=3, longest=60) for n in range(1, 11)]
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    delays = FailureDelays(free=2, longest=900, forget_after=3600)
    assert delays.failed("k", now=0) == 0 and delays.wait("k", now=0) == 0
    assert delays.failed("k", now=0) == 1 and delays.wait("k", now=0.5) == 0.5
    assert delays.wait("other", now=0) == 0
    delays.forget("k")
    assert delays.wait("k", now=0) == 0


class RacingPasswords(Passwords):
    """Every check waits until all attempts are past the account's first check; the
    right password then takes a little longer, so the wrong ones are counted first."""

    def __init__(self, inner: Passwords, parties: int) -> None:
        self._inner = inner
        self.barrier = threading.Barrier(parties, timeout=20)

    def verify(self, password_hash: str, password: str) -> bool:
        self.barrier.wait()
        right = self._inner.verify(password_hash, password)
        if right:
            time.sleep(0.5)
        return right

    def waste_time(self, password: str) -> None:
        self.barrier.wait()

    def needs_rehash(self, password_hash: str) -> bool:
        return False


def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_one_after_another(
    database: Database, settings: Settings, passwords: Passwords, accounts: Accounts
) -> None:
    console = settings.console  # 3 failures, then the account waits
    with database.session_scope() as db:
        anna = find_adviser(db, "anna")
        assert anna is not None
        anna.failed_logins = console.max_failed_logins - 1  # one more failure makes it wait
    guesses = ["wrong 1", "wrong 2", "wrong 3", PASSWORD]
    racing = RacingPasswords(passwords, len(guesses))
    now = datetime.now(timezone.utc)
    results: dict[str, LoginResult] = {}

    def guess(password: str) -> None:
        with database.session_scope() as db:
            results[password] = authenticate(
                db, username="anna", password=password, passwords=racing, console=console, now=now
            )

    threads = [threading.Thread(target=guess, args=(g,)) for g in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == len(guesses)
    # One after another, the first wrong guess made the account wait: the right one,
    # checked while it waited, does not get in, however the guesses were interleaved.
    assert results[PASSWORD].adviser is None
    with database.session_scope() as db:
        anna = find_adviser(db, "anna")
        assert anna is not None
        # The first failure counted; the others came while the account waited.
        assert anna.failed_logins == console.max_failed_logins
        assert anna.locked_until is not None and anna.locked_until > now


def test_failures_that_arrive_together_are_all_counted(
    database: Database, settings: Settings, passwords: Passwords, accounts: Accounts
) -> None:
    console = dataclasses.replace(settings.console, max_failed_logins=100)
    racing = RacingPasswords(passwords, 6)
    now = datetime.now(timezone.utc)

    def guess(number: int) -> None:
        with database.session_scope() as db:
            authenticate(
                db,
                username="bram",
                password=f"wrong {number}",
                passwords=racing,
                console=console,
                now=now,
            )

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with database.session_scope() as db:
        bram = find_adviser(db, "bram")
        assert bram is not None and bram.failed_logins == 6  # one UPDATE ... + 1 each


def make_anna_wait(browser: Browser, settings: Settings) -> None:
    """Wrong passwords from an attacker's address until anna and that address wait."""
    for _ in range(settings.console.max_failed_logins):
        browser.client.post(
            "/login",
            data={"username": "anna", "password": "wrong!", "csrf_token": browser.token()},
            environ_base={"REMOTE_ADDR": "10.6.6.6"},
        )


def test_a_coordinator_unlocks_an_account_and_it_is_logged(
    browser: Browser,
    accounts: Accounts,
    settings: Settings,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_anna_wait(browser, settings)
    attacker = Browser(browser.client.application.test_client())
    waiting = attacker.client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": attacker.token()},
        environ_base={"REMOTE_ADDR": "10.6.6.6"},
    )
    assert waiting.status_code == 429
    coordinator = Browser(browser.client.application.test_client())
    assert coordinator.login("chris").status_code == 303
    page = coordinator.get("/beheer").get_data(as_text=True)
    assert "Ontgrendel anna" in page and "Ontgrendel bram" not in page
    caplog.set_level(logging.INFO, logger="bot.console.audit")
    answer = coordinator.post(f"/beheer/{accounts.ids['anna']}/ontgrendelen", page="/beheer")
    assert answer.status_code == 303
    assert "Het account van Anna is ontgrendeld" in coordinator.get("/beheer").get_data(
        as_text=True
    )
    assert "account anna unlocked by chris" in caplog.text
    with database.session_scope() as db:
        anna = db.get(Adviser, accounts.ids["anna"])
        assert anna is not None and anna.failed_logins == 0 and anna.locked_until is None
    again = attacker.client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": attacker.token()},
        environ_base={"REMOTE_ADDR": "10.6.6.6"},
    )
    assert again.status_code == 303


def test_only_coordinators_see_accounts_or_unlock(
    browser: Browser, accounts: Accounts, settings: Settings
) -> None:
    make_anna_wait(browser, settings)
    bram = Browser(browser.client.application.test_client())
    assert bram.login("bram").status_code == 303
    assert "Accounts" not in bram.get("/").get_data(as_text=True)
    assert bram.get("/beheer").status_code == 403
    assert bram.post(f"/beheer/{accounts.ids['anna']}/ontgrendelen").status_code == 403
    with accounts.database.session_scope() as db:
        anna = find_adviser(db, "anna")
        assert anna is not None and anna.failed_logins == settings.console.max_failed_logins


def test_unlock_from_the_command_line(
    accounts: Accounts, settings: Settings, passwords: Passwords
) -> None:
    with accounts.database.session_scope() as db:
        anna = find_adviser(db, "anna")
        assert anna is not None
        anna.failed_logins, anna.locked_until = 9, datetime(2999, 1, 1, tzinfo=timezone.utc)
    environ = {"ADVIESLIJN_VAR": str(settings.var_dir), "DATABASE_URL": settings.database_url}
    assert run(["unlock", "Anna"], environ=environ, passwords=passwords) == "unlocked anna"
    with accounts.database.session_scope() as db:
        anna = find_adviser(db, "anna")
        assert anna is not None and anna.failed_logins == 0 and anna.locked_until is None


def test_the_account_wait_is_bounded_by_its_own_setting(
    browser: Browser, accounts: Accounts, settings: Settings, clock: Clock
) -> None:
    state = browser.client.application.extensions[EXTENSION]
    state.login_limits = RateLimits(
        per_conversation="1000/minute", per_address="1000/minute", storage_uri="memory://"
    )
    state.settings = dataclasses.replace(
        settings, console=dataclasses.replace(settings.console, account_delay_seconds=5)
    )
    for number in range(30):  # each from a new address: only the account wait grows
        clock.advance(seconds=6)
        browser.client.post(
            "/login",
            data={"username": "anna", "password": "wrong!", "csrf_token": browser.token()},
            environ_base={"REMOTE_ADDR": f"10.9.{number}.1"},
        )
    with accounts.database.session_scope() as db:
        anna = find_adviser(db, "anna")
        assert anna is not None and anna.locked_until is not None
        assert anna.failed_logins == 30
        assert (anna.locked_until - clock.now).total_seconds() == 5
