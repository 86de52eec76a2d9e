"""The sandbox's clock: the system clock by default, a hand-moved one in tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to, so token expiry and "meeting has ended" can be
    tested without waiting. Safe to move from a test thread while the server thread reads it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by ``delta`` (a timedelta or seconds) and return the new now."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (timezone-aware)."""
        if when.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware time")
        with self._lock:
            self._now = when.astimezone(UTC)


def floor_to_hour(when: datetime) -> datetime:
    """``when`` in UTC with minutes, seconds and microseconds cleared."""
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def iso(when: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` suffix, as Django REST Framework renders datetimes."""
    text = when.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 date or datetime; a value without an offset is read as UTC.

    Raises ValueError on anything else."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


ONE_DAY = timedelta(days=1)
