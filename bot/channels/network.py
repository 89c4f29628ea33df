"""Who is asking: the client's address behind a trusted proxy, and who may use the API.

Engine-free rules for the Rasa server's public port (issue 11, items 6 and 8):

* :func:`client_address` believes ``X-Forwarded-For`` only when the peer is one of the
  configured trusted proxies (``server.trusted_proxies``), and then takes the
  rightmost address that is not itself a trusted proxy: the client as the outermost
  trusted proxy saw it. Anything a client writes to the left of that is ignored, so a
  client cannot choose its own rate-limit bucket.
* :func:`is_public_path` names what the world may reach: the channels' webhooks
  (``/webhooks/...``) and the widget's socket (``/socket.io/...``). Everything else on
  the port is Rasa's HTTP API, for :func:`is_local_operator` only: a peer on loopback
  that sent no forwarding header (the console, scripts and tests on the same machine;
  a local TLS proxy always adds ``X-Forwarded-For``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: What the proxy should pass to the Rasa server; the rest is its HTTP API.
WEBHOOK_PREFIX = "/webhooks/"
#: Headers a proxy adds; a request that carries one did not come from a local operator.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """Parse the configured trusted proxies (addresses or networks)."""
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str | None) -> Address | None:
    if not text:
        return None
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Collection[str]) -> str:
    """Return the client's address for rate limits.

    Args:
        peer: the address of the TCP peer.
        forwarded_for: every ``X-Forwarded-For`` header value, in order.
        trusted: the configured trusted proxies (addresses or networks).

    """
    peer_address = _address(peer)
    if peer_address is None:
        return str(peer or UNKNOWN)
    networks = trusted_networks(tuple(trusted))
    if not networks or not _trusted(peer_address, networks):
        return str(peer_address)
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a garbled hop: nothing to its left can be believed
        if not _trusted(address, networks):
            return str(address)
    return str(peer_address)


def is_public_path(path: str, socket_paths: Iterable[str] = ()) -> bool:
    """Whether ``path`` belongs to a channel (webhooks, the widget's socket)."""
    if path.startswith(WEBHOOK_PREFIX):
        return True
    for socket_path in socket_paths:
        base = "/" + socket_path.strip("/")
        if path == base or path.startswith(base + "/"):
            return True
    return False


def is_local_operator(peer: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a request comes straight from this machine: loopback, no proxy headers."""
    address = _address(peer)
    if address is None or not address.is_loopback:
        return False
    names = {name.lower() for name in headers}
    return not any(header in names for header in FORWARDING_HEADERS)
