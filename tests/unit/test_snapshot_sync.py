"""Syncing one calendar user into the snapshot, against the sandbox over real HTTP, on SQLite and
PostgreSQL: rows say what Recall says, reruns add nothing, removed meetings and users go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from lib.recall import RecallClient
from lib.snapshot import tables
from lib.snapshot.sync import discover, sync_user
from tests.snapshot_db import migrated_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with migrated_engine(request.param, tmp_path, pg) as made:
        yield made


@pytest.fixture
def running(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(seed=3, users=12, heavy_user_meetings=0)


@pytest.fixture
def client(running: Any) -> Iterator[RecallClient]:
    with RecallClient(running.base_url, running.api_key) as made:
        yield made


def _count(engine: Engine, table: Any, user_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(table).where(table.c.user_id == user_id)
        ).scalar_one()


def _user_with_meetings(client: RecallClient, platform: str | None = None) -> str:
    for user in client.list_users():
        if platform is not None and user.connected_platforms != (platform,):
            continue
        if user.external_id and client.list_meetings(user.external_id):
            return user.external_id
    raise AssertionError("the seeded workspace has no user with meetings")


def test_a_sync_writes_what_recall_says(engine: Engine, client: RecallClient) -> None:
    user_id = _user_with_meetings(client)
    live = {m.id: m for m in client.list_meetings(user_id)}
    live_user = client.get_user(user_id)

    result = sync_user(engine, client, user_id)

    assert result.outcome == "ok" and result.meetings == len(live)
    with engine.connect() as conn:
        rows = conn.execute(
            select(tables.meetings).where(tables.meetings.c.user_id == user_id)
        ).all()
        user_row = conn.execute(select(tables.users).where(tables.users.c.user_id == user_id)).one()
        conns = conn.execute(
            select(tables.connections).where(tables.connections.c.user_id == user_id)
        ).all()
    assert {r.meeting_id for r in rows} == set(live)
    for row in rows:
        meeting = live[row.meeting_id]
        assert (row.bot_id, row.will_record, row.ical_uid, row.title) == (
            meeting.bot_id,
            meeting.will_record,
            meeting.ical_uid,
            meeting.title,
        )
        assert row.start_time == meeting.start_time
        assert row.raw["id"] == meeting.id
        assert row.synced_at == user_row.synced_at
    assert user_row.status == "ok" and user_row.recall_id == live_user.id
    assert user_row.synced_at.tzinfo is not None
    assert {(c.platform, c.connected) for c in conns} == {
        (c.platform, c.connected) for c in live_user.connections
    }
    now = dt.datetime.now(dt.UTC)
    upcoming = [m.start_time for m in live.values() if m.start_time and m.start_time > now]
    assert user_row.upcoming_meetings == len(upcoming)


def test_a_rerun_adds_no_rows_and_refreshes_synced_at(engine: Engine, client: RecallClient) -> None:
    user_id = _user_with_meetings(client)
    first = sync_user(engine, client, user_id)
    times = iter([dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)])  # a later round, same data
    second = sync_user(engine, client, user_id, clock=lambda: next(times))
    assert second.meetings == first.meetings == _count(engine, tables.meetings, user_id)
    with engine.connect() as conn:
        stamps = set(
            conn.execute(
                select(tables.meetings.c.synced_at).where(tables.meetings.c.user_id == user_id)
            ).scalars()
        )
    assert len(stamps) == 1 and stamps.pop() > dt.datetime.now(dt.UTC)


def test_meetings_recall_no_longer_returns_are_removed(
    engine: Engine, client: RecallClient
) -> None:
    user_id = _user_with_meetings(client, platform="google")
    assert sync_user(engine, client, user_id).meetings > 0
    # Disconnecting the calendar makes Recall drop its meetings.
    client.disconnect(user_id, "google")
    result = sync_user(engine, client, user_id)
    assert result.meetings == 0 == _count(engine, tables.meetings, user_id)
    with engine.connect() as conn:
        connected = conn.execute(
            select(tables.connections.c.connected).where(
                tables.connections.c.user_id == user_id,
                tables.connections.c.platform == "google",
            )
        ).scalar_one()
    assert connected is False


def test_discovery_adds_new_users_and_drops_deleted_ones(
    engine: Engine, client: RecallClient
) -> None:
    listed = discover(engine, client)
    assert listed == 12
    user_id = _user_with_meetings(client)
    sync_user(engine, client, user_id)
    client.delete_user(user_id)
    assert discover(engine, client) == 11
    assert _count(engine, tables.users, user_id) == 0
    assert _count(engine, tables.meetings, user_id) == 0
    with engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).where(tables.users.c.status == "pending")
        ).scalar_one()
    assert pending == 11


def test_a_failed_read_keeps_the_rows_and_says_why(
    engine: Engine, client: RecallClient, running: Any
) -> None:
    user_id = _user_with_meetings(client)
    before = sync_user(engine, client, user_id).meetings
    failing = RecallClient(running.base_url, "wrong-key", max_retries=0)
    result = sync_user(engine, failing, user_id)
    failing.close()
    assert result.outcome == "failing" and result.error
    assert _count(engine, tables.meetings, user_id) == before
    with engine.connect() as conn:
        row = conn.execute(select(tables.users).where(tables.users.c.user_id == user_id)).one()
    assert row.status == "failing" and row.failures == 1 and row.last_error == result.error
    assert "wrong-key" not in row.last_error
