"""Login, lock-out, throttling, CSRF, session expiry and logout of the adviser console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from bot.console.sessions import EXTENSION
from bot.console.texts import load_labels
from bot.ratelimit import RateLimits
from tests.console.conftest import PASSWORD, Accounts, Browser, Clock

LABELS = load_labels()
FAILED = LABELS.message("login_failed")


def test_pages_need_a_login(browser: Browser) -> None:
    for path in ("/", "/opvolging", "/zaken/AL-XXXXXX"):
        answer = browser.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login")
    poll = browser.get("/api/queue")
    assert poll.status_code == 401
    assert poll.get_json()["login"] == "/login"


def test_login_with_the_right_password_opens_the_queue(
    browser: Browser, accounts: Accounts
) -> None:
    answer = browser.login("Anna")  # usernames are not case sensitive
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"
    page = browser.get("/").get_data(as_text=True)
    assert "Wachtrij en zaken" in page
    assert "Anna (Adviseur)" in page


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(
    browser: Browser, accounts: Accounts
) -> None:
    # The target travels through the second step of the login (the code).
    answer = browser.login("anna", next="//evil.example/")
    assert answer.headers["Location"] == "/"
    browser.client.post("/logout", data={"csrf_token": browser.token("/")})
    answer = browser.login("anna", next="/opvolging")
    assert answer.headers["Location"] == "/opvolging"


def test_a_failed_login_says_the_same_whatever_went_wrong(
    browser: Browser, accounts: Accounts
) -> None:
    wrong = browser.login("anna", "not the password")
    unknown = browser.login("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    wrong_page, unknown_page = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert FAILED in wrong_page and FAILED in unknown_page
    assert "anna" not in wrong_page and "nobody" not in unknown_page
    assert browser.get("/").status_code == 302


def attempt(browser: Browser, username: str, password: str, address: str) -> Any:
    """A login from a given client address."""
    return browser.client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": browser.token()},
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_passwords_make_the_attacker_wait_longer_and_longer_not_lock_the_account(
    browser: Browser, accounts: Accounts, clock: Clock
) -> None:
    attacker, adviser = "10.6.6.6", "10.1.1.1"
    # The attempts per minute are limited too; here only the waits are under test.
    state = browser.client.application.extensions[EXTENSION]
    state.login_limits = RateLimits(
        per_conversation="1000/minute", per_address="1000/minute", storage_uri="memory://"
    )
    for _ in range(3):  # CONSOLE_MAX_FAILED_LOGINS=3: then the waits begin
        assert attempt(browser, "anna", "wrong password!", attacker).status_code == 401
    waits = []
    for _ in range(9):
        throttled = attempt(browser, "anna", "wrong password!", attacker)
        assert throttled.status_code == 429
        assert "Te veel inlogpogingen" in throttled.get_data(as_text=True)
        waits.append(int(throttled.headers["Retry-After"]))
        clock.advance(seconds=waits[-1])
        assert attempt(browser, "anna", "wrong password!", attacker).status_code == 401
    assert waits == sorted(waits) and waits[-1] >= 128  # 1, 2, 4, ... seconds
    # The attacker's address now waits minutes; the account waits at most a minute
    # (CONSOLE_ACCOUNT_DELAY_SECONDS), so the adviser gets in from her own address.
    assert attempt(browser, "anna", PASSWORD, attacker).status_code == 429
    clock.advance(seconds=61)
    assert attempt(browser, "anna", PASSWORD, adviser).status_code == 303
    # Another account was never affected.
    other = Browser(browser.client.application.test_client())
    assert attempt(other, "bram", PASSWORD, "10.2.2.2").status_code == 303


def test_while_an_account_waits_even_the_right_password_fails_the_same_way(
    browser: Browser, accounts: Accounts, clock: Clock
) -> None:
    for number in range(3):  # from three addresses: only the account count grows
        attempt(browser, "anna", "wrong password!", f"10.3.0.{number}")
    refused = attempt(browser, "anna", PASSWORD, "10.3.1.1")
    assert refused.status_code == 401
    assert FAILED in refused.get_data(as_text=True)  # no hint that the account exists
    clock.advance(seconds=2)
    assert attempt(browser, "anna", PASSWORD, "10.3.1.1").status_code == 303


def test_a_good_login_resets_the_count_of_failures(
    make_browser: Callable[[], Browser], accounts: Accounts
) -> None:
    first = make_browser()
    for _ in range(2):
        first.login("anna", "wrong password!")
    assert first.login("anna").status_code == 303
    second = make_browser()
    for _ in range(2):
        second.login("anna", "wrong password!")
    assert second.login("anna").status_code == 303


def test_logins_are_throttled_per_client_address(browser: Browser, accounts: Accounts) -> None:
    statuses = [browser.login("nobody", "guess").status_code for _ in range(8)]
    # The first failures are answered; then the waits after failures begin too.
    assert statuses[:3] == [401] * 3 and set(statuses) <= {401, 429}
    throttled = browser.login("anna")  # even the right password waits
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "Te veel inlogpogingen" in throttled.get_data(as_text=True)
    # Another address is not throttled.
    token = browser.token()
    other = browser.client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other.status_code == 303


def test_forms_without_a_valid_csrf_token_are_refused(
    browser: Browser, accounts: Accounts, make_case: Callable[..., str]
) -> None:
    no_token = browser.client.post("/login", data={"username": "anna", "password": PASSWORD})
    assert no_token.status_code == 400
    assert "formulier is verlopen" in no_token.get_data(as_text=True)
    assert browser.login("anna").status_code == 303
    reference = make_case()
    for data in ({}, {"csrf_token": "forged"}):
        answer = browser.client.post(f"/zaken/{reference}/oppakken", data=data)
        assert answer.status_code == 400
    page = browser.get(f"/zaken/{reference}").get_data(as_text=True)
    assert "Zaak oppakken" in page  # still unclaimed
    assert browser.client.post("/logout").status_code == 400


def test_a_session_ends_after_the_idle_time(
    browser: Browser, accounts: Accounts, clock: Clock
) -> None:
    browser.login("anna")
    clock.advance(minutes=20)
    assert browser.get("/").status_code == 200  # activity: counted from here
    clock.advance(minutes=20)
    assert browser.get("/").status_code == 200
    clock.advance(minutes=31)
    expired = browser.get("/")
    assert expired.status_code == 302
    login_page = browser.get(expired.headers["Location"]).get_data(as_text=True)
    assert "Je sessie is verlopen" in login_page


def test_polls_do_not_keep_an_idle_session_alive(
    browser: Browser, accounts: Accounts, clock: Clock
) -> None:
    browser.login("anna")
    for _ in range(5):
        clock.advance(minutes=5)
        assert browser.get("/api/queue").status_code == 200
    clock.advance(minutes=10)  # 35 minutes without the adviser doing anything
    assert browser.get("/api/queue").status_code == 401


def test_logout_ends_the_session_also_for_a_copied_cookie(
    app: Flask, browser: Browser, accounts: Accounts
) -> None:
    browser.login("anna")
    cookie = browser.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    answer = browser.post("/logout")
    assert answer.status_code == 303
    assert "Je bent uitgelogd" in browser.get("/login").get_data(as_text=True)
    assert browser.get("/").status_code == 302
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    assert thief.get("/").status_code == 302
    assert thief.get("/api/queue").status_code == 401


def test_the_session_cookie_is_secure_httponly_and_strict(
    app: Flask, browser: Browser, accounts: Accounts
) -> None:
    answer = browser.login("anna")
    cookie = next(
        h
        for h in answer.headers.getlist("Set-Cookie")
        if h.startswith(app.config["SESSION_COOKIE_NAME"])
    )
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite", "path"} <= attributes
    assert "SameSite=Strict" in cookie
    assert "Domain" not in cookie


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(
    browser: Browser, accounts: Accounts
) -> None:
    from bot.console.accounts import disable_account

    browser.login("anna")
    assert browser.get("/").status_code == 200
    with accounts.database.session_scope() as db:
        disable_account(db, username="anna")
    assert browser.get("/").status_code == 302
    assert browser.login("anna").status_code == 401


HOSTILE_NEXT = (
    "/\t/evil.example/",  # issue 11: answered 303 Location: //evil.example/
    "/\n/evil.example/",  # issue 11: answered 500 with a traceback
    "/\r\n/evil.example/",
    "/ /evil.example/",
    "/\x00/evil.example/",
    "/\u200b/evil.example/",
    "/\u2028/evil.example/",
    "/%09/evil.example/",
    "/%5C/evil.example/",
    "\t//evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
)


def test_a_hostile_next_is_ignored_after_login(browser: Browser, accounts: Accounts) -> None:
    for number, target in enumerate(HOSTILE_NEXT):
        # From a new address each time: past the per-address limit.
        address = f"10.0.0.{number}"
        first = browser.password("anna", next=target, address=address)
        assert first.status_code == 303, repr(target)
        assert first.headers["Location"] == "/login/code", repr(target)
        answer = browser.code(browser.current_code("anna"), address=address)
        assert answer.status_code == 303, repr(target)
        assert answer.headers["Location"] == "/", repr(target)
        browser.client.post("/logout", data={"csrf_token": browser.token("/")})


def test_a_hostile_next_in_the_login_link_never_reaches_the_form(browser: Browser) -> None:
    for raw in ("/%09/evil.example/", "/%0a/evil.example/", "/%0d%0a/evil.example/"):
        answer = browser.get(f"/login?next={raw}")
        assert answer.status_code == 200, raw
        assert 'name="next" value=""' in answer.get_data(as_text=True), raw
    kept = browser.get("/login?next=/zaken/AL-ABC123%3Fx%3D1").get_data(as_text=True)
    assert 'name="next" value="/zaken/AL-ABC123?x=1"' in kept
