"""The account asks Recall for both ends of the period it shows, and says how far ahead the
data it got reaches (Recall may sync a shorter horizon than the period asked for)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from lib.account_view import data_horizon, horizon_text
from lib.recall import RecallClient
from lib.recall.models import CalendarMeeting
from lib.sandbox.server import RunningSandbox
from lib.ui.data import FUTURE_MEETINGS_WINDOW, load_account

NOW = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def test_the_account_asks_for_both_ends_of_the_period_it_shows(
    make_sandbox: Callable[..., RunningSandbox],
) -> None:
    running = make_sandbox(users=5, heavy_user_meetings=0)
    asked: list[httpx.QueryParams] = []

    def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/meetings/"):
            asked.append(request.url.params)

    transport = httpx.HTTPTransport()
    with RecallClient(
        running.base_url,
        running.api_key,
        transport=_Observed(transport, record),
    ) as client:
        load_account(client, "nw-000001", NOW)

    [params] = asked
    assert params["start_time_after"] == "2026-11-27T17:00:00Z"
    assert params["start_time_before"] == "2027-01-01T17:00:00Z"


class _Observed(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, seen: Callable[[httpx.Request], None]) -> None:
        self._inner = inner
        self._seen = seen

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        return self._inner.handle_request(request)


@pytest.mark.parametrize("horizon_days", [14, 28])
def test_the_data_horizon_follows_what_recall_holds(
    make_sandbox: Callable[..., RunningSandbox], horizon_days: int
) -> None:
    running = make_sandbox(users=5, heavy_user_meetings=0, horizon_days=horizon_days)
    now = datetime.now(UTC)
    with RecallClient(running.base_url, running.api_key) as client:
        account = load_account(client, "nw-000001", now)
    latest = data_horizon(account.meetings, now)
    assert latest is not None
    ahead = (latest - now).days
    # The sandbox's horizon, not the 28 days asked for.
    assert horizon_days - 3 <= ahead < horizon_days
    text = horizon_text(latest, now=now, asked_ahead=FUTURE_MEETINGS_WINDOW, tz=UTC)
    assert "the console asked for the coming 28 days" in text


def test_the_horizon_in_words() -> None:
    latest = datetime(2026, 12, 18, 9, 30, tzinfo=UTC)
    text = horizon_text(latest, now=NOW, asked_ahead=timedelta(days=28), tz=UTC)
    assert text == (
        "Recall has meetings up to Fri 18 Dec (14 days ahead); the console asked for the "
        "coming 28 days."
    )
    # Days are counted in the viewer's zone: 00:30 on the 19th in Tokyo.
    tokyo = horizon_text(
        datetime(2026, 12, 18, 15, 30, tzinfo=UTC),
        now=NOW,
        asked_ahead=timedelta(days=28),
        tz=ZoneInfo("Asia/Tokyo"),
    )
    assert tokyo.startswith("Recall has meetings up to Sat 19 Dec (14 days ahead)")
    assert horizon_text(None, now=NOW, asked_ahead=timedelta(days=28), tz=UTC) == (
        "Recall has no upcoming meetings for this user (the console asked for the coming 28 days)."
    )


def test_past_meetings_do_not_count_towards_the_horizon() -> None:
    past = CalendarMeeting.model_validate({"id": "a", "start_time": "2026-12-01T10:00:00Z"})
    soon = CalendarMeeting.model_validate({"id": "b", "start_time": "2026-12-05T10:00:00Z"})
    undated = CalendarMeeting.model_validate({"id": "c"})
    assert data_horizon([past, soon, undated], NOW) == soon.start_time
    assert data_horizon([past, undated], NOW) is None
