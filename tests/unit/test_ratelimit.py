"""The client-side sliding-window limiter, on a fake clock (plus one real-thread check)."""

from __future__ import annotations

import threading
import time

import pytest

from lib.recall import RateLimitedError
from lib.recall.ratelimit import (
    AUTHENTICATE,
    CALENDAR_USER,
    DEFAULT_LIMITS,
    USERS_LIST,
    WORKSPACE,
    RateLimiter,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(clock: FakeClock, **kwargs: object) -> RateLimiter:
    settings: dict[str, object] = {"margin_s": 0.0, "clock": clock, "sleep": clock.sleep}
    settings.update(kwargs)
    return RateLimiter(**settings)  # type: ignore[arg-type]


def test_documented_limits_are_the_defaults() -> None:
    assert dict(DEFAULT_LIMITS) == {
        AUTHENTICATE: 300,
        USERS_LIST: 60,
        CALENDAR_USER: 120,
        "bot_retrieve": 300,
        "bot_list": 60,
    }
    default = RateLimiter()
    assert default.window_s == 60.0
    assert default.capacity(USERS_LIST) == 60


def test_acquire_blocks_until_the_oldest_request_leaves_the_window() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={USERS_LIST: 3}, window_s=10.0)
    for step in range(3):
        lim.acquire(USERS_LIST).finish()
        clock.now += 1.0 if step < 2 else 0.0
    # Requests at t=100, 101, 102: the fourth may go when the first leaves, at t=110.
    lim.acquire(USERS_LIST)
    assert clock.sleeps == [pytest.approx(8.0)]
    assert clock.now == pytest.approx(110.0)


def test_margin_is_added_to_the_wait() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={USERS_LIST: 1}, window_s=10.0, margin_s=0.5)
    lim.acquire(USERS_LIST).finish()
    lim.acquire(USERS_LIST)
    assert clock.sleeps == [pytest.approx(10.5)]


def test_a_slot_counts_from_when_its_request_finished() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={AUTHENTICATE: 1}, window_s=10.0)
    with lim.acquire(AUTHENTICATE):
        clock.now += 4.0  # a slow request: the server may have counted it at any point
    lim.acquire(AUTHENTICATE)
    assert clock.now == pytest.approx(100.0 + 4.0 + 10.0)


def test_timeout_raises_at_once_with_the_wait_needed() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={USERS_LIST: 2}, window_s=60.0)
    lim.acquire(USERS_LIST).finish()
    lim.acquire(USERS_LIST).finish()
    clock.now += 20.0
    with pytest.raises(RateLimitedError) as caught:
        lim.acquire(USERS_LIST, timeout=5.0)
    assert caught.value.retry_after == pytest.approx(40.0)
    assert clock.sleeps == []  # no point sleeping when the slot frees too late
    assert "users_list" in str(caught.value)
    lim.acquire(USERS_LIST, timeout=40.0)
    assert clock.sleeps == [pytest.approx(40.0)]


def test_scopes_are_independent() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={CALENDAR_USER: 1}, window_s=60.0)
    lim.acquire(CALENDAR_USER, "u1:user_retrieve")
    lim.acquire(CALENDAR_USER, "u2:user_retrieve")
    lim.acquire(CALENDAR_USER, "u1:meetings_list")
    assert clock.sleeps == []
    with pytest.raises(RateLimitedError):
        lim.acquire(CALENDAR_USER, "u1:user_retrieve", timeout=1.0)


def test_pause_holds_a_bucket_for_the_servers_retry_after() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={USERS_LIST: 100}, window_s=60.0)
    lim.pause(USERS_LIST, WORKSPACE, 7.0)
    lim.acquire(USERS_LIST)
    assert clock.sleeps == [pytest.approx(7.0)]
    lim.acquire(AUTHENTICATE)  # not limited here, so not held
    assert len(clock.sleeps) == 1


def test_scale_multiplies_limits_and_zero_disables() -> None:
    clock = FakeClock()
    half = limiter(clock, scale=0.5)
    assert half.capacity(AUTHENTICATE) == 150
    assert half.capacity(USERS_LIST) == 30
    tiny = limiter(clock, scale=0.001)
    assert tiny.capacity(USERS_LIST) == 1
    off = limiter(clock, scale=0)
    for _ in range(1000):
        off.acquire(USERS_LIST)
    assert clock.sleeps == []
    assert off.usage() == []


def test_unknown_limits_are_not_paced() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={USERS_LIST: 1})
    for _ in range(10):
        lim.acquire("something_else")
    assert clock.sleeps == []


def test_usage_reports_each_bucket_and_forgets_idle_ones() -> None:
    clock = FakeClock()
    lim = limiter(clock, limits={USERS_LIST: 4, CALENDAR_USER: 10}, window_s=30.0)
    for _ in range(3):
        lim.acquire(USERS_LIST).finish()
    lim.acquire(CALENDAR_USER, "u1:meetings_list").finish()
    usage = {(u.limit, u.scope): u for u in lim.usage()}
    assert usage[(USERS_LIST, WORKSPACE)].used == 3
    assert usage[(USERS_LIST, WORKSPACE)].capacity == 4
    assert usage[(USERS_LIST, WORKSPACE)].ratio == pytest.approx(0.75)
    assert usage[(CALENDAR_USER, "u1:meetings_list")].used == 1
    assert next(u.limit for u in lim.usage()) == USERS_LIST  # busiest first
    summary = lim.summary()
    assert summary[USERS_LIST].used == 3
    assert summary[CALENDAR_USER].scope == "u1:meetings_list"
    clock.now += 31.0
    assert lim.usage() == []
    assert lim.summary()[USERS_LIST].used == 0


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(window_s=0)
    with pytest.raises(ValueError):
        RateLimiter(scale=-1)


def test_threads_never_exceed_the_limit_in_any_window() -> None:
    window, capacity = 0.3, 4
    lim = RateLimiter(limits={USERS_LIST: capacity}, window_s=window, margin_s=0.0)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(3):
            with lim.acquire(USERS_LIST, timeout=5.0), lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(stamps) == 12
    stamps.sort()
    # Sliding-window property: request i and request i+capacity are at least a window apart.
    for first, later in zip(stamps, stamps[capacity:], strict=False):
        assert later - first >= window - 0.005
