"""Serve the adviser console with waitress: ``python -m bot.console`` (``make run`` does)."""

from __future__ import annotations

import sys

from waitress import serve

from bot.console.app import create_app
from bot.console.proxy import waitress_proxy_options
from bot.console.texts import LabelsError
from bot.logsafe import configure as configure_logging
from bot.logsafe import install as install_log_scrubber
from bot.privacy import warm_up
from bot.settings import SettingsError, declare_process, get_settings


def main() -> int:
    """Start the console on ``settings.server.host``:``console_port`` until stopped."""
    # Every record scrubbed (bot/logsafe.py): no token, no typed text in the console's log.
    install_log_scrubber()
    try:
        declare_process("console")  # only the console's secrets (bot/settings.py)
        settings = get_settings()
        configure_logging(settings.log_level, settings.secrets.log_key)
        app = create_app(settings)
    except (SettingsError, LabelsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Notes and messages are de-identified before they are stored: build the model now,
    # not during an adviser's first reply.
    warm_up()
    server = settings.server
    proxy_options, warning = waitress_proxy_options(server.trusted_proxies)
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    print(f"Adviser console on http://{server.host}:{server.console_port}/", flush=True)
    serve(
        app,
        host=server.host,
        port=server.console_port,
        threads=8,
        ident="advieslijn-console",
        max_request_body_size=settings.limits.max_body_bytes,
        **proxy_options,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
