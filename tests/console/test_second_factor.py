"""A second factor for console accounts (issue 11, item 13): TOTP with recovery codes.

Set-up after the password, login in two steps, wrong codes refused and throttled, no
code accepted twice, recovery codes that work once, coordinators who cannot skip the
set-up, a half-logged-in session that opens nothing, and resets by a coordinator or
from the command line.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import select

from bot.caselog.models import Adviser, RecoveryCode, Role
from bot.console import second_factor
from bot.console.accounts import Passwords, find_adviser
from bot.console.admin import run
from bot.console.sessions import EXTENSION, ConsoleState
from bot.console.texts import load_labels
from bot.db import Database
from bot.ratelimit import RateLimits
from bot.settings import Settings
from tests.console.conftest import Accounts, Browser, CaseMaker, Clock

LABELS = load_labels()
SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
URI = re.compile(r'id="totp-uri"[^>]*>([^<]+)<')
CODES = re.compile(r'<li><code class="secret">([a-z2-9-]+)</code></li>')


def console_of(app: Flask) -> ConsoleState:
    state: ConsoleState = app.extensions[EXTENSION]
    return state


def unlimited(app: Flask) -> None:
    """Lift the attempts per minute (real time): here only the waits are under test."""
    console_of(app).login_limits = RateLimits(
        per_conversation="1000/minute", per_address="1000/minute", storage_uri="memory://"
    )


def adviser(database: Database, username: str) -> Adviser:
    with database.session_scope() as db:
        found = find_adviser(db, username)
        assert found is not None
        return found


def recovery_rows(database: Database, username: str) -> list[RecoveryCode]:
    with database.session_scope() as db:
        found = find_adviser(db, username)
        assert found is not None
        return list(
            db.scalars(select(RecoveryCode).where(RecoveryCode.adviser_id == found.id)).all()
        )


def set_up_page(browser: Browser) -> tuple[str, str]:
    """Open the set-up page; return the secret and the otpauth URI it shows."""
    page = browser.get("/tweestaps")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    secret, uri = SECRET.search(text), URI.search(text)
    assert secret and uri, "no secret or URI on the set-up page"
    return secret.group(1).replace(" ", ""), uri.group(1).replace("&amp;", "&")


def confirm(browser: Browser, code: str, address: str = "") -> tuple[int, str]:
    answer = browser.client.post(
        "/tweestaps",
        data={"code": code, "csrf_token": browser.token("/tweestaps")},
        environ_base={"REMOTE_ADDR": address} if address else {},
    )
    return answer.status_code, answer.get_data(as_text=True)


# --- set-up ------------------------------------------------------------------------------


def test_an_account_without_a_second_factor_sets_one_up_before_it_gets_in(
    browser: Browser, accounts: Accounts, database: Database, clock: Clock, contact_key: str
) -> None:
    accounts.add("dana", name="Dana", enrol=False)
    answer = browser.password("dana")
    assert answer.status_code == 303 and answer.headers["Location"] == "/tweestaps"
    assert browser.get("/").status_code == 302  # not in yet
    secret, uri = set_up_page(browser)
    assert len(secret) == 32  # 160 bits
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == secret and parsed.issuer == "Advieslijn" and parsed.name == "dana"
    assert set_up_page(browser)[0] == secret  # a reload shows the same secret
    # Stored encrypted, under a key of its own (not the contact key itself).
    stored = adviser(database, "dana").totp_secret
    assert stored is not None and secret not in stored
    with pytest.raises(InvalidToken):
        Fernet(contact_key.encode()).decrypt(stored.encode())
    assert second_factor.SecretBox(contact_key).open(stored) == secret
    # A wrong code does not switch it on.
    status, page = confirm(browser, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert status == 400 and LABELS.message("set_up_failed") in page
    assert not adviser(database, "dana").has_second_factor
    assert browser.get("/").status_code == 302
    # The right code does; ten recovery codes are shown once and stored as hashes only.
    status, page = confirm(browser, pyotp.TOTP(secret).at(clock.now))
    assert status == 200
    codes = CODES.findall(page)
    assert len(codes) == 10 == len(set(codes))
    hashes = [row.code_hash for row in recovery_rows(database, "dana")]
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    account = adviser(database, "dana")
    assert account.has_second_factor and account.failed_codes == 0
    # Now logged in; the codes are not shown again.
    assert browser.get("/").status_code == 200
    status_page = browser.get("/tweestaps").get_data(as_text=True)
    assert "staat aan" in status_page and "nog 10 herstelcodes" in status_page
    assert not any(code in status_page for code in codes)
    # From now on the code is asked at every login.
    browser.post("/logout")
    again = browser.password("dana")
    assert again.headers["Location"] == "/login/code"


def test_an_adviser_may_choose_when_the_setting_makes_it_optional(
    app: Flask, browser: Browser, accounts: Accounts, settings: Settings, clock: Clock
) -> None:
    console = console_of(app)
    console.settings = dataclasses.replace(
        settings, console=dataclasses.replace(settings.console, second_factor_advisers="optional")
    )
    accounts.add("eva", enrol=False)
    answer = browser.login("eva")
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert "Je kunt naast je wachtwoord" in browser.get("/tweestaps").get_data(as_text=True)
    # Once the setting says required again, a session without a second factor ends.
    console.settings = settings
    assert browser.get("/").status_code == 302
    console.settings = dataclasses.replace(
        settings, console=dataclasses.replace(settings.console, second_factor_advisers="optional")
    )
    # She sets one up from inside the console; this session goes on, the code is asked
    # at every next login.
    browser.login("eva")
    secret, _ = set_up_page(browser)
    assert confirm(browser, pyotp.TOTP(secret).at(clock.now))[0] == 200
    assert browser.get("/").status_code == 200
    browser.post("/logout")
    assert browser.password("eva").headers["Location"] == "/login/code"


def test_a_coordinator_cannot_skip_the_set_up_even_when_advisers_may(
    app: Flask,
    browser: Browser,
    accounts: Accounts,
    settings: Settings,
    make_case: CaseMaker,
    database: Database,
) -> None:
    console_of(app).settings = dataclasses.replace(
        settings, console=dataclasses.replace(settings.console, second_factor_advisers="optional")
    )
    accounts.add("dirk", Role.COORDINATOR, name="Dirk", enrol=False)
    reference = make_case()
    answer = browser.password("dirk")
    assert answer.headers["Location"] == "/tweestaps"
    for path in ("/", "/beheer", "/opvolging", f"/zaken/{reference}", "/wachtwoord"):
        refused = browser.get(path)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert browser.get("/api/queue").status_code == 401
    assert browser.get("/login/code").status_code == 302  # no code step without a factor
    unlock = browser.client.post(
        f"/beheer/{accounts.ids['anna']}/ontgrendelen",
        data={"csrf_token": browser.token("/login")},
    )
    assert unlock.status_code == 302
    # The set-up page is still his, and only it.
    assert "Tweestapsverificatie instellen" in browser.get("/tweestaps").get_data(as_text=True)
    assert not adviser(database, "dirk").has_second_factor


# --- login in two steps -----------------------------------------------------------------


def test_login_with_password_and_code(browser: Browser, accounts: Accounts) -> None:
    first = browser.password("anna")
    assert first.status_code == 303 and first.headers["Location"] == "/login/code"
    page = browser.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'name="csrf_token"' in page
    answer = browser.code(browser.current_code("anna"))
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert "Anna (Adviseur)" in browser.get("/").get_data(as_text=True)


def test_a_half_logged_in_session_opens_nothing(
    browser: Browser, accounts: Accounts, make_case: CaseMaker, clock: Clock, database: Database
) -> None:
    reference = make_case()
    assert browser.password("chris").headers["Location"] == "/login/code"
    for path in ("/", "/opvolging", f"/zaken/{reference}", "/beheer", "/wachtwoord", "/tweestaps"):
        refused = browser.get(path)
        assert refused.status_code == 302, path
        assert refused.headers["Location"].startswith("/login"), path
    assert browser.get("/api/queue").status_code == 401
    assert browser.get(f"/api/zaken/{reference}/events").status_code == 401
    claim = browser.client.post(
        f"/zaken/{reference}/oppakken", data={"csrf_token": browser.token("/login/code")}
    )
    assert claim.status_code == 302
    with database.session_scope() as db:
        from bot.caselog import service

        case = service.get_case(db, reference=reference)
        assert case is not None and case.assigned_adviser_id is None
    # It does not last: after ten minutes the password is asked again.
    code, token = browser.current_code("chris"), browser.token("/login/code")
    clock.advance(minutes=11)
    late = browser.client.post("/login/code", data={"code": code, "csrf_token": token})
    assert late.status_code == 303 and late.headers["Location"] == "/login"
    assert LABELS.message("login_again") in browser.get("/login").get_data(as_text=True)
    assert browser.get("/").status_code == 302


def test_a_wrong_code_is_refused_and_throttled_and_a_right_password_does_not_reset_the_count(
    app: Flask, make_browser: Callable[[], Browser], accounts: Accounts, clock: Clock
) -> None:
    unlimited(app)
    attacker, adviser_browser = make_browser(), make_browser()
    there, home = "10.6.6.6", "10.1.1.1"
    right = pyotp.TOTP(accounts.secrets["anna"])
    wrong = "000000" if right.at(clock.now) != "000000" else "111111"
    assert attacker.password("anna", address=there).status_code == 303
    for _ in range(2):
        refused = attacker.code(wrong, address=there)
        assert refused.status_code == 401
        assert LABELS.message("code_failed") in refused.get_data(as_text=True)
    # The password again does not start a new round of free tries.
    assert attacker.password("anna", address=there).status_code == 303
    assert adviser(accounts.database, "anna").failed_codes == 2
    assert attacker.code(wrong, address=there).status_code == 401  # the third: waits begin
    throttled = attacker.code(right.at(clock.now), address=there)  # even the right code
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "Te veel pogingen" in throttled.get_data(as_text=True)
    waits = []
    for _ in range(5):
        clock.advance(seconds=int(throttled.headers["Retry-After"]))
        assert attacker.code(wrong, address=there).status_code == 401
        throttled = attacker.code(wrong, address=there)
        assert throttled.status_code == 429
        waits.append(int(throttled.headers["Retry-After"]))
    assert waits == sorted(waits) and waits[-1] >= 16  # they grow: 2, 4, 8, 16, 32 s
    # The account waits at most CONSOLE_ACCOUNT_DELAY_SECONDS (60 s): then the adviser
    # gets in from her own address, and her count starts again.
    assert adviser(accounts.database, "anna").failed_codes == 8
    clock.advance(seconds=61)
    assert adviser_browser.login("anna", address=home).headers["Location"] == "/"
    assert adviser(accounts.database, "anna").failed_codes == 0


def test_a_code_is_never_accepted_twice(browser: Browser, accounts: Accounts, clock: Clock) -> None:
    totp = pyotp.TOTP(accounts.secrets["anna"])
    code = totp.at(clock.now)
    browser.password("anna")
    assert browser.code(code).headers["Location"] == "/"
    browser.post("/logout")
    browser.password("anna")
    replayed = browser.code(code)
    assert replayed.status_code == 401
    assert LABELS.message("code_failed") in replayed.get_data(as_text=True)
    # Nor the code before it (its time step is older than the one used).
    assert browser.code(totp.at(clock.now - timedelta(seconds=30))).status_code == 401
    # The next code (one step of drift) is new, and accepted.
    assert browser.code(totp.at(clock.now + timedelta(seconds=30))).status_code == 303


def test_codes_one_step_off_are_accepted_two_steps_off_not(
    make_browser: Callable[[], Browser], accounts: Accounts, clock: Clock
) -> None:
    totp = pyotp.TOTP(accounts.secrets["bram"])
    browser = make_browser()
    browser.password("bram")
    assert browser.code(totp.at(clock.now - timedelta(seconds=60))).status_code == 401
    assert browser.code(totp.at(clock.now + timedelta(seconds=60))).status_code == 401
    assert browser.code(totp.at(clock.now - timedelta(seconds=30))).status_code == 303


def test_the_same_code_sent_twice_at_once_is_accepted_once(
    accounts: Accounts, database: Database, passwords: Passwords, settings: Settings, clock: Clock
) -> None:
    box = second_factor.SecretBox(settings.secrets.require("contact_key"))
    code = pyotp.TOTP(accounts.secrets["anna"]).at(clock.now)
    barrier = threading.Barrier(2, timeout=20)
    results: list[bool] = []

    def send() -> None:
        with database.session_scope() as db:
            found = find_adviser(db, "anna")
            assert found is not None
            barrier.wait()
            outcome = second_factor.check(
                db,
                found,
                code,
                box=box,
                passwords=passwords,
                console=settings.console,
                now=clock.now,
            )
            results.append(outcome.ok)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]


def test_a_recovery_code_works_once(
    make_browser: Callable[[], Browser], accounts: Accounts, database: Database
) -> None:
    first, second = accounts.recovery_codes["anna"][:2]
    browser = make_browser()
    browser.password("anna")
    answer = browser.code(first)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    page = browser.get("/").get_data(as_text=True)
    assert LABELS.message("recovery_code_used", left=9) in page
    assert len(recovery_rows(database, "anna")) == 9
    browser.post("/logout")
    browser.password("anna")
    assert browser.code(first).status_code == 401  # used up
    # Typed without the dash, in capitals, with spaces: the next one works.
    assert browser.code(" " + second.replace("-", " ").upper()).status_code == 303
    assert len(recovery_rows(database, "anna")) == 8


# --- resets ------------------------------------------------------------------------------


def test_a_coordinator_resets_a_second_factor_and_it_is_logged(
    make_browser: Callable[[], Browser],
    accounts: Accounts,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    anna, chris, bram = make_browser(), make_browser(), make_browser()
    assert anna.login("anna").headers["Location"] == "/"
    assert bram.login("bram").headers["Location"] == "/"
    # Advisers cannot.
    assert bram.post(f"/beheer/{accounts.ids['anna']}/tweestaps-resetten").status_code == 403
    assert adviser(database, "anna").has_second_factor
    assert chris.login("chris").headers["Location"] == "/"
    page = chris.get("/beheer").get_data(as_text=True)
    assert "Reset tweestapsverificatie van anna" in page
    assert "Reset tweestapsverificatie van chris" not in page  # not one's own
    caplog.set_level(logging.INFO, logger="bot.console.audit")
    answer = chris.post(f"/beheer/{accounts.ids['anna']}/tweestaps-resetten", page="/beheer")
    assert answer.status_code == 303
    assert LABELS.message("second_factor_reset", name="Anna") in chris.get("/beheer").get_data(
        as_text=True
    )
    assert "second factor of anna reset by chris" in caplog.text
    account = adviser(database, "anna")
    assert account.totp_secret is None and not account.has_second_factor
    assert recovery_rows(database, "anna") == []
    assert anna.get("/").status_code == 302  # her sessions ended
    assert anna.password("anna").headers["Location"] == "/tweestaps"  # she sets up a new one
    # One's own only through another coordinator or the command line.
    own = chris.post(f"/beheer/{accounts.ids['chris']}/tweestaps-resetten", page="/beheer")
    assert own.status_code == 303 and adviser(database, "chris").has_second_factor


def test_the_command_line_resets_a_second_factor_and_add_keeps_it(
    accounts: Accounts,
    settings: Settings,
    passwords: Passwords,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {"ADVIESLIJN_VAR": str(settings.var_dir), "DATABASE_URL": settings.database_url}
    # Resetting the account (a new password) keeps the second factor.
    new = {**environ, "ADVISER_PASSWORD": "een heel nieuw wachtwoord"}
    run(["add", "anna", "--name", "Anna"], environ=new, passwords=passwords)
    assert adviser(database, "anna").has_second_factor
    epoch = adviser(database, "anna").session_epoch
    caplog.set_level(logging.INFO, logger="bot.console.audit")
    out = run(["reset-factor", "Anna"], environ=environ, passwords=passwords)
    assert out.startswith("second factor of anna removed")
    assert "second factor of anna reset from the command line" in caplog.text
    account = adviser(database, "anna")
    assert account.totp_secret is None and account.session_epoch == epoch + 1
    assert recovery_rows(database, "anna") == []
    out = run(["reset-factor", "anna"], environ=environ, passwords=passwords)
    assert out == "anna had no second factor; nothing to reset"


def test_the_new_forms_need_a_csrf_token(
    browser: Browser, accounts: Accounts, database: Database
) -> None:
    accounts.add("dana", enrol=False)
    browser.password("dana")
    assert browser.client.post("/tweestaps", data={"code": "123456"}).status_code == 400
    browser.password("anna")
    assert browser.client.post("/login/code", data={"code": "123456"}).status_code == 400
    browser.code(browser.current_code("anna"))
    reset = browser.client.post(f"/beheer/{accounts.ids['bram']}/tweestaps-resetten")
    assert reset.status_code == 400
    assert adviser(database, "bram").has_second_factor
    assert adviser(database, "anna").failed_codes == 0  # a refused form counts nothing


def test_the_console_needs_the_key_of_the_secrets(
    settings: Settings, database: Database, passwords: Passwords
) -> None:
    from bot.console.app import create_app
    from bot.settings import SettingsError

    without = dataclasses.replace(
        settings, secrets=dataclasses.replace(settings.secrets, contact_key=None)
    )
    with pytest.raises(SettingsError, match="CONTACT_KEY"):
        create_app(without, database=database, passwords=passwords)
