"""Recall's documented rate limits (the 2025 set) and a sliding-window limiter.

Limits count requests that were let through in the last ``window`` seconds, per endpoint and
scope key (the workspace, or one calendar user). A throttled request is not counted, as in
Django REST Framework's throttles.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Scope = Literal["workspace", "calendar_user", "calendar_meeting"]


@dataclass(frozen=True)
class RateLimit:
    limit: int
    scope: Scope
    per_seconds: int = 60


# Endpoint name -> documented limit (Recall API reference, 2025). The console's status page
# reads this table.
RATE_LIMITS: dict[str, RateLimit] = {
    "authenticate": RateLimit(300, "workspace"),
    "users_list": RateLimit(60, "workspace"),
    "user_retrieve": RateLimit(120, "calendar_user"),
    "user_update": RateLimit(120, "calendar_user"),
    "user_delete": RateLimit(120, "calendar_user"),
    "user_disconnect": RateLimit(120, "calendar_user"),
    "meetings_list": RateLimit(120, "calendar_user"),
    "meeting_retrieve": RateLimit(120, "calendar_user"),
    "meeting_update": RateLimit(120, "calendar_user"),
    "meetings_refresh": RateLimit(120, "calendar_user"),
}


# The older, tighter set from an earlier published spec (reference §2, "Older OpenAPI"): endpoints
# it does not name keep their current limit. Selected with ``limits="legacy"``.
LEGACY_RATE_LIMITS: dict[str, RateLimit] = {
    **RATE_LIMITS,
    "user_update": RateLimit(10, "calendar_user"),
    "user_delete": RateLimit(10, "calendar_user"),
    "user_disconnect": RateLimit(2, "calendar_user"),
    "meetings_refresh": RateLimit(1, "calendar_user", per_seconds=600),
    "meeting_update": RateLimit(10, "calendar_meeting"),
}
LIMIT_SETS: dict[str, dict[str, RateLimit]] = {"current": RATE_LIMITS, "legacy": LEGACY_RATE_LIMITS}


def scaled_limit(limit: int, scale: float) -> int | None:
    """The limit after scaling; None means unlimited (scale 0)."""
    if scale <= 0:
        return None
    return max(1, round(limit * scale))


def limits_table(scale: float = 1.0, limits: str = "current") -> dict[str, dict[str, object]]:
    """The limits as plain data: endpoint -> documented and effective limit and scope."""
    return {
        name: {
            "limit": rule.limit,
            "effective_limit": scaled_limit(rule.limit, scale),
            "per_seconds": rule.per_seconds,
            "scope": rule.scope,
        }
        for name, rule in LIMIT_SETS[limits].items()
    }


class RateLimiter:
    """Sliding-window counters for every (endpoint, scope key)."""

    def __init__(
        self,
        *,
        scale: float,
        window_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        table: dict[str, RateLimit] = RATE_LIMITS,
    ) -> None:
        self.scale = scale
        self.table = table
        self.window_s = window_s
        self._monotonic = monotonic
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, endpoint: str, key: str) -> int | None:
        """Count one request; None when it may proceed, else the seconds to wait (>= 1)."""
        rule = self.table.get(endpoint)
        if rule is None:
            return None
        limit = scaled_limit(rule.limit, self.scale)
        if limit is None:
            return None
        now = self._monotonic()
        # ``window_s`` stands for one minute; a limit over ten minutes spans ten of them.
        window = self.window_s * rule.per_seconds / 60
        with self._lock:
            hits = self._hits.setdefault((endpoint, key), deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, math.ceil(hits[0] + window - now))
            hits.append(now)
            return None

    def scope(self, endpoint: str) -> Scope:
        rule = self.table.get(endpoint)
        return rule.scope if rule is not None else "workspace"

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
