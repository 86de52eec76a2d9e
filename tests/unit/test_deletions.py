"""The shared delete marks (lib/deletions.py) on SQLite and PostgreSQL: every process sharing
the database sees a mark as soon as it is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.deletions import UserDeletions
from tests.pg_schema import postgres_schema

WORKSPACE = "http://127.0.0.1:8765"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'console.db'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url"), "deletions") as url:
        yield url


def test_a_mark_written_by_one_process_is_read_by_another(database_url: str) -> None:
    with UserDeletions(database_url) as one, UserDeletions(database_url) as other:
        assert other.get(WORKSPACE, "nw-1") is None
        mark = one.started(WORKSPACE + "/", "nw-1", by="ada@corp.example")
        seen = other.get(WORKSPACE, "nw-1")
        assert seen is not None and seen.in_flight and seen.actor_email == "ada@corp.example"
        assert seen.started_at == mark.started_at
        one.finished(WORKSPACE, "nw-1")
        done = other.get(WORKSPACE, "nw-1")
        assert done is not None and not done.in_flight
        assert done.finished_at is not None and done.finished_at.tzinfo is not None
        # Another workspace sharing the database is not affected.
        assert other.get("http://other.example", "nw-1") is None


def test_forget_removes_only_the_mark_it_was_given(database_url: str) -> None:
    times = iter(dt.datetime(2026, 12, 4, 9, minute, tzinfo=dt.UTC) for minute in range(0, 60, 5))
    with UserDeletions(database_url, clock=lambda: next(times)) as store:
        first = store.started(WORKSPACE, "nw-1", by="ada@corp.example")
        second = store.started(WORKSPACE, "nw-1", by="bob@corp.example")
        store.forget(WORKSPACE, "nw-1", started_at=first.started_at)
        kept = store.get(WORKSPACE, "nw-1")
        assert kept is not None and kept.actor_email == "bob@corp.example"
        store.forget(WORKSPACE, "nw-1", started_at=second.started_at)
        assert store.get(WORKSPACE, "nw-1") is None
