"""Client-side pacing for Recall's documented Calendar V1 rate limits.

Limits (2025 reference): authenticate 300/min per workspace, list users 60/min per workspace,
and 120/min per calendar user for each per-user endpoint. The console paces itself so that it
never causes a 429 storm: ``acquire`` blocks until a slot is free, up to a deadline.

The window is a sliding log, the strictest reading of "N per window": at most N requests in any
interval of ``window_s``, which also satisfies a server that counts in fixed windows. A slot
counts from when its request *finished* (``Lease.finish``), not when it started, because the
server may see the request at any moment in between; a small ``margin_s`` absorbs clock noise.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType

from lib.recall.errors import RateLimitedError

AUTHENTICATE = "authenticate"
USERS_LIST = "users_list"
CALENDAR_USER = "calendar_user"
# Bot API (per workspace): Retrieve Bot 300/min, List Bots 60/min.
BOT_RETRIEVE = "bot_retrieve"
BOT_LIST = "bot_list"
WORKSPACE = "workspace"

DEFAULT_LIMITS: MappingProxyType[str, int] = MappingProxyType(
    {AUTHENTICATE: 300, USERS_LIST: 60, CALENDAR_USER: 120, BOT_RETRIEVE: 300, BOT_LIST: 60}
)
DEFAULT_WINDOW_S = 60.0

# Buckets are dropped once idle; sweeping every so many acquisitions keeps memory bounded
# when the console touches many calendar users.
_SWEEP_EVERY = 256


@dataclass(frozen=True)
class LimitUsage:
    """Requests counted in the current window for one bucket, for a status page."""

    limit: str
    scope: str
    used: int
    capacity: int
    window_s: float
    paused_for_s: float = 0.0

    @property
    def ratio(self) -> float:
        """Share of the limit in use (0.0 to 1.0)."""
        return self.used / self.capacity if self.capacity else 0.0


class _Slot:
    __slots__ = ("stamp",)

    def __init__(self, stamp: float) -> None:
        self.stamp = stamp


class _Bucket:
    __slots__ = ("paused_until", "slots")

    def __init__(self) -> None:
        self.slots: list[_Slot] = []
        self.paused_until = 0.0


class Lease:
    """A slot taken from a bucket. Call ``finish`` (or use ``with``) when the response is in."""

    __slots__ = ("_limiter", "_slot")

    def __init__(self, limiter: RateLimiter | None, slot: _Slot | None) -> None:
        self._limiter = limiter
        self._slot = slot

    def finish(self) -> None:
        """Count the slot from now: the server saw the request no later than this."""
        if self._limiter is not None and self._slot is not None:
            self._limiter._restamp(self._slot)
            self._slot = None

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish()


class RateLimiter:
    """Thread-safe sliding-window limiter keyed by (limit name, scope).

    ``scope`` is ``WORKSPACE`` for workspace-wide limits, or e.g. ``"<user_id>:<endpoint>"`` for
    per-user limits. A limit name not in ``limits`` is not paced. ``scale`` multiplies every limit
    (as the sandbox's ``rate_limit_scale`` does); ``scale=0`` turns pacing off.
    """

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        scale: float = 1.0,
        margin_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        if scale < 0:
            raise ValueError("scale must not be negative")
        base = DEFAULT_LIMITS if limits is None else limits
        self._capacity: dict[str, int] = (
            {}
            if scale == 0
            else {name: max(1, math.floor(count * scale)) for name, count in base.items()}
        )
        self._window = float(window_s)
        self._margin = float(margin_s)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._since_sweep = 0

    @classmethod
    def disabled(cls) -> RateLimiter:
        """A limiter that never waits."""
        return cls(limits={})

    @property
    def window_s(self) -> float:
        """Length of the sliding window in seconds."""
        return self._window

    def capacity(self, limit: str) -> int | None:
        """Requests allowed per window for ``limit``, or None when it is not paced."""
        return self._capacity.get(limit)

    def acquire(self, limit: str, scope: str = WORKSPACE, *, timeout: float | None = None) -> Lease:
        """Take a slot, waiting for one to free up.

        Raises ``RateLimitedError`` (without waiting in vain) when no slot will free up within
        ``timeout`` seconds; ``None`` waits as long as needed.
        """
        capacity = self._capacity.get(limit)
        if capacity is None:
            return Lease(None, None)
        give_up_at = None if timeout is None else self._clock() + timeout
        while True:
            with self._lock:
                now = self._clock()
                bucket = self._bucket(limit, scope)
                self._prune(bucket, now)
                wait = max(0.0, bucket.paused_until - now)
                if len(bucket.slots) >= capacity:
                    oldest = min(slot.stamp for slot in bucket.slots)
                    wait = max(wait, oldest + self._window + self._margin - now)
                if wait <= 0:
                    slot = _Slot(now)
                    bucket.slots.append(slot)
                    self._maybe_sweep(now)
                    return Lease(self, slot)
            if give_up_at is not None and now + wait > give_up_at:
                raise RateLimitedError(
                    f"The console is pacing requests to stay under Recall's {limit} rate limit "
                    f"({capacity} per {self._window:g} s). Try again in about {math.ceil(wait)} s.",
                    retry_after=wait,
                    status_code=None,
                    endpoint=limit,
                )
            self._sleep(wait)

    def pause(self, limit: str, scope: str, seconds: float) -> None:
        """Hold the bucket for ``seconds`` (the server's ``Retry-After`` on a 429)."""
        if limit not in self._capacity or seconds <= 0:
            return
        with self._lock:
            bucket = self._bucket(limit, scope)
            bucket.paused_until = max(bucket.paused_until, self._clock() + seconds)

    def usage(self) -> list[LimitUsage]:
        """Every bucket with requests in the current window, busiest first."""
        with self._lock:
            now = self._clock()
            out = []
            for (limit, scope), bucket in list(self._buckets.items()):
                self._prune(bucket, now)
                paused = max(0.0, bucket.paused_until - now)
                if not bucket.slots and not paused:
                    del self._buckets[(limit, scope)]
                    continue
                out.append(
                    LimitUsage(
                        limit=limit,
                        scope=scope,
                        used=len(bucket.slots),
                        capacity=self._capacity[limit],
                        window_s=self._window,
                        paused_for_s=paused,
                    )
                )
        out.sort(key=lambda u: (-u.ratio, u.limit, u.scope))
        return out

    def summary(self) -> dict[str, LimitUsage]:
        """Per limit name, the busiest bucket (an idle limit shows 0 used)."""
        result: dict[str, LimitUsage] = {
            name: LimitUsage(name, WORKSPACE, 0, cap, self._window)
            for name, cap in self._capacity.items()
        }
        seen: set[str] = set()
        for item in self.usage():  # busiest first, so the first hit per limit wins
            if item.limit not in seen:
                seen.add(item.limit)
                result[item.limit] = item
        return result

    def _bucket(self, limit: str, scope: str) -> _Bucket:
        key = (limit, scope)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket()
        return bucket

    def _prune(self, bucket: _Bucket, now: float) -> None:
        horizon = now - self._window - self._margin
        bucket.slots = [slot for slot in bucket.slots if slot.stamp > horizon]

    def _maybe_sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < _SWEEP_EVERY:
            return
        self._since_sweep = 0
        for key, bucket in list(self._buckets.items()):
            self._prune(bucket, now)
            if not bucket.slots and bucket.paused_until <= now:
                del self._buckets[key]

    def _restamp(self, slot: _Slot) -> None:
        with self._lock:
            slot.stamp = max(slot.stamp, self._clock())

    def __repr__(self) -> str:
        limits = ", ".join(f"{k}={v}" for k, v in self._capacity.items())
        return f"RateLimiter({limits}; window={self._window:g}s)"
