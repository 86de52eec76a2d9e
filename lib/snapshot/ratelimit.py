"""A rate limiter whose state lives in the database, so Recall's workspace limits hold across
every worker on every machine together.

Each workspace-wide bucket (authenticate, users list) is a row locked with ``SELECT ... FOR
UPDATE`` while a worker counts the request slots still inside the window (one row each) and
takes one; a 429's ``Retry-After`` is stored on the bucket row, so every worker waits it out.
Times come from the database's clock, so machines with drifting clocks still agree. Per-user
limits stay in process: a user is synced by one worker at a time (the job lock), so no other
worker can spend that user's budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

from sqlalchemy import Engine, Float, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert

from lib.recall.errors import RateLimitedError
from lib.recall.ratelimit import CALENDAR_USER, DEFAULT_WINDOW_S, Lease, RateLimiter
from lib.snapshot import tables

_NOW = literal_column("EXTRACT(EPOCH FROM clock_timestamp())", Float)


class _DatabaseLease(Lease):
    __slots__ = ("_engine", "_slot_id")

    def __init__(self, engine: Engine, slot_id: int) -> None:
        super().__init__(None, None)
        self._engine = engine
        self._slot_id: int | None = slot_id

    def finish(self) -> None:
        # The slot counts from when the answer came back: Recall saw the request by then.
        if self._slot_id is None:
            return
        slot_id, self._slot_id = self._slot_id, None
        with self._engine.begin() as conn:
            conn.execute(
                update(tables.rate_slots)
                .where(tables.rate_slots.c.id == slot_id)
                .values(stamp=func.greatest(tables.rate_slots.c.stamp, _NOW))
            )


class DatabaseRateLimiter(RateLimiter):
    """``RateLimiter`` for the ``RecallClient`` whose workspace buckets are shared through
    PostgreSQL. ``scale`` and ``window_s`` mirror the sandbox's settings in tests."""

    def __init__(
        self,
        engine: Engine,
        limits: Mapping[str, int] | None = None,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        scale: float = 1.0,
        margin_s: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(limits, window_s=window_s, scale=scale, margin_s=margin_s, sleep=sleep)
        self._engine = engine
        self._db_sleep = sleep

    def acquire(
        self, limit: str, scope: str = "workspace", *, timeout: float | None = None
    ) -> Lease:
        if limit == CALENDAR_USER:
            return super().acquire(limit, scope, timeout=timeout)
        capacity = self.capacity(limit)
        if capacity is None:
            return Lease(None, None)
        give_up_at = None if timeout is None else time.monotonic() + timeout
        while True:
            slot_id, wait = self._try_take(limit, scope, capacity)
            if slot_id is not None:
                return _DatabaseLease(self._engine, slot_id)
            if give_up_at is not None and time.monotonic() + wait > give_up_at:
                raise RateLimitedError(
                    f"The console is pacing requests to stay under Recall's {limit} rate limit "
                    f"({capacity} per {self.window_s:g} s). Try again in about "
                    f"{math.ceil(wait)} s.",
                    retry_after=wait,
                    status_code=None,
                    endpoint=limit,
                )
            self._db_sleep(wait)

    def _try_take(self, limit: str, scope: str, capacity: int) -> tuple[int | None, float]:
        slots = tables.rate_slots
        bucket = tables.rate_buckets
        with self._engine.begin() as conn:
            conn.execute(
                insert(bucket)
                .values(limit_name=limit, scope=scope, paused_until=0.0)
                .on_conflict_do_nothing()
            )
            paused_until = conn.execute(
                select(bucket.c.paused_until)
                .where(bucket.c.limit_name == limit, bucket.c.scope == scope)
                .with_for_update()
            ).scalar_one()
            now = float(conn.execute(select(_NOW)).scalar_one())
            horizon = now - self.window_s - self._margin
            mine = (slots.c.limit_name == limit) & (slots.c.scope == scope)
            conn.execute(delete(slots).where(mine, slots.c.stamp <= horizon))
            used, oldest = conn.execute(
                select(func.count(), func.min(slots.c.stamp)).where(mine)
            ).one()
            wait = max(0.0, paused_until - now)
            if used >= capacity:
                wait = max(wait, float(oldest) + self.window_s + self._margin - now)
            if wait > 0:
                return None, wait
            slot_id = conn.execute(
                slots.insert()
                .values(limit_name=limit, scope=scope, stamp=now)
                .returning(slots.c.id)
            ).scalar_one()
            return slot_id, 0.0

    def pause(self, limit: str, scope: str, seconds: float) -> None:
        if limit == CALENDAR_USER:
            super().pause(limit, scope, seconds)
            return
        if self.capacity(limit) is None or seconds <= 0:
            return
        bucket = tables.rate_buckets
        with self._engine.begin() as conn:
            stmt = insert(bucket).values(limit_name=limit, scope=scope, paused_until=_NOW + seconds)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["limit_name", "scope"],
                    set_={
                        "paused_until": func.greatest(
                            bucket.c.paused_until, stmt.excluded.paused_until
                        )
                    },
                )
            )
