"""The adviser console: a Flask app built from the settings and its collaborators.

:func:`create_app` receives everything it talks to (settings, database, the
conversation engine, the catalogue, the password hasher, the clock), so tests pass
their own and nothing is created at import. Security that applies to every
request lives here: the session (signed cookie, idle expiry, ended by logout, the
half-logged-in state between the password and the second factor), CSRF protection,
login throttling per client address and the response headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from bot.caselog.contacts import ContactCipher, ContactError
from bot.caselog.models import Adviser, utcnow
from bot.catalogue import CatalogueStore
from bot.console import second_factor
from bot.console.accounts import Passwords
from bot.console.second_factor import SecondFactorError, SecretBox
from bot.console.texts import Labels, load_labels
from bot.console.throttle import LoginThrottle
from bot.db import Database, get_database
from bot.engine import ConversationEngine
from bot.ratelimit import RateLimits
from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

EXTENSION = "advieslijn_console"
# Presence is written at most this often per adviser (every poll would be a write).
PRESENCE_EVERY = timedelta(seconds=5)
# Between the password and the second factor (or its set-up): the session key, the
# steps, and how long the half-logged-in state lasts. It opens no other page.
PENDING = "pending"
STEP_CODE, STEP_SET_UP = "code", "set_up"
PENDING_MINUTES = 10
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


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

    @property
    def idle(self) -> timedelta:
        """How long a session lasts without activity."""
        return timedelta(minutes=self.settings.console.session_minutes)

    @property
    def lifetime(self) -> float:
        """How many seconds a session lasts at most after the login."""
        return self.settings.console.session_max_hours * 3600.0


def state() -> ConsoleState:
    """Return the collaborators of the running app."""
    from flask import current_app

    value: ConsoleState = current_app.extensions[EXTENSION]
    return value


def _cipher(settings: Settings) -> ContactCipher | None:
    key = settings.secrets.contact_key
    if not key:
        return None
    try:
        return ContactCipher(key)
    except ContactError:
        logger.error("contact_key is not a valid key: call-back contacts cannot be shown")
        return None


def _secret_box(settings: Settings) -> SecretBox:
    """Return the key of the TOTP secrets (derived from ``contact_key``, which is required)."""
    try:
        return SecretBox(settings.secrets.require("contact_key"))
    except SecondFactorError as exc:
        raise SettingsError(f"{exc}: the console cannot keep second factors") from exc


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    engine: ConversationEngine | None = None,
    catalogue: CatalogueStore | None = None,
    passwords: Passwords | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Flask:
    """Build the console app.

    Args:
        settings: the settings (``console`` section, secrets, database, Rasa address).
        database: the case log (default: the configured one).
        engine: the client of the conversation engine (default: Rasa at
            ``settings.rasa_url`` with the ``rasa_token`` secret).
        catalogue: the resource catalogue, for the titles of recommended resources.
        passwords: the password hasher.
        clock: the current time (tests move it forward).

    Raises:
        SettingsError: when the console's secret key, the contact key (the second
            factors' secrets are encrypted with a key derived from it) or the Rasa
            token is not set.

    """
    app = Flask(__name__)
    secure = settings.console.cookie_secure
    app.config.update(
        SECRET_KEY=settings.secrets.require("console_secret_key"),
        # A __Host- cookie is only accepted over https, for this host, path /.
        SESSION_COOKIE_NAME="__Host-advieslijn-console" if secure else "advieslijn-console",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.console.session_minutes),
        MAX_CONTENT_LENGTH=settings.limits.max_body_bytes,
        # The token is bound to the session, which expires on its own.
        WTF_CSRF_TIME_LIMIT=None,
        # With Referrer-Policy no-referrer browsers send no Referer, which Flask-WTF's
        # strict https check demands; SameSite=Strict and the token protect instead.
        WTF_CSRF_SSL_STRICT=False,
        TEMPLATES_AUTO_RELOAD=False,
        JSON_SORT_KEYS=False,
    )
    app.jinja_env.autoescape = True
    app.extensions[EXTENSION] = ConsoleState(
        settings=settings,
        database=database or get_database(settings),
        engine=engine
        or ConversationEngine(settings.rasa_url, settings.secrets.require("rasa_token")),
        catalogue=catalogue or CatalogueStore(settings.catalogue_path),
        passwords=passwords or Passwords(),
        login_limits=RateLimits(
            per_conversation=settings.console.login_rate,
            per_address=settings.console.login_rate,
            storage_uri=settings.limits.storage,
        ),
        throttle=LoginThrottle(
            free=settings.console.max_failed_logins,
            longest=settings.console.lockout_minutes * 60,
        ),
        labels=load_labels(),
        clock=clock,
        cipher=_cipher(settings),
        code_throttle=LoginThrottle(
            free=settings.console.max_failed_logins,
            longest=settings.console.lockout_minutes * 60,
        ),
        box=_secret_box(settings),
    )
    CSRFProtect(app)

    from bot.console.views import blueprint

    app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, http_error)
    return app


def _healthz() -> Response:
    """Readiness: the app answers and the database is reachable."""
    try:
        with state().database.session_scope() as db:
            db.execute(text("SELECT 1"))
    except Exception:  # any database failure means not ready
        logger.exception("database not reachable")
        return Response('{"status": "database unavailable"}', 503, mimetype="application/json")
    return jsonify({"status": "ok"})


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.endpoint == "static":
        headers["Cache-Control"] = "no-cache"
    else:
        # Pages and polls carry case data: never kept by the browser or a proxy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def wants_json() -> bool:
    """Whether the request comes from the browser code (the JSON polls)."""
    return request.path.startswith("/api/")


def _csrf_error(error: CSRFError) -> tuple[Any, int]:
    message = state().labels.message("csrf_failed")
    if wants_json():
        return jsonify({"error": message}), 400
    return render_template("error.html", status=400, message=message), 400


def http_error(error: HTTPException) -> tuple[Any, int]:
    """Answer an HTTP error with a Dutch page (or JSON for the polls)."""
    status = error.code or 500
    messages = {
        403: "Je hebt geen toegang tot deze pagina of zaak.",
        404: "Deze pagina of zaak bestaat niet.",
        405: "Deze handeling kan zo niet.",
        413: "Wat je verstuurde is te groot.",
        429: "Te veel verzoeken. Wacht even en probeer het opnieuw.",
    }
    message = messages.get(status, error.description or "Er ging iets mis.")
    if wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", status=status, message=message), status


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
