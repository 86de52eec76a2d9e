"""Is a URL on this machine? Decides whether a configured sandbox really is a local emulator.

Only literal loopback addresses and the name ``localhost`` count. Nothing is resolved: a host
name that happens to point at 127.0.0.1 today (or a DNS-rebinding name) is treated as remote, so
a mistake can only ever make the console stricter (live mode), never looser.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8, ``::1`` and IPv4-mapped loopback addresses."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def is_loopback_url(url: str) -> bool:
    """True when ``url`` is an http(s) URL whose host is a loopback address."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and is_loopback_host(host or "")
