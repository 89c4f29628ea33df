"""Malformed socket.io and engine.io traffic the fuzzer found (components/channels/packets.py)."""

from __future__ import annotations

import pytest

from components.channels.packets import dispatchable, undecodable_polling_body


@pytest.mark.parametrize(
    "body",
    [b"40", b'42["user_uttered",{"message":"hoi"}]', b"3", b"1", b"40\x1e3", b""],
)
def test_a_polling_body_a_client_sends_passes(body: bytes) -> None:
    assert undecodable_polling_body(body) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"\xa6\x00", "not UTF-8"),
        (b"x", "not an engine.io payload"),
        (b"4\x1e", "not an engine.io payload"),
        (b"babc", "not an engine.io payload"),  # bad base64
        (b"2", "does not send"),  # a ping: engine.io 4 held this POST open for a minute
        (b"6", "does not send"),
        (b"9", "does not send"),
    ],
)
def test_a_polling_body_engine_io_cannot_take_is_refused(body: bytes, problem: str) -> None:
    found = undecodable_polling_body(body)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "packet",
    ['2["user_uttered",{"message":"hoi"}]', '2/chat,7["history_request"]', "0", "1", "3[]"],
)
def test_a_packet_socket_io_can_dispatch_passes(packet: str) -> None:
    assert dispatchable(packet)


@pytest.mark.parametrize(
    "packet", ["2{}", "21", "2[", "2[]", "2[1,2]", "3{}", "4", "7", "x", "", b"2[]", None]
)
def test_a_packet_socket_io_cannot_dispatch_is_dropped(packet: object) -> None:
    assert not dispatchable(packet)
