"""What the status page measures, without a Streamlit run: ping results, rate-limit tables,
endpoint counters and how the Recall target is described."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from lib.recall import RateLimiter, RecallClient
from lib.recall.ratelimit import AUTHENTICATE, CALENDAR_USER, USERS_LIST, WORKSPACE
from lib.ui.backend import Backend
from lib.ui.status_checks import (
    LIMIT_LABELS,
    buckets_frame,
    describe_target,
    endpoints_frame,
    limits_frame,
    run_ping,
    speed_words,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ping_against_the_sandbox_measures_a_round_trip(sandbox):
    with RecallClient(sandbox.base_url, sandbox.api_key) as client:
        result = run_ping(client)
    assert result.ok and result.problem is None
    assert result.seconds is not None and 0 < result.seconds < 5


def test_a_stopped_recall_is_a_result_in_words(make_sandbox):
    stopped = make_sandbox(users=1)
    stopped.stop()
    with RecallClient(stopped.base_url, stopped.api_key, deadline=5) as client:
        result = run_ping(client)
    assert not result.ok and result.seconds is None
    assert result.error_class == "UnavailableError"
    assert "Recall" in (result.problem or "")


def test_a_wrong_api_key_is_named(sandbox):
    with RecallClient(sandbox.base_url, "not-the-key") as client:
        result = run_ping(client)
    assert result.error_class == "BadApiKeyError"
    assert "not-the-key" not in (result.problem or "")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.01, "Answering"), (0.7, "Answering slowly"), (3.0, "Answering very slowly")],
)
def test_speed_words(seconds, words):
    assert speed_words(seconds) == words


def test_the_limits_table_shows_the_busiest_bucket_of_each_limit():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=lambda _s: None)
    for _ in range(3):
        limiter.acquire(USERS_LIST).finish()
    for _ in range(2):
        limiter.acquire(CALENDAR_USER, "u-1:user_retrieve").finish()
    limiter.acquire(CALENDAR_USER, "u-2:meetings_list").finish()
    frame = limits_frame(limiter.summary(), limiter.usage()).set_index("Limit")
    users = frame.loc[LIMIT_LABELS[USERS_LIST][0]]
    assert (users["Used"], users["Allowed"], users["Busiest"]) == (3, 60, "")
    assert users["Share"] == pytest.approx(3 / 60)
    per_user = frame.loc[LIMIT_LABELS[CALENDAR_USER][0]]
    assert (per_user["Used"], per_user["Allowed"], per_user["Busiest"]) == (
        2,
        120,
        "u-1:user_retrieve",
    )
    assert per_user["Buckets in use"] == 2
    idle = frame.loc[LIMIT_LABELS[AUTHENTICATE][0]]
    assert (idle["Used"], idle["Allowed"], idle["Buckets in use"]) == (0, 300, 0)
    # A minute later the window is empty again.
    clock.now += 61
    later = limits_frame(limiter.summary(), limiter.usage())
    assert later["Used"].sum() == 0


def test_a_paused_limit_says_for_how_long():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=lambda _s: None)
    limiter.pause(USERS_LIST, WORKSPACE, 12.5)
    frame = limits_frame(limiter.summary(), limiter.usage()).set_index("Limit")
    assert frame.loc[LIMIT_LABELS[USERS_LIST][0], "Paused (s)"] == 12.5


def test_the_bucket_table_lists_each_scope():
    limiter = RateLimiter(clock=FakeClock(), sleep=lambda _s: None)
    limiter.acquire(AUTHENTICATE).finish()
    limiter.acquire(CALENDAR_USER, "u-1:user_update").finish()
    frame = buckets_frame(limiter.usage())
    assert set(frame["Scope"]) == {"workspace", "u-1:user_update"}


def test_endpoint_counters_come_from_real_requests(sandbox):
    with RecallClient(sandbox.base_url, sandbox.api_key) as client:
        client.list_users()
        client.ping()
        frame = endpoints_frame(client.stats()).set_index("Endpoint")
    assert frame.loc["users_list", "Requests"] == 2
    assert frame.loc["users_list", "Call"] == "GET /users/"
    assert frame.loc["users_list", "Last status"] == "200"
    assert frame.loc["authenticate", "Requests"] == 0
    assert frame.loc["authenticate", "Last status"] == ""
    assert len(frame) == 10  # every Calendar V1 operation, used or not


def backend(mode: str, base_url: str) -> Backend:
    return Backend(mode=mode, base_url=base_url, api_key=SecretStr("k"), label="")


def test_the_target_names_the_sandbox_a_region_or_a_custom_url():
    sandboxed = describe_target(backend("sandbox", "http://127.0.0.1:9999"))
    assert sandboxed.headline == "Sandbox"
    assert (
        describe_target(backend("live", "https://eu-central-1.recall.ai")).headline
        == "eu-central-1"
    )
    custom = describe_target(backend("live", "https://recall.proxy.example"))
    assert custom.headline == "Custom URL"
