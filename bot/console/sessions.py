"""The console's session helpers and its collaborators, apart from the app and the views.

The app (:mod:`bot.console.app`) builds a :class:`ConsoleState` and registers the
views; the views (:mod:`bot.console.views`) use the helpers here. Neither imports the
other's module for them, so there is no import cycle between app and views (issue 13).

The session: a signed cookie that names the adviser and the session number, idle
expiry, the absolute lifetime, the half-logged-in state between the password and the
second factor, and the adviser's presence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, session

from bot.caselog.contacts import ContactCipher
from bot.caselog.models import Adviser
from bot.catalogue import CatalogueStore
from bot.console import second_factor
from bot.console.accounts import Passwords
from bot.console.second_factor import SecretBox
from bot.console.texts import Labels
from bot.console.throttle import LoginThrottle
from bot.db import Database
from bot.engine import ConversationEngine
from bot.ratelimit import RateLimits
from bot.settings import Settings

logger = logging.getLogger(__name__)

EXTENSION = "advieslijn_console"
# Presence is written at most this often per adviser (every poll would be a write).
PRESENCE_EVERY = timedelta(seconds=5)
# Between the password and the second factor (or its set-up): the session key, the
# steps, and how long the half-logged-in state lasts. It opens no other page.
PENDING = "pending"
STEP_CODE, STEP_SET_UP = "code", "set_up"
PENDING_MINUTES = 10


@dataclass
class ConsoleState:
    """The console's collaborators, kept on the app (``app.extensions``)."""

    settings: Settings
    database: Database
    engine: ConversationEngine
    catalogue: CatalogueStore
    passwords: Passwords
    login_limits: RateLimits
    throttle: LoginThrottle
    labels: Labels
    clock: Callable[[], datetime]
    cipher: ContactCipher | None
    # The second factor: its own waits after wrong codes, and the key of the secrets.
    code_throttle: LoginThrottle
    box: SecretBox

    # When Rasa was last asked whether it answers, and what it said (see engine_up).
    engine_checked: float = -1e9
    engine_ok: bool = True

    @property
    def idle(self) -> timedelta:
        """How long a session lasts without activity."""
        return timedelta(minutes=self.settings.console.session_minutes)

    @property
    def lifetime(self) -> float:
        """How many seconds a session lasts at most after the login."""
        return self.settings.console.session_max_hours * 3600.0


# Rasa is asked at most this often whether it answers, however many pages poll.
ENGINE_CHECK_SECONDS = 10.0


def engine_up() -> bool:
    """Whether the conversation engine (Rasa) answers; asked at most every few seconds."""
    console = state()
    now = time.monotonic()
    if now - console.engine_checked >= ENGINE_CHECK_SECONDS:
        console.engine_checked = now
        console.engine_ok = console.engine.reachable()
    return console.engine_ok


# The conversations where the last word to the professional that an adviser joined did
# not get through: only there does the case page offer "Meld je opnieuw in de chat".
UNANNOUNCED = "unannounced"


def note_announcement(reference: str, *, delivered: bool) -> None:
    """Remember in the session whether the chat heard that the adviser joined."""
    pending = [r for r in session.get(UNANNOUNCED, []) if isinstance(r, str) and r != reference]
    if not delivered:
        pending.append(reference)
    session[UNANNOUNCED] = pending[-50:]


def announcement_failed(reference: str) -> bool:
    """Whether the last attempt to tell the chat that the adviser joined failed."""
    return reference in session.get(UNANNOUNCED, [])


def state() -> ConsoleState:
    """Return the collaborators of the running app."""
    value: ConsoleState = current_app.extensions[EXTENSION]
    return value


# --- the session -------------------------------------------------------------------


def start_session(adviser: Adviser, *, factor: bool) -> None:
    """Log the adviser in: a fresh session that names the adviser and the session number.

    ``factor`` says whether the login passed a second factor; a session without one
    is refused for an account that has or needs one (:func:`load_adviser`).
    """
    session.clear()
    session.permanent = True
    session["uid"] = adviser.id
    session["epoch"] = adviser.session_epoch or 0
    session["factor"] = factor
    now = state().clock().timestamp()
    session["seen"] = now
    session["since"] = now  # the absolute lifetime counts from the login


def start_pending(adviser: Adviser, *, step: str, next_path: str) -> None:
    """Half log in after the right password: the session names the next step only.

    No page but that step's accepts it (the session has no ``uid``); it lasts
    ``PENDING_MINUTES``, and a new login, a logout or a reset of the account ends it.
    """
    session.clear()
    session.permanent = True
    session[PENDING] = {
        "uid": adviser.id,
        "epoch": adviser.session_epoch or 0,
        "step": step,
        "at": state().clock().timestamp(),
        "next": next_path,
    }


def pending_login(step: str) -> dict[str, Any] | None:
    """Return the half-logged-in state if it is at ``step`` and not too old, else ``None``."""
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return None
    uid, epoch, at = data.get("uid"), data.get("epoch"), data.get("at")
    if not isinstance(uid, int) or not isinstance(epoch, int) or not isinstance(at, (int, float)):
        session.pop(PENDING, None)
        return None
    if state().clock().timestamp() - float(at) > PENDING_MINUTES * 60:
        session.pop(PENDING, None)
        g.session_expired = True
        return None
    if data.get("step") != step:
        return None
    return data


def load_pending(db: Any, pending: dict[str, Any]) -> Adviser | None:
    """Return the account of a half-logged-in session if it is active and was not reset."""
    adviser: Adviser | None = db.get(Adviser, pending["uid"])
    if adviser is None or not adviser.active or pending["epoch"] != adviser.session_epoch:
        session.pop(PENDING, None)
        return None
    return adviser


def current_adviser_id(*, activity: bool) -> int | None:
    """Return the logged-in adviser's id from the signed cookie, or ``None`` when expired.

    Only requests made by the adviser count as activity; the polls of the page
    (``activity=False``) keep no session alive, so a console left alone logs out
    after ``session_minutes`` and stops counting as an adviser who is online.
    """
    uid, seen, since = session.get("uid"), session.get("seen"), session.get("since")
    if not isinstance(uid, int) or not isinstance(seen, (int, float)):
        return None
    console = state()
    now = console.clock().timestamp()
    idle = now - float(seen) > console.idle.total_seconds()
    # However active, a session ends session_max_hours after the login (a stolen
    # cookie kept alive by a script does not last).
    too_old = not isinstance(since, (int, float)) or now - float(since) > console.lifetime
    if idle or too_old:
        session.clear()
        g.session_expired = True
        return None
    if activity:
        session["seen"] = now
    return uid


def load_adviser(db: Any, uid: int) -> Adviser | None:
    """Return the session's adviser if the account is active and the session not ended.

    A session that did not pass a second factor counts only for an account that has
    none and needs none (an adviser where ``second_factor_advisers`` is optional).
    """
    adviser: Adviser | None = db.get(Adviser, uid)
    if adviser is None or not adviser.active or session.get("epoch") != adviser.session_epoch:
        session.clear()
        return None
    if session.get("factor") is not True and second_factor.needed(
        adviser, state().settings.console
    ):
        session.clear()
        return None
    return adviser


def note_presence(db: Any, adviser: Adviser) -> None:
    """Count the adviser as online (written at most every few seconds)."""
    from bot.caselog import service

    now = state().clock()
    if adviser.last_seen_at is None or now - adviser.last_seen_at >= PRESENCE_EVERY:
        service.touch_presence(db, adviser=adviser)
