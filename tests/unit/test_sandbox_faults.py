"""Injected faults, latency, request statistics and run-time configuration."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

API = "/api/v1/calendar"
SMALL = {"users": 8, "heavy_user_meetings": 0}
Factory = Callable[..., Any]


# A dropped connection reaches the client as a reset (ReadError) or as a closed connection
# with no response (RemoteProtocolError), depending on timing; both mean no answer.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)


def key_headers(running: Any) -> dict[str, str]:
    return {"Authorization": f"Token {running.api_key}"}


def authenticate(running: Any, user_id: str) -> httpx.Response:
    return httpx.post(
        f"{running.base_url}{API}/authenticate/",
        json={"user_id": user_id},
        headers=key_headers(running),
    )


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_error_faults_apply_nothing(make_sandbox: Factory, kind: str) -> None:
    running = make_sandbox(fault_rate=1.0, fault_kinds=(kind,), **SMALL)
    response = authenticate(running, "never-created")
    assert response.status_code == int(kind)
    assert isinstance(response.json()["detail"], str)
    assert running.state.user_count == SMALL["users"]
    assert running.state.workspace.by_external_id("never-created") is None


def test_throttle_fault(make_sandbox: Factory) -> None:
    running = make_sandbox(fault_rate=1.0, fault_kinds=("429",), **SMALL)
    response = httpx.get(f"{running.base_url}{API}/users/", headers=key_headers(running))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["detail"].startswith("Request was throttled.")


def test_drop_fault_breaks_the_connection_and_applies_nothing(make_sandbox: Factory) -> None:
    running = make_sandbox(fault_rate=1.0, fault_kinds=("drop",), **SMALL)
    with pytest.raises(DROPPED):
        authenticate(running, "never-created")
    assert running.state.workspace.by_external_id("never-created") is None
    stats = running.state.stats_snapshot()
    assert stats["by_status"] == {"dropped": 1}
    assert stats["faults"] == {"drop": 1}


def test_drop_after_apply_breaks_the_connection_after_the_write(make_sandbox: Factory) -> None:
    running = make_sandbox(fault_rate=1.0, fault_kinds=("drop_after_apply",), **SMALL)
    with pytest.raises(DROPPED):
        authenticate(running, "created-anyway")
    assert running.state.workspace.by_external_id("created-anyway") is not None
    # Retrying is harmless: the same user, not a second one.
    running.state.faults.configure(rate=0.0, kinds=())
    assert authenticate(running, "created-anyway").status_code == 200
    assert running.state.user_count == SMALL["users"] + 1


def test_a_partial_fault_rate_mixes_faults_and_successes(make_sandbox: Factory) -> None:
    running = make_sandbox(fault_rate=0.5, fault_kinds=("503", "429"), **SMALL)
    with httpx.Client(base_url=running.base_url, headers=key_headers(running)) as client:
        statuses = [client.get(f"{API}/users/").status_code for _ in range(60)]
    assert set(statuses) == {200, 503, 429}
    assert 10 <= statuses.count(200) <= 50
    # The sandbox's own endpoints are never faulted.
    with httpx.Client(base_url=running.base_url) as client:
        assert {client.get("/_sandbox/stats").status_code for _ in range(20)} == {200}


def test_latency_is_added_without_blocking_other_requests(make_sandbox: Factory) -> None:
    running = make_sandbox(latency_ms=200, **SMALL)

    def burst() -> float:
        # Threads rather than asyncio: the suite may already run an event loop in this thread.
        with (
            httpx.Client(base_url=running.base_url, headers=key_headers(running)) as c,
            ThreadPoolExecutor(max_workers=5) as pool,
        ):
            started = time.perf_counter()
            responses = list(pool.map(lambda _: c.get(f"{API}/users/"), range(5)))
            assert all(r.status_code == 200 for r in responses)
            return time.perf_counter() - started

    single = time.perf_counter()
    httpx.get(f"{running.base_url}{API}/users/", headers=key_headers(running))
    assert time.perf_counter() - single >= 0.2
    # Five concurrent requests wait side by side, not one after another (5 x 200 ms).
    assert burst() < 0.7


def test_stats_count_endpoints_and_statuses_and_reset(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with httpx.Client(base_url=running.base_url) as client:
        token = authenticate(running, "nw-000001").json()["token"]
        cal = {"x-recallcalendarauthtoken": token}
        client.get(f"{API}/users/", headers=key_headers(running))
        client.get(f"{API}/user/", headers=cal)
        client.patch(f"{API}/user/", headers=cal, json={"preferences": {"record_internal": True}})
        meetings = client.get(f"{API}/meetings/", headers=cal).json()
        client.get(f"{API}/meetings/{meetings[0]['id']}/", headers=cal)
        client.put(f"{API}/meetings/{meetings[0]['id']}/", headers=cal, json={})
        client.post(f"{API}/meetings/refresh", headers=cal)
        client.post(f"{API}/user/disconnect/", headers=cal, json={"platform": "nope"})
        client.get(f"{API}/user/")  # 401
        client.get(f"{API}/not-there/")  # 404
        client.delete(f"{API}/user/", headers=cal)
        stats = client.get("/_sandbox/stats").json()
        assert stats["by_endpoint"] == {
            "authenticate": 1,
            "users_list": 1,
            "user_retrieve": 2,
            "user_update": 1,
            "user_delete": 1,
            "user_disconnect": 1,
            "meetings_list": 1,
            "meeting_retrieve": 1,
            "meeting_update": 1,
            "meetings_refresh": 1,
            "bot_retrieve": 0,
            "bot_list": 0,
            "unknown": 1,
        }
        assert stats["by_status"] == {"200": 8, "204": 1, "400": 1, "401": 1, "404": 1}
        assert stats["total"] == 12
        assert stats["calendar_users"] == SMALL["users"] - 1
        assert running.state.stats.endpoint_count("user_retrieve") == 2
        reset = client.post("/_sandbox/stats/reset").json()
        assert reset["total"] == 0
        assert set(reset["by_endpoint"].values()) == {0}


def test_runtime_config_needs_the_api_key_and_validates(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    url = f"{running.base_url}/_sandbox/config"
    assert httpx.post(url, json={"latency_ms": 5}).status_code == 401
    bad = httpx.post(
        url,
        json={"latency_ms": -1, "fault_rate": 2, "fault_kinds": ["boom"], "colour": "red"},
        headers=key_headers(running),
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"latency_ms", "fault_rate", "fault_kinds", "colour"}
    assert running.state.latency_ms == 0

    ok = httpx.post(
        url, json={"fault_rate": 1.0, "fault_kinds": ["503"]}, headers=key_headers(running)
    )
    assert ok.status_code == 200
    assert ok.json()["fault_rate"] == 1.0
    assert authenticate(running, "x").status_code == 503
    httpx.post(url, json={"fault_rate": 0}, headers=key_headers(running))
    assert authenticate(running, "x").status_code == 200
    assert httpx.get(url).json()["fault_kinds"] == ["503"]
