"""The second factor of console accounts: TOTP (RFC 6238) and one-time recovery codes.

After the password, an account with a second factor gives the six-digit code of an
authenticator app, or one of its ten recovery codes. Coordinators must set one up
before they can use the console; advisers too, unless
``console.second_factor_advisers`` is ``optional``.

* **Set-up**: the console makes a random secret (160 bits), stores it encrypted and
  shows it (as text and as an ``otpauth://`` URI); it counts only after the adviser
  confirmed it with a valid code. Then ten recovery codes are made and shown once;
  only their argon2 hashes are stored.
* **Codes**: 30-second time steps, one step of clock drift either way; a code is
  accepted only for a time step later than the last one accepted (stored per
  account), so a code that was used (or seen) is never accepted again.
* **Wrong codes** count per account (``failed_codes``, apart from the wrong
  passwords: a right password must not reset it) and cause the same growing waits
  as wrong passwords (:func:`bot.console.accounts.count_failure`); the console adds
  waits per address (:class:`bot.console.throttle.LoginThrottle`).
* **Encryption at rest**: the secrets are Fernet tokens under a key derived from the
  ``contact_key`` secret with HKDF-SHA256 and a label of its own, so a token of one
  kind never decrypts as the other, and the secret needs no new key file (SECURITY.md).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.caselog.models import Adviser, RecoveryCode
from bot.console.accounts import Passwords, count_failure, end_sessions, not_waiting_at
from bot.settings import ConsoleSettings

ISSUER = "Advieslijn"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # one time step before or after the server's is accepted too
RECOVERY_CODES = 10
# Recovery codes: 10 characters (about 50 bits) without look-alikes (0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
TOTP_CODE = re.compile(r"^[0-9]{6}$")
RECOVERY_CODE = re.compile(rf"^[{RECOVERY_ALPHABET}]{{{RECOVERY_LENGTH}}}$")
MAX_CODE_INPUT = 64
KEY_LABEL = b"advieslijn console: TOTP secrets v1"


class SecondFactorError(ValueError):
    """A second factor cannot be set up or read (no or wrong key, already set up)."""


class SecretBox:
    """Encrypts TOTP secrets with a key derived from the ``contact_key`` secret."""

    def __init__(self, contact_key: str) -> None:
        """Derive the key (HKDF-SHA256 with this module's own label)."""
        try:
            master = base64.urlsafe_b64decode(contact_key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise SecondFactorError("contact_key is not a valid Fernet key") from exc
        if len(master) != 32:
            raise SecondFactorError("contact_key is not a valid Fernet key")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_LABEL).derive(
            master
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        """Return the encrypted form of a secret."""
        return self._fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def open(self, token: str) -> str:
        """Return the secret, or raise :class:`SecondFactorError`."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError) as exc:
            raise SecondFactorError("the TOTP secret cannot be decrypted with this key") from exc


def required(adviser: Adviser, console: ConsoleSettings) -> bool:
    """Whether the account cannot use the console without a second factor."""
    return adviser.is_coordinator or console.second_factor_advisers == "required"


def needed(adviser: Adviser, console: ConsoleSettings) -> bool:
    """Whether a session of this account must have passed a second factor."""
    return adviser.has_second_factor or required(adviser, console)


def normalise(code: str) -> str:
    """Return a typed code without spaces and dashes, in lower case."""
    return re.sub(r"[\s-]+", "", code[:MAX_CODE_INPUT]).lower()


def grouped(text: str, size: int = 4) -> str:
    """Return ``text`` in groups of ``size`` characters, for reading and typing."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def provisioning_uri(secret: str, username: str) -> str:
    """Return the ``otpauth://`` URI of the secret for an authenticator app."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """Return the time step whose code ``code`` is (within the drift), or ``None``."""
    if not TOTP_CODE.match(code):
        return None
    try:
        return pyotp.TOTP(secret, interval=STEP_SECONDS).verify_and_get_timecode(
            code, for_time=now, valid_window=DRIFT_STEPS
        )
    except (OTPVerificationError, ValueError):
        return None


def pending_secret(session: Session, adviser: Adviser, box: SecretBox) -> str:
    """Return the secret being set up for the account, made now if there is none yet.

    The same secret is shown until it is confirmed (a reload keeps it); two pages
    opened at once get the same one.

    Raises:
        SecondFactorError: when the account's second factor is set up already.

    """
    if adviser.has_second_factor:
        raise SecondFactorError("the second factor is set up already")
    if adviser.totp_secret is not None:
        try:
            return box.open(adviser.totp_secret)
        except SecondFactorError:  # the key changed: start again with a new secret
            adviser.totp_secret = None
            session.flush()
    session.execute(
        update(Adviser)
        .where(Adviser.id == adviser.id, Adviser.totp_secret.is_(None))
        .values(totp_secret=box.seal(pyotp.random_base32(32)))
        .execution_options(synchronize_session=False)
    )
    session.refresh(adviser)
    assert adviser.totp_secret is not None
    return box.open(adviser.totp_secret)


@dataclass(frozen=True)
class CodeResult:
    """The outcome of a code (the reason is for the log, never for the page)."""

    ok: bool
    reason: str
    recovery_used: bool = False
    recovery_left: int = 0
    # After a set-up: the new recovery codes, to be shown once.
    recovery_codes: tuple[str, ...] = ()


def _waiting(adviser: Adviser, now: datetime) -> bool:
    return adviser.locked_until is not None and adviser.locked_until > now


def _failed(
    session: Session, adviser: Adviser, reason: str, console: ConsoleSettings, now: datetime
) -> CodeResult:
    counted = count_failure(
        session, adviser, counter=Adviser.failed_codes, console=console, now=now
    )
    if counted is None:
        return CodeResult(False, f"{reason}; the account was waiting")
    failures, delay = counted
    waits = f"; waits {delay:.0f} s" if delay else ""
    return CodeResult(False, f"{reason} ({failures} in a row{waits})")


def new_recovery_codes(session: Session, adviser: Adviser, passwords: Passwords) -> list[str]:
    """Replace the account's recovery codes by new ones; return them (stored as hashes only)."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    session.execute(delete(RecoveryCode).where(RecoveryCode.adviser_id == adviser.id))
    session.add_all(
        RecoveryCode(adviser_id=adviser.id, code_hash=passwords.hash(code)) for code in codes
    )
    session.flush()
    return [grouped(code, 5).replace(" ", "-") for code in codes]


def recovery_left(session: Session, adviser: Adviser) -> int:
    """Return how many unused recovery codes the account has."""
    return int(
        session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.adviser_id == adviser.id)
        )
    )


def confirm(
    session: Session,
    adviser: Adviser,
    code: str,
    *,
    box: SecretBox,
    passwords: Passwords,
    console: ConsoleSettings,
    now: datetime,
) -> CodeResult:
    """Confirm the set-up with a code of the pending secret; then make the recovery codes.

    From then on the second factor is asked at every login; the code's time step
    counts as used.
    """
    if adviser.has_second_factor:
        return CodeResult(False, "the second factor is set up already")
    if adviser.totp_secret is None:
        return CodeResult(False, "no set-up was started")
    if _waiting(adviser, now):
        return CodeResult(False, "account waiting after failures")
    sealed = adviser.totp_secret
    try:
        secret = box.open(sealed)
    except SecondFactorError:
        return CodeResult(False, "the pending secret cannot be decrypted (another contact_key?)")
    step = matching_step(secret, normalise(code), now)
    if step is None:
        return _failed(session, adviser, "wrong code in the set-up", console, now)
    changed = session.execute(
        update(Adviser)
        .where(
            Adviser.id == adviser.id,
            Adviser.totp_confirmed_at.is_(None),
            Adviser.totp_secret == sealed,
            not_waiting_at(now),
        )
        .values(totp_confirmed_at=now, totp_last_step=step, failed_codes=0)
        .execution_options(synchronize_session=False)
    )
    session.refresh(adviser)
    if not int(getattr(changed, "rowcount", 0)):
        return CodeResult(False, "the set-up changed meanwhile")
    codes = new_recovery_codes(session, adviser, passwords)
    return CodeResult(
        True, "second factor set up", recovery_left=len(codes), recovery_codes=tuple(codes)
    )


def check(
    session: Session,
    adviser: Adviser,
    code: str,
    *,
    box: SecretBox,
    passwords: Passwords,
    console: ConsoleSettings,
    now: datetime,
) -> CodeResult:
    """Check the second step of a login: a code of the app, or a recovery code (used up).

    A code counts only for a time step later than the last one accepted. The
    account's count of wrong codes and its wait are decided in SQL, as for passwords:
    guesses sent together get no more tries than one after another.
    """
    if not adviser.has_second_factor or adviser.totp_secret is None:
        return CodeResult(False, "no second factor set up")
    if _waiting(adviser, now):
        return CodeResult(False, "account waiting after failures")
    typed = normalise(code)
    if TOTP_CODE.match(typed):
        try:
            secret = box.open(adviser.totp_secret)
        except SecondFactorError:  # only the recovery codes still work: say so in the log
            return CodeResult(False, "the secret cannot be decrypted (another contact_key?)")
        step = matching_step(secret, typed, now)
        if step is None:
            return _failed(session, adviser, "wrong code", console, now)
        fresh = or_(Adviser.totp_last_step.is_(None), Adviser.totp_last_step < step)
        changed = session.execute(
            update(Adviser)
            .where(Adviser.id == adviser.id, not_waiting_at(now), fresh)
            .values(totp_last_step=step, failed_codes=0)
            .execution_options(synchronize_session=False)
        )
        session.refresh(adviser)
        if int(getattr(changed, "rowcount", 0)):
            return CodeResult(True, "code")
        if _waiting(adviser, now):
            return CodeResult(False, "account waiting after failures")
        return _failed(session, adviser, "code of a time step used before", console, now)
    if RECOVERY_CODE.match(typed):
        rows = session.scalars(
            select(RecoveryCode).where(RecoveryCode.adviser_id == adviser.id)
        ).all()
        for row in rows:
            if not passwords.verify(row.code_hash, typed):
                continue
            used = session.execute(
                delete(RecoveryCode)
                .where(RecoveryCode.id == row.id)
                .execution_options(synchronize_session=False)
            )
            if not int(getattr(used, "rowcount", 0)):
                break  # used by a login at the same moment
            adviser.failed_codes = 0
            session.flush()
            left = recovery_left(session, adviser)
            return CodeResult(True, "recovery code", recovery_used=True, recovery_left=left)
        return _failed(session, adviser, "wrong recovery code", console, now)
    return _failed(session, adviser, "not a code", console, now)


def reset(session: Session, adviser: Adviser) -> bool:
    """Remove the account's second factor and recovery codes; end its sessions.

    The next login sets up a new one (where one is required). Returns whether there
    was one (set up, or a set-up started).
    """
    had = adviser.totp_secret is not None
    adviser.totp_secret = None
    adviser.totp_confirmed_at = None
    adviser.totp_last_step = None
    adviser.failed_codes = 0
    session.execute(delete(RecoveryCode).where(RecoveryCode.adviser_id == adviser.id))
    end_sessions(adviser)
    session.flush()
    return had
