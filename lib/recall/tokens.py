"""Cache of calendar auth tokens per (base URL, user_id).

A calendar token is valid for 24 hours and can be minted any number of times, but minting costs
an ``authenticate`` call (300/min per workspace). Tokens are reused until shortly before they
expire. The expiry is read from the token's ``exp`` claim when it is a JWT (unverified: only the
server can verify it, and an early expiry merely costs a re-mint); otherwise 24 hours from minting
is assumed.

Tokens never appear in a ``repr`` or log line; the cache only hands them to the caller.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TOKEN_LIFETIME_S = 24 * 3600.0
# Stop reusing a token this long before it expires, so a request (or a connection link handed to
# a user) never carries a token that dies on the way.
DEFAULT_REFRESH_BEFORE_S = 15 * 60.0


@dataclass
class _Entry:
    token: str = field(repr=False)
    expires_at: float


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim (seconds since the epoch) of a JWT, or None if it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)


class TokenCache:
    """Thread-safe token cache; concurrent misses for one user mint only once."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        refresh_before_s: float = DEFAULT_REFRESH_BEFORE_S,
        lifetime_s: float = TOKEN_LIFETIME_S,
    ) -> None:
        self._clock = clock
        self._refresh_before = refresh_before_s
        self._lifetime = lifetime_s
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._minting: dict[tuple[str, str], threading.Lock] = {}

    @staticmethod
    def _key(base_url: str, user_id: str) -> tuple[str, str]:
        return (base_url.rstrip("/"), user_id)

    def get(self, base_url: str, user_id: str) -> str | None:
        """The cached token if it is still good for a while, else None."""
        key = self._key(base_url, user_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._clock() >= entry.expires_at - self._refresh_before:
                del self._entries[key]
                return None
            return entry.token

    def put(self, base_url: str, user_id: str, token: str) -> None:
        """Store a freshly minted token."""
        now = self._clock()
        expires_at = now + self._lifetime
        exp = jwt_expiry(token)
        if exp is not None:
            expires_at = min(expires_at, exp)
        with self._lock:
            self._purge(now)
            self._entries[self._key(base_url, user_id)] = _Entry(token, expires_at)

    def get_or_mint(self, base_url: str, user_id: str, mint: Callable[[], str]) -> str:
        """The cached token, or one from ``mint()`` (called at most once per concurrent miss)."""
        token = self.get(base_url, user_id)
        if token is not None:
            return token
        key = self._key(base_url, user_id)
        with self._lock:
            key_lock = self._minting.setdefault(key, threading.Lock())
        with key_lock:
            # Another thread may have minted while this one waited.
            token = self.get(base_url, user_id)
            if token is not None:
                return token
            token = mint()
            self.put(base_url, user_id, token)
            return token

    def expires_at(self, base_url: str, user_id: str) -> float | None:
        """When the cached token expires (epoch seconds), or None when none is cached."""
        with self._lock:
            entry = self._entries.get(self._key(base_url, user_id))
            return None if entry is None else entry.expires_at

    def invalidate(self, base_url: str, user_id: str) -> None:
        """Forget the user's token (after a 401, or when the user is deleted)."""
        with self._lock:
            self._entries.pop(self._key(base_url, user_id), None)

    def clear(self) -> None:
        """Forget every token."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"TokenCache(entries={len(self)})"

    def _purge(self, now: float) -> None:
        expired = [k for k, e in self._entries.items() if now >= e.expires_at]
        for key in expired:
            del self._entries[key]
