"""Run the rasa-sdk action server for ``actions/``, reachable only with the shared secret.

``python -m rasa_sdk`` binds to 0.0.0.0 and accepts any caller. This launcher binds
to the configured host (localhost by default) and rejects every call to
``/webhook`` that lacks the ``X-Advieslijn-Action-Secret`` header that Rasa sends
(``endpoints.yml``); ``/health`` stays open for readiness checks.

    python -m components.action_server
"""

from __future__ import annotations

import hmac
import sys

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import privacy
from bot.logsafe import configure as configure_logging
from bot.settings import SettingsError, declare_process, get_settings

SECRET_HEADER = "X-Advieslijn-Action-Secret"
# Rasa sends the whole tracker and the domain with every call, far more than the
# public limit on a user's message (SANIC_REQUEST_MAX_SIZE, meant for the Rasa server).
REQUEST_MAX_BYTES = 32 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


def build_app(secret: str) -> Sanic:
    """Create the action server app for the ``actions`` package, guarded by ``secret``."""
    app: Sanic = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return response.json({"error": "forbidden"}, status=403)
        return None

    app.register_middleware(require_secret, "request")
    return app


def main() -> None:
    """Start the action server on the configured host and port."""
    try:
        declare_process("actions")  # only the action server's secrets (bot/settings.py)
        settings = get_settings()
        configure_logging(settings.log_level, settings.secrets.log_key)
        app = build_app(settings.secrets.require("action_secret"))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    # The actions de-identify text for the case log: build the model before the
    # server reports ready, not in the first escalation.
    privacy.warm_up().join()
    app.run(
        host=settings.server.host,
        port=settings.server.action_port,
        workers=1,
        access_log=False,
    )


if __name__ == "__main__":
    main()
