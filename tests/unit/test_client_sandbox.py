"""The client against the sandbox over real loopback HTTP: every endpoint, every error class,
retries under injected faults, client-side pacing, token reuse and expiry, and secrecy.

Request counts are read from the sandbox's own ``GET /_sandbox/stats``.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.recall import (
    BadApiKeyError,
    CalendarDisconnectedError,
    CalendarTokenError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RateLimiter,
    RecallClient,
    RecallError,
    TokenCache,
    UnavailableError,
    ValidationError,
)
from lib.sandbox.clock import ManualClock
from tests import sandbox_variant

SMALL = {"users": 12, "heavy_user_meetings": 0}

Factory = Callable[..., Any]


def _token_refusal() -> str:
    """The status the sandbox refuses a bad calendar token with (401 unless a variant says 403)."""
    return str(sandbox_variant.active().get("token_error_status", 401))


def stats(running: Any) -> dict[str, Any]:
    return httpx.get(f"{running.base_url}/_sandbox/stats").json()


def notable(running: Any) -> dict[str, list[str]]:
    return httpx.get(f"{running.base_url}/_sandbox/info").json()["notable_users"]


def client_for(running: Any, **kwargs: Any) -> RecallClient:
    return RecallClient(running.base_url, running.api_key, **kwargs)


def connected_user(client: RecallClient, platform: str = "google") -> str:
    for user in client.list_users():
        if user.connected_platforms == (platform,):
            return user.external_id or ""
    raise AssertionError(f"the seeded workspace has no user connected to {platform} only")


# -- every endpoint ------------------------------------------------------------------------------


def test_read_endpoints_against_the_shared_sandbox(sandbox: Any) -> None:
    with client_for(sandbox) as client:
        users = client.list_users()
        # Every user the sandbox holds (150 seeded, plus the odd ones of a bad-rows variant).
        assert len(users) == sandbox.state.user_count >= 150
        assert len({u.id for u in users}) == len(users)
        paged = list(client.iter_users(page_size=40))
        assert [u.id for u in paged] == [u.id for u in users]

        some = next(u for u in users if u.connected_platforms)
        email = some.connection(some.connected_platforms[0]).email
        filtered = client.list_users(email=email)
        assert some.id in {u.id for u in filtered}
        assert all(any(c.email == email for c in u.connections) for u in filtered)

        user_id = connected_user(client)
        user = client.get_user(user_id)
        assert user == next(u for u in users if u.external_id == user_id)

        meetings = client.list_meetings(user_id)
        assert meetings, "a connected user has upcoming meetings"
        for meeting in meetings:
            assert meeting.start_time is None or meeting.start_time.tzinfo is not None
        first = meetings[0]
        assert client.get_meeting(user_id, first.id).id == first.id
        if first.ical_uid:
            by_uid = client.list_meetings(user_id, ical_uid=first.ical_uid[:6])
            assert first.id in {m.id for m in by_uid}
            assert all(m.ical_uid.startswith(first.ical_uid[:6]) for m in by_uid)
        starts = [m.start_time for m in meetings if m.start_time is not None]
        window = client.list_meetings(
            user_id, start_time_after=min(starts), start_time_before=min(starts)
        )
        assert window and all(m.start_time == min(starts) for m in window)
        assert client.ping() > 0


def test_write_endpoints_against_a_private_sandbox(make_sandbox: Factory) -> None:
    # Limiter off even under the legacy-limits variant: this test refreshes twice in a row, which
    # the legacy limit (once per ten minutes) refuses; those limits are tested on their own.
    running = make_sandbox(**SMALL, rate_limit_scale=0)
    with client_for(running) as client:
        user_id = connected_user(client)
        before = client.get_user(user_id)

        # The whole object, as Recall documents: flags missing from it would become false.
        flags = {
            name: getattr(before.preferences, name)
            for name in (
                "record_non_host",
                "record_external",
                "record_internal",
                "record_confirmed",
                "record_only_host",
            )
        }
        updated = client.update_preferences(
            user_id,
            {**flags, "record_recurring": not before.preferences.record_recurring},
            bot_name="QA Bot",
        )
        assert updated.preferences.record_recurring is not before.preferences.record_recurring
        assert updated.preferences.bot_name == "QA Bot"
        # The other flags are unchanged.
        for name in ("record_external", "record_internal", "record_only_host"):
            assert getattr(updated.preferences, name) == getattr(before.preferences, name)
        assert client.get_user(user_id) == updated

        meeting = client.list_meetings(user_id)[0]
        assert client.update_meeting(user_id, meeting.id, False).override_should_record is False
        assert client.get_meeting(user_id, meeting.id).override_should_record is False
        assert client.update_meeting(user_id, meeting.id, None).override_should_record is None

        refreshed = client.refresh_meetings(user_id)
        assert meeting.id in {m.id for m in refreshed}

        after = client.disconnect(user_id, "google")
        assert after.connection("google").connected is False
        assert after.connected_platforms == ()
        with pytest.raises(CalendarDisconnectedError):
            client.refresh_meetings(user_id)

        token = client.authenticate(user_id)
        assert isinstance(token, str) and token
        mints = stats(running)["by_endpoint"]["authenticate"]

        client.delete_user(user_id)
        assert user_id not in {u.external_id for u in client.list_users()}
        # A later lookup must not recreate the deleted user through authenticate.
        with pytest.raises(NotFoundError):
            client.get_user(user_id)
        assert user_id not in {u.external_id for u in client.list_users()}
        assert stats(running)["by_endpoint"]["authenticate"] == mints


def test_counters_match_the_sandboxs_counts(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with client_for(running) as client:
        user_id = connected_user(client)
        client.get_user(user_id)
        client.list_meetings(user_id)
        client.list_meetings(user_id)
        server = stats(running)["by_endpoint"]
        mine = client.request_counts()
        for name in ("users_list", "authenticate", "user_retrieve", "meetings_list"):
            assert mine[name] == server[name], name
        assert mine["meetings_list"] == 2


# -- error classes -------------------------------------------------------------------------------


def test_wrong_api_key_is_bad_api_key_error(sandbox: Any) -> None:
    with RecallClient(sandbox.base_url, "not-the-key") as client:
        with pytest.raises(BadApiKeyError):
            client.list_users()
        with pytest.raises(BadApiKeyError):
            client.get_user("anyone")


def test_unknown_meeting_is_not_found(sandbox: Any) -> None:
    with client_for(sandbox) as client:
        user_id = connected_user(client)
        with pytest.raises(NotFoundError):
            client.get_meeting(user_id, "00000000-0000-4000-8000-000000000000")


def test_server_validation_errors_carry_field_messages(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with client_for(running) as client:
        user_id = connected_user(client)
        before = client.get_user(user_id).preferences
        flip = not before.record_external
        with pytest.raises(ValidationError) as caught:
            client.update_preferences(user_id, {"record_external": flip}, bot_name="x" * 101)
        assert caught.value.status_code == 400
        assert list(caught.value.field_errors) == ["preferences.bot_name"]
        assert "100 characters" in caught.value.field_errors["preferences.bot_name"][0]
        assert "preferences.bot_name" in str(caught.value)
        # All or nothing: the valid flag in the same request was not applied either.
        assert client.get_user(user_id).preferences == before
        with pytest.raises(ValidationError) as caught:
            client.authenticate("u" * 300)
        assert "user_id" in caught.value.field_errors


def test_stale_token_is_reminted_once(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    other = make_sandbox(**SMALL)  # same workspace, different signing secret
    with client_for(running) as client, client_for(other) as foreign:
        user_id = connected_user(client)
        client.token_cache.put(running.base_url, user_id, foreign.authenticate(user_id))
        assert client.get_user(user_id).external_id == user_id
        counts = stats(running)
        assert counts["by_status"].get(_token_refusal()) == 1
        assert counts["by_endpoint"]["authenticate"] == 1


class _AuthenticateElsewhere(httpx.BaseTransport):
    """Sends authenticate to another sandbox, so every token is signed with the wrong secret."""

    def __init__(self, target: str) -> None:
        self._inner = httpx.HTTPTransport()
        self._target = httpx.URL(target)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authenticate/"):
            request.url = request.url.copy_with(host=self._target.host, port=self._target.port)
            request.headers["host"] = f"{self._target.host}:{self._target.port}"
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def test_token_refused_even_after_reminting_is_calendar_token_error(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    other = make_sandbox(**SMALL)
    transport = _AuthenticateElsewhere(other.base_url)
    with client_for(running, transport=transport) as client:
        user_id = connected_user(client)
        # A second 401 is a token problem; a second 403 may be Recall's firewall.
        refused = CalendarTokenError if _token_refusal() == "401" else ForbiddenError
        with pytest.raises(refused):
            client.get_user(user_id)
        assert stats(running)["by_endpoint"]["user_retrieve"] == 2
        assert stats(other)["by_endpoint"]["authenticate"] == 2


class _BodyOnGet(httpx.BaseTransport):
    """Adds a JSON ``null`` body to every GET, which Recall's WAF refuses with an HTML 403."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            headers = {k: v for k, v in request.headers.items() if k != "content-length"}
            request = httpx.Request("GET", request.url, headers=headers, content=b"null")
            request.extensions = {"timeout": {"connect": 5, "read": 5, "write": 5, "pool": 5}}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def test_waf_page_for_a_get_with_a_body_is_forbidden_error(sandbox: Any) -> None:
    client = client_for(sandbox, transport=_BodyOnGet())
    with client, pytest.raises(ForbiddenError) as caught:
        client.list_users()
    assert caught.value.status_code == 403
    assert "<html" not in str(caught.value)


def test_server_rate_limit_beyond_the_deadline_is_rate_limited_error(
    make_sandbox: Factory,
) -> None:
    running = make_sandbox(rate_limit_scale=0.05, rate_limit_window_s=30, **SMALL)
    with client_for(running, limiter=RateLimiter.disabled(), deadline=2.0) as client:
        for _ in range(3):  # round(60 * 0.05) = 3 per window
            client.list_users()
        with pytest.raises(RateLimitedError) as caught:
            client.list_users()
        assert caught.value.retry_after is not None and caught.value.retry_after > 2.0


def test_persistent_server_errors_are_unavailable(make_sandbox: Factory) -> None:
    running = make_sandbox(fault_rate=1.0, fault_kinds=("503",), **SMALL)
    with client_for(running, max_retries=2, backoff_base=0.01) as client:
        with pytest.raises(UnavailableError) as caught:
            client.list_users()
        assert caught.value.cause == "HTTP 503"
        assert stats(running)["by_endpoint"]["users_list"] == 3


def test_slow_server_times_out_as_unavailable(make_sandbox: Factory) -> None:
    running = make_sandbox(latency_ms=400, **SMALL)
    with client_for(running, timeout=0.1, max_retries=1, backoff_base=0.01) as client:
        with pytest.raises(UnavailableError) as caught:
            client.list_users()
        assert caught.value.cause == "ReadTimeout"


def test_closed_port_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with RecallClient(
        f"http://127.0.0.1:{port}", "key", max_retries=1, backoff_base=0.01, deadline=2.0
    ) as client:
        with pytest.raises(UnavailableError) as caught:
            client.list_users()
        assert caught.value.cause == "ConnectError"


def test_refresh_for_a_user_without_a_calendar_is_calendar_disconnected(sandbox: Any) -> None:
    users = notable(sandbox)
    candidates = users["disconnected"] + users["never_connected"]
    assert candidates
    with client_for(sandbox) as client, pytest.raises(CalendarDisconnectedError):
        client.refresh_meetings(candidates[0])


# -- retries under faults ------------------------------------------------------------------------


def test_every_call_succeeds_under_a_30_percent_fault_rate(make_sandbox: Factory) -> None:
    running = make_sandbox(fault_rate=0.3, **SMALL)
    with client_for(running, max_retries=8, backoff_base=0.02, deadline=30.0) as client:
        users = client.list_users()
        assert len(users) == running.state.user_count >= 12
        user_id = connected_user(client)
        for _ in range(6):
            assert client.get_user(user_id).external_id == user_id
            meetings = client.list_meetings(user_id)
            assert meetings
        assert client.get_meeting(user_id, meetings[0].id).id == meetings[0].id

        # Writes: 500 is left out because a write retries it only once (see the client's notes),
        # and drop_after_apply proves that repeating an applied write is harmless.
        running.state.faults.configure(
            rate=0.3, kinds=("502", "503", "429", "drop", "drop_after_apply")
        )
        for value in (True, False, True, False, True):
            user = client.update_preferences(user_id, {"record_recurring": value})
            assert user.preferences.record_recurring is value
            meeting = client.update_meeting(user_id, meetings[0].id, value)
            assert meeting.override_should_record is value
        assert client.get_user(user_id).preferences.record_recurring is True
        client.delete_user(user_id)
        running.state.faults.configure(rate=0.0, kinds=())
        assert user_id not in {u.external_id for u in client.list_users()}

    faults = stats(running)["faults"]
    assert sum(faults.values()) >= 5, faults
    assert sum(s.retries for s in client.stats().values()) >= 5


# -- client-side pacing --------------------------------------------------------------------------


def _burst(client: RecallClient, calls: int, threads: int, call: Callable[[], Any]) -> list[Any]:
    errors: list[Any] = []

    def worker() -> None:
        for _ in range(calls // threads):
            try:
                call()
            except Exception as exc:
                errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)
    return errors


def test_client_side_pacing_keeps_a_burst_free_of_429s(make_sandbox: Factory) -> None:
    scale, window = 0.1, 0.5  # users list: 6 per 0.5 s; per user and endpoint: 12 per 0.5 s
    running = make_sandbox(rate_limit_scale=scale, rate_limit_window_s=window, **SMALL)
    limiter = RateLimiter(scale=scale, window_s=window, margin_s=0.02)
    with client_for(running, limiter=limiter, max_retries=0) as client:
        errors = _burst(client, 18, 3, client.list_users)
        user_id = next(u.external_id for u in client.list_users() if u.connected_platforms)
        errors += _burst(client, 30, 3, lambda: client.get_user(user_id))
    assert errors == []
    counts = stats(running)
    assert counts["by_status"].get("429", 0) == 0
    assert counts["by_endpoint"]["users_list"] == 19
    assert counts["by_endpoint"]["user_retrieve"] == 30


def test_the_same_burst_without_pacing_does_hit_429(make_sandbox: Factory) -> None:
    # Control for the test above: the sandbox's limit is real, so a 429-free burst means pacing.
    running = make_sandbox(rate_limit_scale=0.1, rate_limit_window_s=0.5, **SMALL)
    with client_for(running, limiter=RateLimiter.disabled(), max_retries=0) as client:
        errors = _burst(client, 18, 3, client.list_users)
    assert any(isinstance(e, RateLimitedError) for e in errors)
    assert stats(running)["by_status"].get("429", 0) > 0


# -- tokens --------------------------------------------------------------------------------------


def test_many_calls_for_one_user_authenticate_once(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with client_for(running) as client:
        user_id = connected_user(client)
        for _ in range(5):
            client.get_user(user_id)
            client.list_meetings(user_id)
        assert stats(running)["by_endpoint"]["authenticate"] == 1


class WallClock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now


def test_token_is_reminted_before_it_expires(make_sandbox: Factory) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    server_clock = ManualClock(start)
    running = make_sandbox(clock=server_clock, **SMALL)
    wall = WallClock(start)
    with client_for(running, token_cache=TokenCache(clock=wall)) as client:
        user_id = connected_user(client)
        client.get_user(user_id)
        step = timedelta(hours=23, minutes=50)  # inside the 15-minute refresh margin
        server_clock.advance(step)
        wall.now += step.total_seconds()
        client.get_user(user_id)
        counts = stats(running)
        assert counts["by_endpoint"]["authenticate"] == 2
        assert counts["by_status"].get("401", 0) == 0


def test_token_expired_on_the_server_is_reminted_after_one_401(make_sandbox: Factory) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    server_clock = ManualClock(start)
    running = make_sandbox(clock=server_clock, **SMALL)
    with client_for(running, token_cache=TokenCache(clock=WallClock(start))) as client:
        user_id = connected_user(client)
        client.get_user(user_id)
        server_clock.advance(timedelta(hours=25))  # the client's clock does not move
        assert client.get_user(user_id).external_id == user_id
        counts = stats(running)
        assert counts["by_endpoint"]["authenticate"] == 2
        assert counts["by_status"].get(_token_refusal()) == 1


# -- secrets -------------------------------------------------------------------------------------


def test_no_key_or_token_in_logs_or_errors_over_real_http(
    make_sandbox: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    key = "sbx-KEY-9c41-distinctive"
    running = make_sandbox(api_key=key, fault_rate=0.2, **SMALL)
    raised: list[BaseException] = []
    with caplog.at_level(logging.DEBUG), client_for(running, backoff_base=0.01) as client:
        user_id = connected_user(client)
        token = client.authenticate(user_id)
        client.get_user(user_id)
        client.list_meetings(user_id)
        for call in (
            lambda: client.get_meeting(user_id, "missing"),
            lambda: client.update_preferences(user_id, {}, bot_name="x" * 101),
            lambda: RecallClient(running.base_url, key + "-wrong").list_users(),
        ):
            with pytest.raises(RecallError) as caught:
                call()
            raised.append(caught.value)
    assert caplog.records
    texts = [caplog.text] + [t for exc in raised for t in (str(exc), repr(exc))]
    for text in texts:
        assert key not in text
        assert token not in text
