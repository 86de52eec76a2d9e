"""A refused calendar token against the sandbox answering 401 or 403 (``token_error_status``):
one fresh token and one retry; a second refusal is an error in words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from lib.recall import CalendarTokenError, ForbiddenError, RecallClient
from lib.recall.client import CALENDAR_TOKEN_HEADER
from lib.sandbox.clock import ManualClock
from lib.sandbox.server import RunningSandbox

USER = "nw-000003"
STATUSES = [401, 403]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))


def sandbox_for(
    make_sandbox: Callable[..., RunningSandbox], status: int, clock: ManualClock
) -> RunningSandbox:
    return make_sandbox(users=5, heavy_user_meetings=0, token_error_status=status, clock=clock)


class _Counting(httpx.HTTPTransport):
    def __init__(self, mangle: bool = False) -> None:
        super().__init__()
        self.mangle = mangle
        self.statuses: list[tuple[str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.mangle and CALENDAR_TOKEN_HEADER in request.headers:
            request.headers[CALENDAR_TOKEN_HEADER] = "not-a-token-the-sandbox-signed"
        response = super().handle_request(request)
        self.statuses.append((request.url.path.rsplit("/", 2)[-2], response.status_code))
        return response


@pytest.fixture
def transport() -> Iterator[_Counting]:
    counting = _Counting()
    yield counting
    counting.close()


@pytest.mark.parametrize("status", STATUSES)
def test_an_expired_token_is_renewed_once_and_the_call_succeeds(
    make_sandbox: Callable[..., RunningSandbox],
    clock: ManualClock,
    transport: _Counting,
    status: int,
) -> None:
    running = sandbox_for(make_sandbox, status, clock)
    with RecallClient(running.base_url, running.api_key, transport=transport) as client:
        first = client.token_cache.get(running.base_url, USER)
        assert first is None
        client.get_user(USER)
        old = client.token_cache.get(running.base_url, USER)
        # Tokens last a day; the sandbox's clock moves past it, the console's cache does not know.
        clock.advance(timedelta(hours=25))
        transport.statuses.clear()

        user = client.get_user(USER)

        assert user.external_id == USER
        assert ("user", status) in transport.statuses
        assert [s for s in transport.statuses if s[0] == "authenticate"] == [("authenticate", 200)]
        assert transport.statuses[-1] == ("user", 200)
        assert client.token_cache.get(running.base_url, USER) not in (None, old)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, CalendarTokenError, "even after issuing a new one"),
        (403, ForbiddenError, "Recall's web firewall may be the cause"),
    ],
)
def test_a_second_refusal_is_shown_in_words(
    make_sandbox: Callable[..., RunningSandbox],
    clock: ManualClock,
    status: int,
    error: type[Exception],
    words: str,
) -> None:
    running = sandbox_for(make_sandbox, status, clock)
    transport = _Counting(mangle=True)
    with (
        RecallClient(running.base_url, running.api_key, transport=transport) as client,
        pytest.raises(error) as raised,
    ):
        client.list_meetings(USER)
    assert type(raised.value) is error
    assert words in str(raised.value)
    assert [s for s in transport.statuses if s[0] == "meetings"] == [("meetings", status)] * 2
    assert [s for s in transport.statuses if s[0] == "authenticate"] == [("authenticate", 200)] * 2
