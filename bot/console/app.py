"""The adviser console: a Flask app built from the settings and its collaborators.

:func:`create_app` receives everything it talks to (settings, database, the
conversation engine, the catalogue, the password hasher, the clock), so tests pass
their own and nothing is created at import. Security that applies to every
request is set up here: CSRF protection, the session cookie's settings, login
throttling per client address and the response headers. The session helpers live in
:mod:`bot.console.sessions` and the error pages in :mod:`bot.console.errors`, so the
views never import this module (and this module imports the views only to register
them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from bot.caselog.contacts import ContactCipher, ContactError
from bot.caselog.models import utcnow
from bot.catalogue import CatalogueStore
from bot.console.accounts import Passwords
from bot.console.errors import http_error, wants_json
from bot.console.second_factor import SecondFactorError, SecretBox
from bot.console.sessions import (
    EXTENSION,
    ConsoleState,
    state,
)
from bot.console.texts import load_labels
from bot.console.throttle import LoginThrottle
from bot.db import Database, get_database
from bot.engine import ConversationEngine
from bot.ratelimit import RateLimits
from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


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


def _csrf_error(error: CSRFError) -> tuple[Any, int]:
    message = state().labels.message("csrf_failed")
    if wants_json():
        return jsonify({"error": message}), 400
    return render_template("error.html", status=400, message=message), 400
