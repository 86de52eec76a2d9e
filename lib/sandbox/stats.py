"""Request counters, readable in process (``state.stats``) and at ``GET /_sandbox/stats``."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from lib.sandbox.ratelimit import RATE_LIMITS

ENDPOINT_NAMES: tuple[str, ...] = tuple(RATE_LIMITS)


class RequestStats:
    """Counts of API requests per endpoint name, per status code and per injected fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._endpoints: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._total = 0

    def record(self, endpoint: str | None, status: int | str, fault: str | None = None) -> None:
        """Count one request. ``endpoint`` is None for a path the API does not have; ``status``
        is the HTTP status, or "dropped" for a connection closed mid-response."""
        with self._lock:
            self._total += 1
            self._endpoints[endpoint or "unknown"] += 1
            self._statuses[str(status)] += 1
            if fault is not None:
                self._faults[fault] += 1

    @property
    def total(self) -> int:
        return self._total

    def endpoint_count(self, endpoint: str) -> int:
        with self._lock:
            return self._endpoints[endpoint]

    def status_count(self, status: int | str) -> int:
        with self._lock:
            return self._statuses[str(status)]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            by_endpoint = {name: self._endpoints[name] for name in ENDPOINT_NAMES}
            by_endpoint.update({k: v for k, v in self._endpoints.items() if k not in by_endpoint})
            return {
                "total": self._total,
                "by_endpoint": by_endpoint,
                "by_status": dict(sorted(self._statuses.items())),
                "faults": dict(sorted(self._faults.items())),
            }
