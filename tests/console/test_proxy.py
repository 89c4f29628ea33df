"""The console behind a TLS proxy: client addresses from the one trusted proxy only."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from waitress.server import create_server

from bot.console.proxy import waitress_proxy_options


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]


@contextmanager
def _server(options: dict[str, Any]) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(_app, host="127.0.0.1", port=port, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.close()


def _seen(url: str, **headers: str) -> str:
    return requests.get(url, headers=headers, timeout=5).text


def test_clients_behind_the_trusted_proxy_keep_their_own_addresses() -> None:
    options, warning = waitress_proxy_options(("127.0.0.1",))
    assert warning is None
    with _server(options) as url:
        # two professionals behind the same proxy: two addresses, two throttle buckets
        assert _seen(url, **{"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7 http"
        assert _seen(url, **{"X-Forwarded-For": "198.51.100.2"}) == "198.51.100.2 http"
        # the proxy's own view of the scheme is believed (HSTS and secure cookies)
        assert _seen(url, **{"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}) == (
            "203.0.113.7 https"
        )
        # a client cannot pick another bucket by adding addresses on the left
        assert _seen(url, **{"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}) == "203.0.113.7 http"


@pytest.mark.parametrize(
    "trusted", [(), ("192.0.2.10",), ("10.0.0.0/8",), ("10.0.0.1", "10.0.0.2")]
)
def test_forwarded_headers_from_anyone_else_are_ignored(trusted: tuple[str, ...]) -> None:
    options, warning = waitress_proxy_options(trusted)
    assert (warning is None) == (len(trusted) <= 1 and "/" not in "".join(trusted))
    with _server(options) as url:
        forged = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        assert _seen(url, **forged) == "127.0.0.1 http"
