"""The REST channel (``POST /webhooks/rest/webhook``), hardened.

Compared with Rasa's built-in ``RestInput``: the body is validated (malformed JSON
or wrong fields: 400; too large: 413), rate limits answer 429 with Retry-After,
user text passes the :class:`ChannelGuard`, and the client can no longer choose
the input channel or metadata of its message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.telegram import chat_id_of
from bot.channels.widget import valid_session_id
from components.channels.guard import ChannelGuard
from components.channels.public import ChannelBlueprint, request_address

SENDER_ID = re.compile(r"^[\w.:@-]{1,128}$")


def belongs_to_another_channel(sender: str) -> bool:
    """Whether a conversation id is one a teacher's chat or a widget conversation has.

    A REST client names its conversation, but never one of theirs, so it cannot read
    or write a teacher's chat or a youth worker's widget conversation.
    """
    return chat_id_of(sender) is not None or valid_session_id(sender)


def error(
    status: int,
    message: str,
    *,
    messages: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    """Build a JSON error response (with bot ``messages`` that must reach the user anyway)."""
    body: dict[str, Any] = {"error": message}
    if messages:
        body["messages"] = messages
    return response.json(body, status=status, headers=headers or None)


def client_address(request: Request, trusted_proxies: tuple[str, ...] = ()) -> str:
    """Return the client address of a request.

    ``X-Forwarded-For`` counts only when the peer is one of ``trusted_proxies``
    (``server.trusted_proxies``); otherwise the peer's own address.
    """
    return request_address(request, trusted_proxies)


async def json_object(request: Request, max_bytes: int) -> dict[str, Any] | HTTPResponse:
    """Return the request body as a JSON object, or the error response to send."""
    if len(request.body or b"") > max_bytes:
        return error(413, "request body too large")
    try:
        body = request.json
    except InvalidUsage:
        return error(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        return error(400, "the body must be a JSON object")
    return body


class AdvieslijnRestInput(InputChannel):
    """REST channel: one request, the bot's replies in the response."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel, as Rasa's HTTP API refers to it."""
        return "rest"

    def __init__(self) -> None:
        self.guard: ChannelGuard | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel; it takes no credentials."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Create the routes of the channel."""
        webhook = ChannelBlueprint("advieslijn_rest_webhook", __name__)
        guard = self.guard = self.guard or ChannelGuard()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = await json_object(request, guard.max_body_bytes)
            if isinstance(body, HTTPResponse):
                return body
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not SENDER_ID.match(sender):
                return error(400, "'sender' must be 1-128 letters, digits or . : @ _ -")
            if belongs_to_another_channel(sender):
                return error(400, "'sender' names a conversation of another channel")
            if not isinstance(text, str):
                return error(400, "'message' must be a text")
            agent = request.app.ctx.agent
            collector = CollectingOutputChannel()
            wait = guard.retry_after(sender, client_address(request, guard.trusted_proxies))
            if wait is not None:
                # Over the limit, acute danger still gets 112 (in the 429's body).
                await guard.refuse(agent, sender, None, collector, text=text)
                return error(
                    429,
                    "too many messages",
                    messages=collector.messages,
                    headers={"Retry-After": str(wait)},
                )
            screened = await guard.screen(agent, sender, text)
            if screened.refusal:
                await guard.refuse(agent, sender, screened.refusal, collector, text=text)
            elif screened.text is not None:
                await guard.deliver(
                    agent,
                    UserMessage(screened.text, collector, sender, input_channel=self.name()),
                    on_new_message,
                )
            return response.json(collector.messages)

        return webhook
