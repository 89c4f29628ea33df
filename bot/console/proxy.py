"""How the console's waitress server believes a TLS proxy in front of it.

Behind the proxy every request comes from the proxy's address, so the per-address
login throttle would be one bucket for everybody (issue 11, 6). Waitress trusts
``X-Forwarded-For`` and ``X-Forwarded-Proto`` from exactly one address: the one proxy
named in ``server.trusted_proxies``. Any other value (several proxies, a network) is
not something waitress can check, so nothing is trusted then and the caller says so.
"""

from __future__ import annotations

import ipaddress
from typing import Any


def waitress_proxy_options(trusted_proxies: tuple[str, ...]) -> tuple[dict[str, Any], str | None]:
    """Return waitress options for the configured proxies, and a warning or ``None``.

    One single address: waitress takes the client address from the rightmost entry of
    ``X-Forwarded-For`` and the scheme from ``X-Forwarded-Proto`` when the request
    comes from it, and drops those headers from anyone else. None: no proxy is trusted
    (forwarding headers are dropped). Anything else: the same, with a warning.
    """
    untrusted: dict[str, Any] = {"clear_untrusted_proxy_headers": True}
    if not trusted_proxies:
        return untrusted, None
    if len(trusted_proxies) == 1:
        network = ipaddress.ip_network(trusted_proxies[0], strict=False)
        if network.num_addresses == 1:
            return {
                **untrusted,
                "trusted_proxy": str(network.network_address),
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            }, None
    return untrusted, (
        "the console trusts one proxy address only (waitress); server.trusted_proxies "
        f"names {', '.join(trusted_proxies)}: forwarded headers are ignored by the console"
    )
