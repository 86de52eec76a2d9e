"""Freshness: which users a scheduling round defers, and in which order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from lib.snapshot import tables
from lib.snapshot.config import SnapshotConfig, SnapshotConfigError
from lib.snapshot.jobs import PRIORITY_ROUTINE, PRIORITY_SOON, discovery_due, due_users
from tests.snapshot_db import migrated_engine

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
CONFIG = SnapshotConfig(
    database_url="postgresql://unused",
    recall_base_url="http://127.0.0.1:1",
    recall_api_key=SecretStr("k"),
    token_key=SecretStr("k"),
    max_age_hours=6,
    soon_hours=24,
    soon_refresh_minutes=15,
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine("sqlite", tmp_path, None) as made:
        yield made


def _user(engine: Engine, user_id: str, synced_ago_min: float | None, meeting_in_h: float | None):
    with engine.begin() as conn:
        conn.execute(
            tables.users.insert().values(
                user_id=user_id,
                synced_at=None
                if synced_ago_min is None
                else NOW - dt.timedelta(minutes=synced_ago_min),
                next_meeting_at=None
                if meeting_in_h is None
                else NOW + dt.timedelta(hours=meeting_in_h),
            )
        )


def test_never_read_first_then_meetings_soon_then_the_oldest(engine: Engine) -> None:
    _user(engine, "fresh-no-meetings", 10, None)  # read 10 min ago: not due
    _user(engine, "fresh-soon", 5, 1)  # meeting in an hour, read 5 min ago: not due yet
    _user(engine, "stale-soon-later", 30, 20)  # meeting in 20 h, read 30 min ago: due, soon
    _user(engine, "stale-soon-first", 30, 2)  # meeting in 2 h, read 30 min ago: due, sooner
    _user(engine, "old", 7 * 60, None)  # older than 6 h: due, routine
    _user(engine, "old-far-meeting", 7 * 60, 48)  # meeting beyond the horizon: routine
    _user(engine, "never", None, None)
    due = due_users(engine, CONFIG, now=NOW)
    assert [u for u, _ in due] == [
        "never",
        "stale-soon-first",
        "stale-soon-later",
        "old-far-meeting",
        "old",
    ]
    priorities = dict(due)
    assert priorities["stale-soon-first"] == PRIORITY_SOON
    assert priorities["old"] == PRIORITY_ROUTINE


def test_settings_come_from_the_environment_and_name_what_is_missing() -> None:
    env = {
        "DATABASE_URL": "postgresql://db",
        "RECALL_BASE_URL": "http://127.0.0.1:1",
        "RECALL_API_KEY": "secret-key",
        "SNAPSHOT_TOKEN_KEY": "secret-fernet",
        "SNAPSHOT_MAX_AGE_HOURS": "2",
    }
    config = SnapshotConfig.from_env(env)
    assert config.max_age_hours == 2
    assert "secret" not in repr(config)
    with pytest.raises(SnapshotConfigError, match="SNAPSHOT_TOKEN_KEY"):
        SnapshotConfig.from_env({k: v for k, v in env.items() if k != "SNAPSHOT_TOKEN_KEY"})


def test_the_user_list_is_read_again_only_after_discover_minutes(engine: Engine) -> None:
    assert discovery_due(engine, CONFIG, now=NOW)  # never read
    with engine.begin() as conn:
        conn.execute(
            tables.users.insert().values(user_id="u", listed_at=NOW - dt.timedelta(minutes=59))
        )
    assert not discovery_due(engine, CONFIG, now=NOW)
    assert discovery_due(engine, CONFIG, now=NOW + dt.timedelta(minutes=1))
