"""Adviser accounts: argon2 password hashes, login with growing waits, account set-up.

The password is the first step of a login; the second factor (a code from an
authenticator app) is :mod:`bot.console.second_factor`.

A login fails with one and the same answer whether the username is unknown, the
password is wrong, the account is disabled or waiting: nobody learns from the
console which accounts exist. An unknown username still costs one argon2
verification, so timing does not tell either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.caselog.models import Adviser, Role, utcnow
from bot.console.common import is_common
from bot.console.throttle import login_delay
from bot.settings import ConsoleSettings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


class AccountError(ValueError):
    """An account cannot be created or changed as asked (bad username, weak password)."""


def normalise_username(username: str) -> str:
    """Return the stored form of a username (trimmed, lower case)."""
    return username.strip().lower()


class Passwords:
    """Hashes and checks passwords with argon2id (argon2-cffi's recommended parameters)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        """Use the given hasher (tests pass cheaper parameters) or the default one."""
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash("not a password of anyone")

    def hash(self, password: str) -> str:
        """Return the argon2 hash of a password."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches the hash."""
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def waste_time(self, password: str) -> None:
        """Verify against a dummy hash, so an unknown username takes as long as a known one."""
        self.verify(self._dummy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with older parameters."""
        try:
            return bool(self._hasher.check_needs_rehash(password_hash))
        except InvalidHashError:
            return True


@dataclass(frozen=True)
class LoginResult:
    """The adviser who logged in, or ``None`` (the reason is for the log, never for the page)."""

    adviser: Adviser | None
    reason: str


def find_adviser(session: Session, username: str) -> Adviser | None:
    """Return the adviser with this username (any case)."""
    adviser: Adviser | None = session.scalar(
        select(Adviser).where(func.lower(Adviser.username) == normalise_username(username))
    )
    return adviser


def _rows(result: object) -> int:
    """Return how many rows an UPDATE changed."""
    return int(getattr(result, "rowcount", 0))


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    passwords: Passwords,
    console: ConsoleSettings,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login; count failures in a row and make the account wait after too many.

    After ``console.max_failed_logins`` failures in a row every further failure makes
    the account wait (1 s, 2 s, 4 s, ... up to ``console.account_delay_seconds``);
    while it waits even the right password is refused without being checked. A good
    login resets the count. The account is never locked outright (a coordinator can
    also end the wait: :func:`unlock_account`).

    Attempts that arrive together are decided in SQL: the count grows in one
    ``UPDATE ... SET failed_logins = failed_logins + 1``, and both a success and a
    failure only count while the account is not waiting, so a burst of parallel
    guesses gets no more tries than the same guesses one after another.
    """
    now = now or utcnow()
    adviser = find_adviser(session, username) if username.strip() else None
    if adviser is None or not adviser.active or len(password) > MAX_PASSWORD:
        passwords.waste_time(password[:MAX_PASSWORD])
        return LoginResult(None, "unknown or disabled account")
    if adviser.locked_until is not None and adviser.locked_until > now:
        passwords.waste_time(password)
        return LoginResult(None, "account waiting after failed logins")
    right = passwords.verify(adviser.password_hash, password)
    not_waiting = not_waiting_at(now)
    if right:
        changed = session.execute(
            update(Adviser)
            .where(Adviser.id == adviser.id, not_waiting)
            .values(failed_logins=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        session.refresh(adviser)
        if not _rows(changed):  # a failure in parallel made it wait first
            return LoginResult(None, "account waiting after failed logins")
        if passwords.needs_rehash(adviser.password_hash):
            adviser.password_hash = passwords.hash(password)
        return LoginResult(adviser, "ok")
    counted = count_failure(
        session, adviser, counter=Adviser.failed_logins, console=console, now=now
    )
    if counted is None:
        return LoginResult(None, "account waiting after failed logins")
    failures, delay = counted
    if delay:
        return LoginResult(None, f"wrong password ({failures} in a row; waits {delay:.0f} s)")
    return LoginResult(None, f"wrong password ({failures} in a row)")


def not_waiting_at(now: datetime) -> Any:
    """Return the SQL condition: the account does not wait after failures at ``now``."""
    return or_(Adviser.locked_until.is_(None), Adviser.locked_until <= now)


def count_failure(
    session: Session,
    adviser: Adviser,
    *,
    counter: Any,
    console: ConsoleSettings,
    now: datetime,
) -> tuple[int, float] | None:
    """Count a failure in ``counter`` (a column of failures in a row) and make the account wait.

    The count grows in one ``UPDATE ... SET counter = counter + 1`` and only while the
    account is not waiting, so failures that arrive together are all counted and none
    is counted during a wait. After ``console.max_failed_logins`` failures in a row the
    account waits (1 s, 2 s, 4 s, ... up to ``console.account_delay_seconds``). Used for
    wrong passwords and wrong second-factor codes, each with its own count.

    Returns:
        the failures in a row and the wait they cause, or ``None`` when the account was
        waiting (nothing counted).

    """
    counted = session.execute(
        update(Adviser)
        .where(Adviser.id == adviser.id, not_waiting_at(now))
        .values({counter: counter + 1})
        .execution_options(synchronize_session=False)
    )
    if not _rows(counted):
        session.refresh(adviser)
        return None
    failures = int(session.scalar(select(counter).where(Adviser.id == adviser.id)))
    delay = login_delay(
        failures, free=console.max_failed_logins, longest=console.account_delay_seconds
    )
    if delay:
        until = now + timedelta(seconds=delay)
        session.execute(
            update(Adviser)
            .where(
                Adviser.id == adviser.id,
                or_(Adviser.locked_until.is_(None), Adviser.locked_until < until),
            )
            .values(locked_until=until)
            .execution_options(synchronize_session=False)
        )
    session.refresh(adviser)
    return failures, delay


def unlock_account(session: Session, *, adviser: Adviser) -> bool:
    """End the account's wait and its counts of failures; return whether it had any."""
    had = (
        bool(adviser.failed_logins)
        or bool(adviser.failed_codes)
        or adviser.locked_until is not None
    )
    session.execute(
        update(Adviser)
        .where(Adviser.id == adviser.id)
        .values(failed_logins=0, failed_codes=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(adviser)
    return had


def end_sessions(adviser: Adviser) -> None:
    """Invalidate every console session of the adviser (logout, new password)."""
    adviser.session_epoch = (adviser.session_epoch or 0) + 1


class WeakPasswordError(AccountError):
    """The password is too short, too long, or common (the reason is in ``reason``)."""

    def __init__(self, message: str, reason: str) -> None:
        """Keep the English message (command line) and a reason key (console texts)."""
        super().__init__(message)
        self.reason = reason


def check_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """Raise :class:`WeakPasswordError` unless the password is long enough and not common.

    Common: in the shipped list of common passwords (:mod:`bot.console.common`), one
    of them with digits or punctuation around it, one short part repeated, or the
    account's own username or name.
    """
    if len(password) < MIN_PASSWORD:
        raise WeakPasswordError(
            f"the password needs at least {MIN_PASSWORD} characters", "password_too_short"
        )
    if len(password) > MAX_PASSWORD:
        raise WeakPasswordError(
            f"the password may have at most {MAX_PASSWORD} characters", "password_too_long"
        )
    if not password.strip():
        raise WeakPasswordError("the password cannot be only spaces", "password_too_short")
    if is_common(password, username=username, names=(display_name,) if display_name else ()):
        raise WeakPasswordError(
            "this password is too common (it is on the list of known passwords or made of "
            "one, or names the account): choose another",
            "password_common",
        )


def set_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    passwords: Passwords,
) -> tuple[Adviser, bool]:
    """Create an account, or reset an existing one; return it and whether it is new.

    A reset sets the name, role and password, unlocks the account, enables it and
    ends its open sessions. Its second factor stays (someone who learns the new
    password still needs the adviser's phone): :func:`bot.console.second_factor.reset`
    removes it.
    """
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise AccountError(
            "a username has 2 to 64 characters: letters a-z, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    display = " ".join(display_name.split())
    if not display or len(display) > 80:
        raise AccountError("a display name has 1 to 80 characters")
    check_password(password, username=name, display_name=display)
    adviser = find_adviser(session, name)
    created = adviser is None
    if adviser is None:
        adviser = Adviser(username=name, failed_logins=0, session_epoch=0)
        session.add(adviser)
    else:
        end_sessions(adviser)
    adviser.display_name = display
    adviser.role = role.value
    adviser.password_hash = passwords.hash(password)
    adviser.active = True
    adviser.failed_logins = 0
    adviser.failed_codes = 0
    adviser.locked_until = None
    session.flush()
    return adviser, created


def change_password(
    session: Session, *, adviser: Adviser, password: str, passwords: Passwords
) -> None:
    """Set a new password (checked like every new one) and end every session of the adviser.

    Raises:
        WeakPasswordError: when the password is too short, too long or common.

    """
    check_password(password, username=adviser.username, display_name=adviser.display_name)
    adviser.password_hash = passwords.hash(password)
    end_sessions(adviser)
    session.flush()


def disable_account(session: Session, *, username: str) -> Adviser:
    """Disable an account (it can no longer log in; its cases stay)."""
    adviser = find_adviser(session, username)
    if adviser is None:
        raise AccountError(f"no adviser '{normalise_username(username)}'")
    adviser.active = False
    end_sessions(adviser)
    return adviser
