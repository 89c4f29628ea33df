"""The demo website with the chat widget embedded, as a real site would embed it.

``python -m bot.web`` serves, on ``server.host:server.web_port`` (waitress):

* ``/`` - a page that explains the advice line and embeds the widget with ONE script
  tag plus a ``<script type="application/json">`` configuration block (no inline
  executable script), filled from the settings (socket URL, input limit);
* ``/widget/...`` - the widget (``web/widget/``) and the third-party code it runs on,
  installed by ``npm ci`` from ``web/package-lock.json`` (nothing is fetched from the
  internet at run time); these files may be loaded by other sites;
* ``/health`` - readiness.

Only the files listed in :data:`FILES` are served (no path from the URL ever reaches
the file system). Every answer carries the security headers of :func:`security_headers`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.settings import Settings, SettingsError, declare_process, get_settings

StartResponse = Callable[..., Any]
WEB_DIR = "web"
CONFIG_MARKER = "<!-- advieslijn-config -->"


@dataclass(frozen=True)
class StaticFile:
    """One file the site serves: where it lives under ``web/`` and its media type."""

    path: str
    media_type: str
    shared: bool = False  # True: other sites may load it (the widget's files)


FILES: dict[str, StaticFile] = {
    "/site.css": StaticFile("site/site.css", "text/css; charset=utf-8"),
    "/widget/advieslijn-widget.js": StaticFile(
        "widget/advieslijn-widget.js", "text/javascript; charset=utf-8", shared=True
    ),
    "/widget/advieslijn-widget.css": StaticFile(
        "widget/advieslijn-widget.css", "text/css; charset=utf-8", shared=True
    ),
    "/widget/labels.nl.json": StaticFile(
        "widget/labels.nl.json", "application/json; charset=utf-8", shared=True
    ),
    "/widget/vendor/deep-chat.js": StaticFile(
        "node_modules/deep-chat/dist/deepChat.bundle.js",
        "text/javascript; charset=utf-8",
        shared=True,
    ),
    "/widget/vendor/socket.io.esm.min.js": StaticFile(
        "node_modules/socket.io-client/dist/socket.io.esm.min.js",
        "text/javascript; charset=utf-8",
        shared=True,
    ),
}
PAGE = "site/index.html"


class WebSetupError(RuntimeError):
    """A file the site needs is missing (``npm ci`` not run, or an incomplete checkout)."""


def socket_origins(public_rasa_url: str) -> list[str]:
    """Return the CSP ``connect-src`` sources for the Rasa server (HTTP and WebSocket)."""
    parts = urlsplit(public_rasa_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"public_rasa_url '{public_rasa_url}' must be an http(s) address")
    socket_scheme = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{socket_scheme}://{parts.netloc}"]


def security_headers(settings: Settings) -> list[tuple[str, str]]:
    """Return the headers every answer of the site carries."""
    connect = " ".join(["'self'", *socket_origins(settings.server.public_rasa_url)])
    policy = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            # deep-chat styles its shadow DOM with <style> elements and style attributes.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]


def config_block(settings: Settings) -> str:
    """Return the page's widget configuration as a non-executable JSON script block."""
    config = {
        "socketUrl": settings.server.public_rasa_url,
        "socketPath": "/socket.io/",
        "maxMessageChars": settings.limits.max_message_chars,
    }
    text = json.dumps(config, ensure_ascii=True)
    # Nothing in JSON may end the script element early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="advieslijn-config">{text}</script>'


class Site:
    """The WSGI application of the demo site; files are read once at start."""

    def __init__(self, settings: Settings, web_dir: Path | None = None) -> None:
        base = web_dir or settings.root / WEB_DIR
        missing = [f.path for f in FILES.values() if not (base / f.path).is_file()]
        if not (base / PAGE).is_file():
            missing.append(PAGE)
        if missing:
            raise WebSetupError(
                f"missing in {base}: {', '.join(missing)} (run 'make' to install the widget's "
                "dependencies with npm ci)"
            )
        page = (base / PAGE).read_text(encoding="utf-8")
        if CONFIG_MARKER not in page:
            raise WebSetupError(f"{base / PAGE} has no {CONFIG_MARKER} marker")
        self.page = page.replace(CONFIG_MARKER, config_block(settings)).encode("utf-8")
        self.files = {url: (f, (base / f.path).read_bytes()) for url, f in FILES.items()}
        self.headers = security_headers(settings)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request."""
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        if method not in {"GET", "HEAD"}:
            return self._answer(
                start_response,
                "405 Method Not Allowed",
                b"",
                "text/plain",
                [("Allow", "GET, HEAD")],
                method,
            )
        if path in {"/", "/index.html"}:
            return self._answer(
                start_response,
                "200 OK",
                self.page,
                "text/html; charset=utf-8",
                [("Cache-Control", "no-cache")],
                method,
            )
        if path == "/health":
            return self._answer(
                start_response,
                "200 OK",
                b'{"status": "ok"}',
                "application/json",
                [("Cache-Control", "no-store")],
                method,
            )
        found = self.files.get(path)
        if found is None:
            return self._answer(
                start_response,
                "404 Not Found",
                b"niet gevonden\n",
                "text/plain; charset=utf-8",
                [],
                method,
            )
        static, body = found
        extra = [("Cache-Control", "public, max-age=300")]
        if static.shared:
            extra.append(("Access-Control-Allow-Origin", "*"))
        return self._answer(start_response, "200 OK", body, static.media_type, extra, method)

    def _answer(
        self,
        start_response: StartResponse,
        status: str,
        body: bytes,
        media_type: str,
        extra: list[tuple[str, str]],
        method: str,
    ) -> list[bytes]:
        headers = [
            ("Content-Type", media_type),
            ("Content-Length", str(len(body))),
            *self.headers,
            *extra,
        ]
        start_response(status, headers)
        return [b""] if method == "HEAD" else [body]


def main() -> int:
    """Serve the demo site until stopped (``make run`` starts it as the "web" service)."""
    import waitress

    try:
        declare_process("web")  # no secret at all (bot/settings.py)
        settings = get_settings()
        site = Site(settings)
    except (WebSetupError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    server = settings.server
    waitress.serve(
        site,
        host=server.host,
        port=server.web_port,
        threads=4,
        ident="advieslijn",
        max_request_body_size=1024,
        clear_untrusted_proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
