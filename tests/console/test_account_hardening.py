"""Console accounts (issue 11, item 13): common passwords refused, advisers change their
own password, sessions end a fixed time after the login, HSTS only for https."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from bot.caselog.models import Role
from bot.console.accounts import (
    AccountError,
    Passwords,
    authenticate,
    check_password,
    set_account,
)
from bot.console.common import common_passwords
from bot.settings import Settings
from tests.console.conftest import PASSWORD, Accounts, Browser, Clock

NEW = "drie lange woorden samen"


@pytest.mark.parametrize(
    "weak",
    [
        "password1234",
        "Dragon2024!!!!",
        "qwertyuiop123",
        "abcabcabcabc",
        "wachtwoord123",
        "anna.de.vries",
    ],
)
def test_common_and_guessable_passwords_are_refused(weak: str) -> None:
    with pytest.raises(AccountError, match="too common"):
        check_password(weak, username="anna.de.vries", display_name="Anna de Vries")


def test_the_shipped_list_is_read_offline_and_good_passwords_pass() -> None:
    known = common_passwords()
    assert len(known) > 10_000 and "123456" in known and "wachtwoord" in known
    check_password(NEW, username="anna")
    check_password(PASSWORD, username="anna")


def test_make_adviser_refuses_a_common_password(accounts: Accounts, passwords: Passwords) -> None:
    with accounts.database.session_scope() as db, pytest.raises(AccountError):
        set_account(
            db,
            username="dana",
            display_name="Dana",
            role=Role.ADVISER,
            password="iloveyou12345",
            passwords=passwords,
        )


def change(browser: Browser, current: str, new: str, repeat: str | None = None) -> tuple[int, str]:
    answer = browser.client.post(
        "/wachtwoord",
        data={
            "current": current,
            "new": new,
            "repeat": new if repeat is None else repeat,
            "csrf_token": browser.token("/wachtwoord"),
        },
        follow_redirects=True,
    )
    return answer.status_code, answer.get_data(as_text=True)


def test_an_adviser_changes_her_own_password_and_other_sessions_end(
    make_browser: Callable[[], Browser],
    accounts: Accounts,
    settings: Settings,
    passwords: Passwords,
) -> None:
    here, elsewhere = make_browser(), make_browser()
    assert here.login("anna").status_code == 303 and elsewhere.login("anna").status_code == 303
    assert change(here, "not my password", NEW)[0] == 400
    status, page = change(here, PASSWORD, "password1234")
    assert status == 400 and "te bekend" in page
    status, page = change(here, PASSWORD, NEW, "something else entirely")
    assert status == 400 and "niet gelijk" in page
    status, page = change(here, PASSWORD, NEW)
    assert status == 200 and "Je wachtwoord is gewijzigd" in page
    assert here.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one ended
    with accounts.database.session_scope() as db:
        for password, ok in ((PASSWORD, False), (NEW, True)):
            result = authenticate(
                db,
                username="anna",
                password=password,
                passwords=passwords,
                console=settings.console,
            )
            assert (result.adviser is not None) is ok


def test_a_session_ends_a_fixed_time_after_login_however_active(
    browser: Browser, accounts: Accounts, clock: Clock
) -> None:
    browser.login("anna")
    minutes = 0
    while browser.get("/").status_code == 200 and minutes < 24 * 60:
        clock.advance(minutes=15)  # active every 15 minutes
        minutes += 15
    assert 10 * 60 < minutes <= 10 * 60 + 15  # CONSOLE_SESSION_MAX_HOURS=10 (default)
    login_page = browser.get("/login").get_data(as_text=True)
    assert "Je sessie is verlopen" in login_page
    assert browser.login("anna").status_code == 303
    assert browser.get("/").status_code == 200


def test_hsts_only_when_the_request_came_over_https(app: Flask) -> None:
    client = app.test_client()
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    # A forwarded header alone (no trusted proxy vouched for it) is not https.
    forged = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers
    # https as the server saw it (waitress sets it from a trusted proxy's header).
    secure = client.get("/login", base_url="https://console.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
