"""Workspace questions answered from the snapshot: meeting search and staleness words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from lib.snapshot import tables
from lib.snapshot.queries import age_text, bots_per_day, coverage, search_meetings
from tests.snapshot_db import migrated_engine

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with migrated_engine(request.param, tmp_path, pg) as made:
        yield made


def _meeting(n: int, **fields: Any) -> dict[str, Any]:
    row = {
        "user_id": f"u{n % 2}",
        "meeting_id": f"m{n}",
        "title": f"Meeting {n}",
        "start_time": NOW + dt.timedelta(hours=n),
        "ical_uid": f"uid-{n}@example.com",
        "bot_id": None,
        "meeting_url": None,
        "will_record": False,
        "is_external": False,
        "is_hosted_by_me": False,
        "is_recurring": False,
        "attendee_emails": [],
        "raw": {"id": f"m{n}"},
        "synced_at": NOW,
    }
    row.update(fields)
    return row


@pytest.fixture
def filled(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            tables.users.insert(),
            [
                {"user_id": "u0", "status": "ok", "synced_at": NOW, "last_error": None},
                {
                    "user_id": "u1",
                    "status": "ok",
                    "synced_at": NOW - dt.timedelta(hours=9),
                    "last_error": None,
                },
                {
                    "user_id": "u2",
                    "status": "failing",
                    "synced_at": None,
                    "last_error": "Recall did not answer.",
                },
            ],
        )
        conn.execute(
            tables.meetings.insert(),
            [
                _meeting(1, title="Quarterly review", attendee_emails=["ana@client.example"]),
                _meeting(2, title="100% off_site", bot_id="bot-abc"),
                _meeting(3, title="1000 offsite"),
                _meeting(4, meeting_url="https://meet.example/xyz-123"),
            ],
        )
    return engine


def test_search_by_each_field(filled: Engine) -> None:
    def ids(query: str) -> list[str]:
        return [h.meeting_id for h in search_meetings(filled, query)]

    assert ids("quarterly") == ["m1"]
    assert ids("ANA@client.example") == ["m1"]
    assert ids("ana@client") == []  # attendees match whole addresses only
    assert ids("bot-ab") == ["m2"]
    assert ids("uid-3@") == ["m3"]
    assert ids("https://meet.example/xyz") == ["m4"]
    # LIKE wildcards in the query are plain characters.
    assert ids("100%") == ["m2"]
    assert ids("off_site") == ["m2"]
    assert ids("   ") == []


def test_coverage_counts_fresh_stale_and_failing(filled: Engine) -> None:
    cov = coverage(filled, now=NOW, stale_after=dt.timedelta(hours=6))
    assert (cov.users, cov.synced, cov.stale, cov.failing, cov.pending) == (3, 1, 1, 1, 0)
    assert cov.failures == [("u2", "Recall did not answer.")]
    assert cov.newest_sync == NOW


def test_age_words() -> None:
    assert age_text(None, NOW) == "never"
    assert age_text(NOW - dt.timedelta(seconds=20), NOW) == "as of less than a minute ago"
    assert age_text(NOW - dt.timedelta(minutes=12), NOW) == "as of 12 min ago"
    assert age_text(NOW - dt.timedelta(hours=5), NOW) == "as of 5 h ago"
    assert age_text(NOW - dt.timedelta(days=3), NOW) == "as of 3 days ago"


def test_bots_per_day_counts_shared_bots_once(engine: Engine) -> None:
    day = dt.timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(
            tables.users.insert(),
            [{"user_id": "u0", "status": "ok"}, {"user_id": "u1", "status": "ok"}],
        )
        conn.execute(
            tables.meetings.insert(),
            [
                # One meeting on two calendars, one bot.
                _meeting(0, user_id="u0", will_record=True, bot_id="bot-1"),
                _meeting(1, user_id="u1", will_record=True, bot_id="bot-1"),
                # Tomorrow: two bots, one meeting not recorded.
                _meeting(2, will_record=True, start_time=NOW + day),
                _meeting(3, will_record=True, start_time=NOW + day, bot_id="bot-3"),
                _meeting(4, will_record=False, start_time=NOW + day),
                # Beyond the window, and in the past.
                _meeting(5, will_record=True, start_time=NOW + 40 * day),
                _meeting(6, will_record=True, start_time=NOW - 2 * day),
            ],
        )
    series = bots_per_day(engine, now=NOW, days=28)
    assert len(series) == 28
    assert series[0] == (NOW.date(), 1)
    assert series[1] == ((NOW + day).date(), 2)
    assert sum(n for _, n in series) == 3
