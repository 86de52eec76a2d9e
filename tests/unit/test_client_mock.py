"""Exact client behaviour against a scripted transport: headers, bodies, retries, timing, errors.

Time is a fake clock shared by the client (deadlines) and its sleeps, so retry timing is measured
from the sleeps the client asked for, not from wall time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
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
    UnavailableError,
    UnexpectedResponseError,
    ValidationError,
)

BASE = "https://us-west-2.recall.ai"
API_KEY = "rk_live_SECRETKEY_7f3a9c"
TOKEN_1 = "ctok_FIRST_SECRET_5e1d"
TOKEN_2 = "ctok_SECOND_SECRET_9b2c"

AUTH = ("POST", "/api/v1/calendar/authenticate/")
USERS = ("GET", "/api/v1/calendar/users/")
USER = ("GET", "/api/v1/calendar/user/")
USER_PUT = ("PUT", "/api/v1/calendar/user/")
USER_DELETE = ("DELETE", "/api/v1/calendar/user/")
DISCONNECT = ("POST", "/api/v1/calendar/user/disconnect/")
MEETINGS = ("GET", "/api/v1/calendar/meetings/")
REFRESH = ("POST", "/api/v1/calendar/meetings/refresh/")
MEETING_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
MEETING = ("GET", f"/api/v1/calendar/meetings/{MEETING_ID}/")
MEETING_PUT = ("PUT", f"/api/v1/calendar/meetings/{MEETING_ID}/")


def user_json(external_id: str = "u1", **prefs: Any) -> dict[str, Any]:
    return {
        "id": "11111111-1111-1111-1111-111111111111",
        "external_id": external_id,
        "connections": [{"platform": "google", "connected": True, "email": "a@b.test", "id": "c"}],
        "preferences": {"record_external": True, **prefs},
    }


def meeting_json(**overrides: Any) -> dict[str, Any]:
    return {
        "id": MEETING_ID,
        "override_should_record": None,
        "title": "Weekly",
        "will_record": True,
        "start_time": "2026-01-05T10:00:00Z",
        "end_time": "2026-01-05T10:30:00Z",
        "meet_invite": {"meeting_id": "abc-defg-hij"},
        **overrides,
    }


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class MaxJitter:
    """Full jitter drawn at its upper bound, so backoff sleeps are exact."""

    def uniform(self, low: float, high: float) -> float:
        return high


Action = Any  # a status, (status, json[, headers]), an exception, or a callable(request)


class FakeRecall:
    """Routes (method, path) to scripted actions; the last action of a list repeats."""

    def __init__(self, clock: FakeClock, **routes: list[Action]) -> None:
        self.clock = clock
        self.routes: dict[tuple[str, str], list[Action]] = {
            AUTH: [(200, {"token": TOKEN_1})],
            USERS: [(200, [user_json()])],
            USER: [(200, user_json())],
            USER_PUT: [(200, user_json())],
            USER_DELETE: [204],
            DISCONNECT: [(200, user_json())],
            MEETINGS: [(200, [meeting_json()])],
            MEETING: [(200, meeting_json())],
            MEETING_PUT: [(200, meeting_json())],
            REFRESH: [(200, [meeting_json()])],
        }
        self.requests: list[httpx.Request] = []
        self.sent_at: list[float] = []
        self.seconds_per_request = 0.0
        self.lock = threading.Lock()

    def script(self, route: tuple[str, str], *actions: Action) -> None:
        self.routes[route] = list(actions)

    def calls(self, route: tuple[str, str]) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == route]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            self.sent_at.append(self.clock.now)
            self.clock.now += self.seconds_per_request
            queue = self.routes[(request.method, request.url.path)]
            action = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(action, Exception):
            raise action
        if callable(action):
            return action(request)
        if isinstance(action, int):
            return httpx.Response(action)
        status, body, *rest = action
        headers = rest[0] if rest else {}
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)


def make(
    *, limiter: RateLimiter | None = None, **kwargs: Any
) -> tuple[RecallClient, FakeRecall, FakeClock]:
    clock = FakeClock()
    fake = FakeRecall(clock)
    settings: dict[str, Any] = {"rng": MaxJitter(), "limiter": limiter or RateLimiter.disabled()}
    settings.update(kwargs)
    client = RecallClient(
        BASE,
        API_KEY,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
        **settings,
    )
    return client, fake, clock


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


# -- authentication and headers ----------------------------------------------------------------


def test_authenticate_posts_user_id_with_api_key_and_caches_the_token() -> None:
    client, fake, _ = make()
    assert client.authenticate("u1") == TOKEN_1
    (request,) = fake.calls(AUTH)
    assert request.headers["authorization"] == f"Token {API_KEY}"
    assert body_of(request) == {"user_id": "u1"}
    client.get_user("u1")
    client.list_meetings("u1")
    assert len(fake.calls(AUTH)) == 1


def test_per_user_requests_carry_only_the_calendar_token() -> None:
    client, fake, _ = make()
    client.get_user("u1")
    (request,) = fake.calls(USER)
    assert request.headers["x-recallcalendarauthtoken"] == TOKEN_1
    assert "authorization" not in request.headers
    (mint,) = fake.calls(AUTH)
    assert "x-recallcalendarauthtoken" not in mint.headers


def test_get_requests_never_carry_a_body() -> None:
    client, fake, _ = make()
    client.list_users()
    client.get_user("u1")
    client.list_meetings("u1")
    client.get_meeting("u1", MEETING_ID)
    gets = [r for r in fake.requests if r.method == "GET"]
    assert len(gets) == 4
    for request in gets:
        assert request.content == b""
        assert "content-length" not in request.headers
        assert "content-type" not in request.headers


def test_every_request_has_an_explicit_timeout_within_the_deadline() -> None:
    client, fake, clock = make(timeout=5.0, deadline=12.0, max_retries=10)
    fake.seconds_per_request = 4.0
    fake.script(USERS, 503)
    deadline = clock.now + 12.0
    with pytest.raises(UnavailableError):
        client.list_users()
    # Attempts at t=0, 4.25 and 8.75 (4 s each plus 0.25 s and 0.5 s of backoff); the next
    # backoff would end past the deadline, so there is no fourth.
    assert [deadline - t for t in fake.sent_at] == [12.0, 7.75, 3.25]
    timeouts = [r.extensions["timeout"]["read"] for r in fake.calls(USERS)]
    # Each attempt may use the configured timeout, but never more than what is left.
    assert timeouts == [5.0, 5.0, 3.25]


# -- retries ------------------------------------------------------------------------------------


def test_retry_after_on_429_is_honoured_exactly() -> None:
    client, fake, clock = make()
    fake.script(USERS, (429, {"detail": "throttled"}, {"Retry-After": "7"}), (200, []))
    assert client.list_users() == []
    assert clock.sleeps == [7.0]
    assert len(fake.calls(USERS)) == 2


def test_429_whose_retry_after_passes_the_deadline_fails_at_once() -> None:
    client, fake, clock = make(deadline=30.0)
    fake.script(USERS, (429, {"detail": "throttled"}, {"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as caught:
        client.list_users()
    assert caught.value.retry_after == 120.0
    assert clock.sleeps == []
    assert len(fake.calls(USERS)) == 1


def test_429_that_persists_is_reported_after_max_retries() -> None:
    client, fake, clock = make(max_retries=3, deadline=100.0)
    fake.script(USERS, (429, {}, {"Retry-After": "2"}))
    with pytest.raises(RateLimitedError) as caught:
        client.list_users()
    assert caught.value.retry_after == 2.0
    assert len(fake.calls(USERS)) == 4
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_a_429_pauses_the_limiter_bucket_for_other_calls() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    fake = FakeRecall(clock)
    client = RecallClient(
        BASE, API_KEY, transport=httpx.MockTransport(fake), clock=clock, sleep=clock.sleep,
        limiter=limiter, rng=MaxJitter(), max_retries=0,
    )  # fmt: skip
    fake.script(USERS, (429, {}, {"Retry-After": "5"}), (200, []))
    with pytest.raises(RateLimitedError):
        client.list_users()
    before = clock.now
    assert client.list_users() == []
    # The next users-list request waited out the server's Retry-After in the limiter.
    assert clock.now - before == pytest.approx(5.0)


@pytest.mark.parametrize(
    "failure",
    [
        502,
        503,
        504,
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=["502", "503", "504", "connect-error", "read-timeout", "dropped"],
)
def test_transient_failures_are_retried_for_reads(failure: Action) -> None:
    client, fake, clock = make()
    fake.script(USER, failure, failure, (200, user_json()))
    assert client.get_user("u1").external_id == "u1"
    assert len(fake.calls(USER)) == 3
    # Exponential backoff (full jitter drawn at its cap): 0.25 s, then 0.5 s.
    assert clock.sleeps == [0.25, 0.5]


def test_backoff_doubles_up_to_its_cap() -> None:
    client, fake, clock = make(max_retries=6, backoff_base=1.0, backoff_max=4.0, deadline=100.0)
    fake.script(USER, 503)
    with pytest.raises(UnavailableError) as caught:
        client.get_user("u1")
    assert clock.sleeps == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert caught.value.cause == "HTTP 503"


def test_full_jitter_sleeps_stay_within_the_exponential_cap() -> None:
    import random

    client, fake, clock = make(rng=random.Random(7), max_retries=5, deadline=100.0)
    fake.script(USER, 502)
    with pytest.raises(UnavailableError):
        client.get_user("u1")
    caps = [0.25 * 2**i for i in range(5)]
    assert len(clock.sleeps) == 5
    assert all(0 <= slept <= cap for slept, cap in zip(clock.sleeps, caps, strict=True))
    assert clock.sleeps != caps  # jittered, not fixed


def test_unavailable_error_names_the_cause_class_not_its_text() -> None:
    client, fake, _ = make(max_retries=1)
    fake.script(USER, httpx.ReadTimeout(f"timed out sending {TOKEN_1}"))
    with pytest.raises(UnavailableError) as caught:
        client.get_user("u1")
    assert caught.value.cause == "ReadTimeout"
    assert TOKEN_1 not in str(caught.value) and TOKEN_1 not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_500_is_retried_for_reads() -> None:
    client, fake, _ = make()
    fake.script(MEETINGS, 500, 500, (200, []))
    assert client.list_meetings("u1") == []
    assert len(fake.calls(MEETINGS)) == 3


def test_500_on_a_write_is_retried_once_then_reported_as_maybe_applied() -> None:
    client, fake, _ = make()
    fake.script(USER_PUT, 500)
    with pytest.raises(UnavailableError) as caught:
        client.update_preferences("u1", {"record_internal": True})
    assert len(fake.calls(USER_PUT)) == 2
    assert "may or may not have been applied" in str(caught.value)
    assert caught.value.status_code == 500


def test_a_write_is_retried_after_a_dropped_response() -> None:
    client, fake, _ = make()
    fake.script(MEETING_PUT, httpx.RemoteProtocolError("dropped"), (200, meeting_json()))
    meeting = client.update_meeting("u1", MEETING_ID, True)
    assert meeting.id == MEETING_ID
    assert [body_of(r) for r in fake.calls(MEETING_PUT)] == [{"override_should_record": True}] * 2


def test_delete_whose_first_response_was_lost_and_then_404s_counts_as_done() -> None:
    client, fake, _ = make()
    fake.script(USER_DELETE, httpx.ReadTimeout("lost"), 404)
    client.delete_user("u1")
    assert len(fake.calls(USER_DELETE)) == 2
    # The deleted user's token is not reused.
    assert client.token_cache.get(BASE, "u1") is None


def test_delete_of_a_user_that_is_already_gone_raises_not_found() -> None:
    client, fake, _ = make()
    fake.script(USER_DELETE, (404, {"detail": "Not found."}))
    with pytest.raises(NotFoundError):
        client.delete_user("u1")


def test_delete_after_a_connect_error_then_404_is_not_counted_as_done() -> None:
    # A connection that was never established cannot have deleted anything.
    client, fake, _ = make()
    fake.script(USER_DELETE, httpx.ConnectError("refused"), 404)
    with pytest.raises(NotFoundError):
        client.delete_user("u1")


def test_deadline_bounds_the_whole_call() -> None:
    client, fake, clock = make(deadline=3.0, max_retries=50, backoff_base=1.0)
    fake.script(USER, 503)
    started = clock.now
    with pytest.raises(UnavailableError):
        client.get_user("u1")
    assert clock.now - started <= 3.0
    assert len(fake.calls(USER)) < 51


# -- 401 handling and silent user creation -----------------------------------------------------


def test_401_on_a_token_endpoint_remints_once_for_a_listed_user() -> None:
    client, fake, _ = make()
    fake.script(AUTH, (200, {"token": TOKEN_1}), (200, {"token": TOKEN_2}))
    fake.script(USER, (401, {"detail": "Invalid token."}), (200, user_json()))
    assert client.get_user("u1").external_id == "u1"
    assert len(fake.calls(AUTH)) == 2
    assert [r.headers["x-recallcalendarauthtoken"] for r in fake.calls(USER)] == [TOKEN_1, TOKEN_2]
    assert client.token_cache.get(BASE, "u1") == TOKEN_2


def test_401_after_reminting_raises_calendar_token_error() -> None:
    client, fake, _ = make()
    fake.script(USER, (401, {"detail": "Invalid token."}))
    with pytest.raises(CalendarTokenError):
        client.get_user("u1")
    assert len(fake.calls(AUTH)) == 2
    assert len(fake.calls(USER)) == 2


def test_403_on_a_token_endpoint_remints_once_and_retries() -> None:
    # DRF answers 403 when a custom-header authentication fails, so an expired calendar token
    # may come back as 403 rather than 401.
    client, fake, _ = make()
    fake.script(AUTH, (200, {"token": TOKEN_1}), (200, {"token": TOKEN_2}))
    fake.script(USER_PUT, (403, {"detail": "Invalid token."}), (200, user_json()))
    client.update_preferences("u1", {"record_external": True})
    assert [r.headers["x-recallcalendarauthtoken"] for r in fake.calls(USER_PUT)] == [
        TOKEN_1,
        TOKEN_2,
    ]
    assert client.token_cache.get(BASE, "u1") == TOKEN_2


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [(401, CalendarTokenError, "HTTP 401"), (403, ForbiddenError, "firewall may be the cause")],
)
def test_a_second_token_refusal_is_reported_in_words_after_exactly_one_retry(
    status: int, error: type[RecallError], words: str
) -> None:
    client, fake, _ = make()
    fake.script(AUTH, (200, {"token": TOKEN_1}), (200, {"token": TOKEN_2}))
    fake.script(MEETINGS, (status, "<html><body>Forbidden</body></html>"))
    with pytest.raises(error) as caught:
        client.list_meetings("u1")
    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert words in caught.value.message
    assert "<html" not in caught.value.message
    assert TOKEN_1 not in repr(caught.value) and TOKEN_2 not in repr(caught.value)
    assert len(fake.calls(AUTH)) == 2
    assert len(fake.calls(MEETINGS)) == 2
    # The refused token is not kept for the next call.
    assert client.token_cache.get(BASE, "u1") is None


def test_403_for_a_user_no_longer_listed_is_not_found_and_never_remints() -> None:
    client, fake, _ = make()
    fake.script(USERS, (200, [user_json("someone-else")]))
    fake.script(USER, 403)
    with pytest.raises(NotFoundError):
        client.get_user("u1")
    assert len(fake.calls(AUTH)) == 1


def test_401_for_a_user_no_longer_listed_is_not_found_and_never_remints() -> None:
    # Re-minting would silently recreate a user someone deleted meanwhile.
    client, fake, _ = make()
    fake.script(USERS, (200, [user_json("someone-else")]))
    fake.script(USER, (401, {"detail": "Invalid token."}))
    with pytest.raises(NotFoundError):
        client.get_user("u1")
    assert len(fake.calls(AUTH)) == 1


def test_delete_whose_response_was_lost_then_401_for_a_gone_user_counts_as_done() -> None:
    client, fake, _ = make()
    fake.script(USERS, (200, []))
    fake.script(USER_DELETE, httpx.RemoteProtocolError("dropped"), 401)
    client.delete_user("u1")
    assert len(fake.calls(AUTH)) == 1


def test_concurrent_misses_for_one_user_mint_once() -> None:
    client, fake, _ = make()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            client.get_user("u1")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(fake.calls(AUTH)) == 1
    assert len(fake.calls(USER)) == 8
    assert client.request_counts()["user_retrieve"] == 8


# -- error mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "response", "call", "error"),
    [
        (USERS, (401, {"detail": "Invalid API key."}), lambda c: c.list_users(), BadApiKeyError),
        (AUTH, (401, {"detail": "Invalid API key."}), lambda c: c.get_user("u1"), BadApiKeyError),
        (USERS, (403, "<html><body>Forbidden by WAF</body></html>"), lambda c: c.list_users(),
         ForbiddenError),
        (USER, (403, "<html><body>Forbidden by WAF</body></html>"), lambda c: c.get_user("u1"),
         ForbiddenError),
        (MEETING, (404, {"detail": "Not found."}), lambda c: c.get_meeting("u1", MEETING_ID),
         NotFoundError),
        (REFRESH, (422, {"detail": "Calendar disconnected."}), lambda c: c.refresh_meetings("u1"),
         CalendarDisconnectedError),
        (USERS, (402, {"detail": "Out of credit."}), lambda c: c.list_users(), RecallError),
        (USERS, (418, {}), lambda c: c.list_users(), UnexpectedResponseError),
        (USERS, (200, "not json"), lambda c: c.list_users(), UnexpectedResponseError),
        (USER, (200, {"external_id": "u1"}), lambda c: c.get_user("u1"), UnexpectedResponseError),
        (MEETINGS, (200, {"results": []}), lambda c: c.list_meetings("u1"),
         UnexpectedResponseError),
        (AUTH, (200, {"tok": "x"}), lambda c: c.authenticate("u1"), UnexpectedResponseError),
    ],
    ids=["401-key", "401-authenticate", "403-waf", "403-token-twice", "404", "422-refresh",
         "402", "418", "not-json", "schema", "not-a-list", "no-token"],
)  # fmt: skip
def test_statuses_map_to_error_classes(
    route: tuple[str, str],
    response: Action,
    call: Callable[[RecallClient], Any],
    error: type[RecallError],
) -> None:
    client, fake, _ = make()
    fake.script(route, response)
    with pytest.raises(error) as caught:
        call(client)
    assert type(caught.value) is error
    message = str(caught.value)
    assert message and "<html" not in message and "Forbidden by WAF" not in message


def test_validation_error_flattens_field_messages_to_dotted_paths() -> None:
    client, fake, _ = make()
    fake.script(
        USER_PUT,
        (
            400,
            {
                "preferences": {"bot_name": ["Ensure this field has no more than 100 characters."]},
                "non_field_errors": ["Bad request."],
            },
        ),
    )
    with pytest.raises(ValidationError) as caught:
        client.update_preferences("u1", {}, bot_name="x" * 200)
    assert caught.value.field_errors == {
        "preferences.bot_name": ["Ensure this field has no more than 100 characters."],
        "non_field_errors": ["Bad request."],
    }
    assert "preferences.bot_name" in str(caught.value)
    assert caught.value.status_code == 400


def test_schema_error_message_does_not_repeat_response_values() -> None:
    client, fake, _ = make()
    fake.script(USER, (200, {"external_id": "private-value-123", "connections": "nope"}))
    with pytest.raises(UnexpectedResponseError) as caught:
        client.get_user("u1")
    assert "private-value-123" not in str(caught.value)
    assert "id" in str(caught.value)


# -- request shapes ------------------------------------------------------------------------------


def test_update_preferences_sends_a_partial_preferences_body() -> None:
    client, fake, _ = make()
    fake.script(USER_PUT, (200, user_json(record_internal=True, bot_name="Notetaker")))
    user = client.update_preferences("u1", {"record_internal": True}, bot_name="Notetaker")
    (request,) = fake.calls(USER_PUT)
    assert body_of(request) == {"preferences": {"record_internal": True, "bot_name": "Notetaker"}}
    assert user.preferences.record_internal is True
    assert user.preferences.bot_name == "Notetaker"


@pytest.mark.parametrize(
    ("preferences", "bot_name", "field"),
    [
        ({"record_everything": True}, None, "preferences.record_everything"),
        ({"record_external": "yes"}, None, "preferences.record_external"),
        ({"record_external": 1}, None, "preferences.record_external"),
        ({}, None, "preferences"),
        ({}, "   ", "preferences.bot_name"),
        ({"bot_name": "A"}, "B", "preferences.bot_name"),
    ],
)
def test_invalid_preference_updates_are_refused_before_sending(
    preferences: dict[str, Any], bot_name: str | None, field: str
) -> None:
    client, fake, _ = make()
    with pytest.raises(ValidationError) as caught:
        client.update_preferences("u1", preferences, bot_name=bot_name)
    assert field in caught.value.field_errors
    assert fake.requests == []


def test_update_meeting_sends_only_the_override_including_null() -> None:
    client, fake, _ = make()
    client.update_meeting("u1", MEETING_ID, None)
    client.update_meeting("u1", MEETING_ID, False)
    assert [body_of(r) for r in fake.calls(MEETING_PUT)] == [
        {"override_should_record": None},
        {"override_should_record": False},
    ]
    with pytest.raises(ValidationError):
        client.update_meeting("u1", MEETING_ID, 1)  # type: ignore[arg-type]


def test_disconnect_posts_the_platform_and_refuses_unknown_ones() -> None:
    client, fake, _ = make()
    client.disconnect("u1", "microsoft")
    assert body_of(fake.calls(DISCONNECT)[0]) == {"platform": "microsoft"}
    with pytest.raises(ValidationError):
        client.disconnect("u1", "zoom")
    assert len(fake.calls(DISCONNECT)) == 1


def test_refresh_posts_without_a_body() -> None:
    client, fake, _ = make()
    assert [m.id for m in client.refresh_meetings("u1")] == [MEETING_ID]
    assert fake.calls(REFRESH)[0].content == b""


def test_list_meetings_sends_filters_in_utc() -> None:
    client, fake, _ = make()
    after = datetime(2026, 1, 5, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    before = datetime(2026, 1, 6, tzinfo=UTC)
    client.list_meetings("u1", ical_uid="abc", start_time_after=after, start_time_before=before)
    params = dict(fake.calls(MEETINGS)[0].url.params)
    assert params == {
        "ical_uid": "abc",
        "start_time_after": "2026-01-05T10:00:00Z",
        "start_time_before": "2026-01-06T00:00:00Z",
    }
    with pytest.raises(ValidationError):
        client.list_meetings("u1", start_time_after=datetime(2026, 1, 5))  # naive


@pytest.mark.parametrize("meeting_id", ["../user", "a/b", "", "..", "x?y=1", "id with space"])
def test_meeting_ids_that_could_address_another_path_are_refused(meeting_id: str) -> None:
    client, fake, _ = make()
    with pytest.raises(ValidationError):
        client.get_meeting("u1", meeting_id)
    assert fake.requests == []


@pytest.mark.parametrize("user_id", ["", " u1", "u1 "])
def test_user_ids_with_stray_whitespace_are_refused(user_id: str) -> None:
    # " u1" would be a different calendar user from "u1" (and authenticate would create it).
    client, fake, _ = make()
    with pytest.raises(ValidationError):
        client.get_user(user_id)
    assert fake.requests == []


def test_list_users_asks_for_one_unpaginated_page_with_the_email_filter() -> None:
    client, fake, _ = make()
    users = client.list_users(email="a@b.test")
    assert [u.external_id for u in users] == ["u1"]
    assert dict(fake.calls(USERS)[0].url.params) == {"paginate": "false", "email": "a@b.test"}


def test_iter_users_follows_next_links() -> None:
    client, fake, _ = make()
    page2 = f"{BASE}/api/v1/calendar/users/?paginate=true&page=2"
    fake.script(
        USERS,
        (200, {"next": page2, "previous": None, "results": [user_json("a"), user_json("b")]}),
        (200, {"next": None, "previous": None, "results": [user_json("c")]}),
    )
    assert [u.external_id for u in client.iter_users(page_size=2)] == ["a", "b", "c"]
    first, second = fake.calls(USERS)
    assert dict(first.url.params) == {"paginate": "true", "page_size": "2"}
    assert str(second.url) == page2


def test_iter_users_refuses_a_next_link_to_another_host() -> None:
    client, fake, _ = make()
    fake.script(
        USERS,
        (200, {"next": "https://evil.test/api/v1/calendar/users/?page=2", "results": []}),
    )
    with pytest.raises(UnexpectedResponseError):
        list(client.iter_users())
    assert all(r.url.host == "us-west-2.recall.ai" for r in fake.requests)


def test_ping_measures_one_request_without_retrying() -> None:
    client, fake, _ = make()
    fake.seconds_per_request = 0.125
    assert client.ping() == pytest.approx(0.125)
    assert fake.calls(USERS)[0].url.params["email"].endswith(".invalid")
    fake.script(USERS, 503)
    with pytest.raises(UnavailableError):
        client.ping()
    assert len(fake.calls(USERS)) == 2


def test_counters_include_retries_and_failures() -> None:
    client, fake, _ = make()
    fake.script(USERS, 502, (200, []))
    client.list_users()
    stats = client.stats()["users_list"]
    assert (stats.requests, stats.retries, stats.failures) == (2, 1, 0)
    assert stats.last_status == "200"
    assert client.request_counts()["authenticate"] == 0


def test_debug_log_names_method_endpoint_status_and_duration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, _, _ = make()
    with caplog.at_level("DEBUG", logger="lib.recall"):
        client.get_user("u1")
    lines = [r.getMessage() for r in caplog.records if r.name == "lib.recall.client"]
    assert any(line.startswith("recall POST authenticate -> 200 in ") for line in lines)
    assert any(line.startswith("recall GET user_retrieve -> 200 in ") for line in lines)


def test_client_repr_and_state_hide_the_api_key() -> None:
    client, _, _ = make()
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(vars(client))
    with pytest.raises(ValueError):
        RecallClient(BASE, "   ")


def test_a_user_deleted_here_is_not_recreated_by_a_later_lookup() -> None:
    client, fake, _ = make()
    client.delete_user("u1")
    mints = len(fake.calls(AUTH))
    with pytest.raises(NotFoundError):
        client.get_user("u1")
    with pytest.raises(NotFoundError):
        client.delete_user("u1")
    assert len(fake.calls(AUTH)) == mints


def test_a_deleted_user_listed_again_can_be_looked_up() -> None:
    client, fake, _ = make()
    client.delete_user("u1")
    fake.script(USERS, (200, [user_json("u1")]))
    client.list_users()
    client.get_user("u1")
    assert len(fake.calls(AUTH)) == 2


def test_explicit_authenticate_lifts_the_deleted_mark() -> None:
    client, _, _ = make()
    client.delete_user("u1")
    client.authenticate("u1")
    assert client.get_user("u1").external_id == "u1"


@pytest.mark.parametrize(
    "answer",
    [
        204,
        (204, ""),
        (200, {"id": "11111111-1111-1111-1111-111111111111", "external_id": "u1"}),
        (200, {"detail": "Deleted."}),
        (200, ""),
    ],
    ids=["204-no-body", "204-empty", "200-user", "200-detail", "200-empty"],
)
def test_delete_is_accepted_with_204_and_no_body_or_200_with_one(answer: Action) -> None:
    # Recall's reference shows 204 with no body; a DRF destroy can also answer 200 with a body.
    client, fake, _ = make()
    fake.script(USER_DELETE, answer)
    client.delete_user("u1")
    assert len(fake.calls(USER_DELETE)) == 1
    assert client.token_cache.get(BASE, "u1") is None
    # The deleted user is not re-minted (and so not recreated) by a later call.
    with pytest.raises(NotFoundError):
        client.get_user("u1")
    assert len(fake.calls(AUTH)) == 1
