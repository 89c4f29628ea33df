"""The Rasa server's public side: only the channels, and client addresses behind a proxy.

Rasa serves its HTTP API (``/conversations``, ``/model``, ``/status``, ``/version``,
``/``, ...) on the same port as the channels. :func:`install_api_guard` adds a Sanic
request middleware, once per app, from the channels' blueprints (they are registered
before the server starts): a request for anything but a channel's path answers 404
unless it comes from loopback without forwarding headers
(:func:`bot.channels.network.is_local_operator`). The console, the scripts and the
tests talk to the API from loopback and keep working; the world, through the TLS
proxy, reaches the webhooks and the widget's socket only. Rules in
:mod:`bot.channels.network`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import network

logger = logging.getLogger(__name__)

NOT_FOUND = "not found"


def request_address(request: Request, trusted: Collection[str]) -> str:
    """Return a request's client address (``X-Forwarded-For`` only from a trusted proxy)."""
    forwarded = request.headers.getall("x-forwarded-for", [])
    return network.client_address(str(request.ip or ""), forwarded, trusted)


def install_api_guard(app: Sanic, socket_path: str | None = None) -> None:
    """Refuse Rasa's HTTP API to everyone but local operators (idempotent per app).

    Args:
        app: the Rasa server's Sanic app.
        socket_path: a socket.io path to add to the public paths.

    """
    socket_paths: set[str] | None = getattr(app.ctx, "advieslijn_socket_paths", None)
    if socket_paths is None:
        socket_paths = app.ctx.advieslijn_socket_paths = set()

        async def only_channels_in_public(request: Request) -> HTTPResponse | None:
            if network.is_public_path(request.path, socket_paths or ()):
                return None
            if network.is_local_operator(request.ip, request.headers):
                return None
            logger.info("refused a public request for the HTTP API")
            return response.json({"error": NOT_FOUND}, status=404)

        app.register_middleware(only_channels_in_public, "request")
    if socket_path:
        socket_paths.add(socket_path)


class ChannelBlueprint(Blueprint):
    """A channel's blueprint that puts :func:`install_api_guard` on the app it joins."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        """Install the guard, then register the channel's routes."""
        install_api_guard(app)
        super().register(app, options)  # type: ignore[no-untyped-call]
