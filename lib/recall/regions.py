"""Recall regions and the base URL a client talks to.

Regions are separate deployments: an API key only works in the region that issued it, so the
base URL is always chosen explicitly rather than defaulted.
"""

from __future__ import annotations

from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

# As on Recall's current regions page.
REGIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "us-west-2": "https://us-west-2.recall.ai",  # US pay-as-you-go
        "us-east-1": "https://us-east-1.recall.ai",  # US monthly plan
        "eu-central-1": "https://eu-central-1.recall.ai",  # EU (Frankfurt)
        "ap-northeast-1": "https://ap-northeast-1.recall.ai",  # Japan (Tokyo)
    }
)

# The regions page says the legacy host "will continue to work for the US Monthly plan": it is
# the same deployment as us-east-1, so a workspace configured with it is that region.
REGION_ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {
        "api.recall.ai": "us-east-1",
        "https://api.recall.ai": "us-east-1",
    }
)

# Plain HTTP would expose the API key on the wire; it is only acceptable on this machine
# (the embedded sandbox).
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})


def resolve_base_url(region: str | None, base_url: str | None) -> str:
    """The normalised base URL (scheme and host, no trailing slash) for a region or custom URL.

    An explicit ``base_url`` wins over ``region`` (it is how the sandbox is addressed). A base URL
    given with the ``/api/v1`` suffix is accepted and trimmed. Raises ``ValueError`` for an
    unknown region, a malformed URL, plain HTTP to a non-loopback host, or when neither is given.
    """
    if base_url is not None and base_url.strip():
        return normalize_base_url(base_url)
    if region is not None and region.strip():
        key = canonical_region(region)
        if key not in REGIONS:
            known = ", ".join(REGIONS)
            raise ValueError(f"Unknown Recall region {region!r}; expected one of: {known}.")
        return REGIONS[key]
    raise ValueError("Choose a Recall region or give a base URL.")


def canonical_region(region: str) -> str:
    """The region name for ``region`` or one of its aliases (``api.recall.ai`` is us-east-1);
    anything else is returned trimmed and lower-cased, for the caller to refuse."""
    key = region.strip().lower().rstrip("/")
    return REGION_ALIASES.get(key, key)


def normalize_base_url(base_url: str) -> str:
    """Validate a custom base URL and reduce it to ``scheme://host[:port][/prefix]``."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"Not an http(s) URL: {base_url!r}.")
    if parts.username or parts.password:
        raise ValueError("A Recall base URL must not contain credentials.")
    if parts.query or parts.fragment:
        raise ValueError("A Recall base URL must not contain a query or fragment.")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("Plain http is only allowed for a loopback sandbox; use https.")
    path = parts.path.rstrip("/")
    for suffix in ("/api/v1/calendar", "/api/v1"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def region_of(base_url: str) -> str | None:
    """The preset region a base URL belongs to, or None for a custom URL."""
    normalized = normalize_base_url(base_url)
    for name, url in REGIONS.items():
        if url == normalized:
            return name
    return REGION_ALIASES.get(normalized)
