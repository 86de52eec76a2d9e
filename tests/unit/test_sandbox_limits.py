"""Rate limits: the documented table, scaling, per-workspace and per-user scopes, 429 with
Retry-After on a short sliding window."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from lib.sandbox.ratelimit import RATE_LIMITS, RateLimiter, limits_table, scaled_limit

API = "/api/v1/calendar"
SMALL = {"users": 12, "heavy_user_meetings": 0}
Factory = Callable[..., Any]


def key_headers(running: Any) -> dict[str, str]:
    return {"Authorization": f"Token {running.api_key}"}


def token_headers(client: httpx.Client, running: Any, user_id: str) -> dict[str, str]:
    token = client.post(
        f"{API}/authenticate/", json={"user_id": user_id}, headers=key_headers(running)
    ).json()["token"]
    return {"x-recallcalendarauthtoken": token}


def test_the_documented_2025_limits() -> None:
    assert RATE_LIMITS["authenticate"].limit == 300
    assert RATE_LIMITS["authenticate"].scope == "workspace"
    assert RATE_LIMITS["users_list"].limit == 60
    assert RATE_LIMITS["users_list"].scope == "workspace"
    assert (RATE_LIMITS["bot_retrieve"].limit, RATE_LIMITS["bot_list"].limit) == (300, 60)
    assert RATE_LIMITS["bot_list"].scope == RATE_LIMITS["bot_retrieve"].scope == "workspace"
    per_user = set(RATE_LIMITS) - {"authenticate", "users_list", "bot_retrieve", "bot_list"}
    assert len(per_user) == 8
    assert all(RATE_LIMITS[name].limit == 120 for name in per_user)
    assert all(RATE_LIMITS[name].scope == "calendar_user" for name in per_user)
    table = limits_table(0.5)
    assert table["users_list"] == {
        "limit": 60,
        "effective_limit": 30,
        "per_seconds": 60,
        "scope": "workspace",
    }


@pytest.mark.parametrize(
    ("limit", "scale", "expected"),
    [(60, 1.0, 60), (60, 0.05, 3), (120, 0.001, 1), (300, 2.0, 600), (60, 0.0, None)],
)
def test_scaling(limit: int, scale: float, expected: int | None) -> None:
    assert scaled_limit(limit, scale) == expected


def test_sliding_window_counts_only_admitted_requests() -> None:
    now = [100.0]
    limiter = RateLimiter(scale=0.05, window_s=10.0, monotonic=lambda: now[0])
    assert [limiter.check("users_list", "ws") for _ in range(3)] == [None, None, None]
    now[0] = 104.2
    # Three admitted at t=100; the oldest leaves the window at t=110.
    assert limiter.check("users_list", "ws") == 6
    now[0] = 109.9
    assert limiter.check("users_list", "ws") == 1
    now[0] = 110.0
    assert limiter.check("users_list", "ws") is None
    # Another scope key has its own window.
    assert limiter.check("users_list", "other") is None


def test_workspace_limit_answers_429_with_retry_after(make_sandbox: Factory) -> None:
    running = make_sandbox(rate_limit_scale=0.05, rate_limit_window_s=0.5, **SMALL)
    limit = scaled_limit(60, 0.05)
    with httpx.Client(base_url=running.base_url, headers=key_headers(running)) as client:
        statuses = [client.get(f"{API}/users/").status_code for _ in range(limit)]
        assert statuses == [200] * limit
        throttled = client.get(f"{API}/users/")
        assert throttled.status_code == 429
        wait = int(throttled.headers["Retry-After"])
        # Whole seconds, never 0, even though the window is shorter than a second.
        assert wait == 1
        detail = throttled.json()["detail"]
        assert re.fullmatch(r"Request was throttled\. Expected available in \d+ seconds?\.", detail)
        assert str(wait) in detail
        # Other endpoints have their own budget.
        assert client.post(f"{API}/authenticate/", json={"user_id": "nw-000001"}).status_code == 200
        time.sleep(0.55)
        assert client.get(f"{API}/users/").status_code == 200


def test_per_user_limits_are_per_user_and_per_endpoint(make_sandbox: Factory) -> None:
    running = make_sandbox(rate_limit_scale=0.05, rate_limit_window_s=30, **SMALL)
    limit = scaled_limit(120, 0.05)
    with httpx.Client(base_url=running.base_url) as client:
        first = token_headers(client, running, "nw-000001")
        second = token_headers(client, running, "nw-000003")
        for _ in range(limit):
            assert client.get(f"{API}/user/", headers=first).status_code == 200
        assert client.get(f"{API}/user/", headers=first).status_code == 429
        assert client.get(f"{API}/user/", headers=second).status_code == 200
        assert client.get(f"{API}/meetings/", headers=first).status_code == 200
        # The stats see the throttled request.
        stats = client.get("/_sandbox/stats").json()
    assert stats["by_status"]["429"] == 1
    assert stats["by_endpoint"]["user_retrieve"] == limit + 2


def test_scale_zero_turns_limits_off(make_sandbox: Factory) -> None:
    running = make_sandbox(rate_limit_scale=0, **SMALL)
    with httpx.Client(base_url=running.base_url, headers=key_headers(running)) as client:
        statuses = {client.get(f"{API}/users/").status_code for _ in range(65)}
    assert statuses == {200}


def test_limits_are_published_for_the_status_page(sandbox: Any) -> None:
    info = httpx.get(f"{sandbox.base_url}/_sandbox/info").json()
    assert set(info["rate_limits"]) == set(RATE_LIMITS)
    assert info["rate_limits"]["authenticate"]["limit"] == 300
    assert info["rate_limits"]["authenticate"]["effective_limit"] is None  # fixture: scale 0
