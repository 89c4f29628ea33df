"""Malformed socket.io traffic is turned away before python-socketio reads it.

Found by fuzzing (``python -m tests.fuzz``): python-engineio 4.15 answers a polling
POST that is not UTF-8 or not a valid engine.io payload with 200 and logs a
traceback, and python-socketio 5.9 logs one for every event packet whose data is
not ``["event name", ...]`` (``42{}``, ``421``, ``42[``). Nothing broke, but every
such packet wrote a traceback into the server's log, where a flood of them would
hide real errors. Here:

* :func:`undecodable_polling_body` checks a polling POST the way engine.io will
  decode it; the channel answers 400 to one that would fail, and to packet types a
  client never sends (engine.io 4 held such a POST open for a minute: a ``2`` or a
  ``6`` tied up the request until the socket's ping time-out);
* :func:`install_packet_check` puts a check in front of python-socketio's handler of
  engine.io messages that drops, with one log line and without content, a packet
  socket.io could not dispatch.
"""

from __future__ import annotations

import binascii
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from engineio import packet as eio_packet
from engineio import payload as eio_payload
from socketio import AsyncServer
from socketio import packet as sio_packet

logger = logging.getLogger(__name__)

# What python-socketio's server dispatches; CONNECT_ERROR and unknown types it refuses
# by raising.
DISPATCHED = {
    sio_packet.CONNECT,
    sio_packet.DISCONNECT,
    sio_packet.EVENT,
    sio_packet.ACK,
    sio_packet.BINARY_EVENT,
    sio_packet.BINARY_ACK,
}
EVENTS = {sio_packet.EVENT, sio_packet.BINARY_EVENT}
ACKS = {sio_packet.ACK, sio_packet.BINARY_ACK}
# What engine.io 4's server accepts from a client (EIO=4: the server pings, the client
# answers). Anything else makes it close the socket, and the POST waits for a poll
# that never comes: up to a minute per request.
FROM_CLIENT = {eio_packet.CLOSE, eio_packet.PONG, eio_packet.MESSAGE, eio_packet.UPGRADE}
DECODE_ERRORS = (ValueError, TypeError, KeyError, IndexError, binascii.Error)


def undecodable_polling_body(body: bytes) -> str | None:
    """Tell why engine.io could not decode a polling POST body, or ``None`` if it can."""
    try:
        text = body.decode("utf-8")
        decoded = eio_payload.Payload(encoded_payload=text)
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    except DECODE_ERRORS:
        return "the body is not an engine.io payload"
    if any(p.packet_type not in FROM_CLIENT for p in decoded.packets):
        return "an engine.io packet type a client does not send"
    return None


def dispatchable(data: Any, packet_class: type[Any] = sio_packet.Packet) -> bool:
    """Whether python-socketio can dispatch this encoded socket.io packet."""
    if not isinstance(data, str):
        return False
    try:
        decoded = packet_class(encoded_packet=data)
    except DECODE_ERRORS:
        return False
    if decoded.packet_type not in DISPATCHED:
        return False
    if decoded.packet_type in EVENTS:
        body = decoded.data
        return isinstance(body, list) and bool(body) and isinstance(body[0], str)
    if decoded.packet_type in ACKS:
        return isinstance(decoded.data, list)
    return True


def install_packet_check(sio: AsyncServer) -> None:
    """Drop undispatchable socket.io packets before ``sio`` handles them."""
    handle: Callable[[str, Any], Awaitable[None]] = sio._handle_eio_message
    pending_attachments: dict[str, Any] = sio._binary_packet

    async def checked(eio_sid: str, data: Any) -> None:
        # Attachments of a binary packet arrive as bytes after its header.
        if eio_sid in pending_attachments or dispatchable(data, sio.packet_class):
            await handle(eio_sid, data)
            return
        logger.info("socket.io: dropped a malformed packet")

    sio.eio.on("message", checked)
