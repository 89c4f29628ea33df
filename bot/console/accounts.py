"""Adviser accounts: argon2 password hashes, login with lock-out, account set-up.

A login fails with one and the same answer whether the username is unknown, the
password is wrong, the account is disabled or locked: nobody learns from the
console which accounts exist. An unknown username still costs one argon2
verification, so timing does not tell either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.caselog.models import Adviser, Role, utcnow
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


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    passwords: Passwords,
    console: ConsoleSettings,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login; count failures and lock the account after too many.

    After ``console.max_failed_logins`` wrong passwords in a row the account is
    locked for ``console.lockout_minutes``; during the lock even the right
    password is refused (and not counted), after it the count starts again.
    """
    now = now or utcnow()
    adviser = find_adviser(session, username) if username.strip() else None
    if adviser is None or not adviser.active or len(password) > MAX_PASSWORD:
        passwords.waste_time(password[:MAX_PASSWORD])
        return LoginResult(None, "unknown or disabled account")
    if adviser.locked_until is not None and adviser.locked_until > now:
        passwords.waste_time(password)
        return LoginResult(None, "account locked")
    if not passwords.verify(adviser.password_hash, password):
        # Counted in SQL, so attempts that arrive together are all counted.
        session.execute(
            update(Adviser)
            .where(Adviser.id == adviser.id)
            .values(failed_logins=Adviser.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(adviser)
        if adviser.failed_logins >= console.max_failed_logins:
            adviser.locked_until = now + timedelta(minutes=console.lockout_minutes)
            adviser.failed_logins = 0
            return LoginResult(None, "wrong password; account now locked")
        return LoginResult(None, "wrong password")
    adviser.failed_logins = 0
    adviser.locked_until = None
    if passwords.needs_rehash(adviser.password_hash):
        adviser.password_hash = passwords.hash(password)
    return LoginResult(adviser, "ok")


def end_sessions(adviser: Adviser) -> None:
    """Invalidate every console session of the adviser (logout, new password)."""
    adviser.session_epoch = (adviser.session_epoch or 0) + 1


def check_password(password: str) -> None:
    """Raise :class:`AccountError` unless the password is long enough."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password may have at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise AccountError("the password cannot be only spaces")


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
    ends its open sessions.
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
    check_password(password)
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
    adviser.locked_until = None
    session.flush()
    return adviser, created


def disable_account(session: Session, *, username: str) -> Adviser:
    """Disable an account (it can no longer log in; its cases stay)."""
    adviser = find_adviser(session, username)
    if adviser is None:
        raise AccountError(f"no adviser '{normalise_username(username)}'")
    adviser.active = False
    end_sessions(adviser)
    return adviser
