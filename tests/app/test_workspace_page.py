"""The Workspace page (every role): coverage and meeting search from the snapshot, with how old
each answer is, and a plain explanation where there is no snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from lib.db import make_engine
from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox
from lib.snapshot import tables
from lib.snapshot.sync import discover, sync_user
from lib.staff import Role
from tests.snapshot_db import migrated_postgres_url

PAGE = "pages/workspace.py"


@pytest.fixture
def snapshot(postgres_url: str, app_sandbox: RunningSandbox) -> Iterator[tuple[str, Engine, Any]]:
    """A migrated PostgreSQL with three accounts synced 12 minutes ago, one failing, the rest
    listed but never read."""
    with migrated_postgres_url(postgres_url) as url:
        engine = make_engine(url)
        with RecallClient(app_sandbox.base_url, app_sandbox.api_key) as client:
            discover(engine, client)
            ids = [u.external_id or "" for u in client.list_users() if u.connected_platforms]
            when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=12)
            for user_id in ids[:3]:
                sync_user(engine, client, user_id, clock=lambda: when)
            meeting = client.list_meetings(ids[0])[0]
        with engine.begin() as conn:
            conn.execute(
                update(tables.users)
                .where(tables.users.c.user_id == ids[3])
                .values(status="failing", last_error="The calendar token was refused.")
            )
        yield url, engine, meeting
        engine.dispose()


def _expected_bots(engine: Engine) -> int:
    now = dt.datetime.now(dt.UTC)
    start = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
    with engine.connect() as conn:
        rows = conn.execute(
            select(tables.meetings).where(
                tables.meetings.c.will_record,
                tables.meetings.c.start_time >= start,
                tables.meetings.c.start_time < start + dt.timedelta(days=28),
            )
        ).all()
    return len({r.bot_id or f"{r.user_id}/{r.meeting_id}" for r in rows})


def _click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def open_page(console_app: Callable[..., AppTest], role: Role, **secrets: Any) -> AppTest:
    at = console_app(role, **secrets).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.warning, at.error):
        parts += [e.value for e in kind]
    return "\n".join(parts)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN])
def test_coverage_counts_and_staleness(
    console_app: Callable[..., AppTest], snapshot: tuple[str, Engine, Any], role: Role
) -> None:
    url, engine, _meeting = snapshot
    at = open_page(console_app, role, console={"database_url": url})
    values = {m.label: m.value for m in at.metric}
    assert values["Accounts"] == "40"
    assert values["Synced"] == "3"
    assert values["Failing"] == "1"
    assert values["Not read yet"] == "36"
    assert "as of 12 min ago" in page_text(at)
    expected_bots = _expected_bots(engine)
    assert f"{expected_bots:,} bots in the next 28 days" in page_text(at)
    failing = next(f.value for f in at.dataframe if "Why" in f.value.columns)
    assert "The calendar token was refused." in failing["Why"].tolist()


def test_search_finds_a_meeting_by_ical_uid_and_by_title(
    console_app: Callable[..., AppTest], snapshot: tuple[str, Engine, Any]
) -> None:
    url, _engine, meeting = snapshot
    at = open_page(console_app, Role.VIEWER, console={"database_url": url})
    at.text_input(key="workspace.search").input(meeting.ical_uid).run()
    hits = next(f.value for f in at.dataframe if "Title" in f.value.columns)
    assert (meeting.title or "(no title)") in hits["Title"].tolist()
    assert set(hits["Read"]) == {"as of 12 min ago"}
    # Opening an account from the results asks for the reason, as from the directory.
    at.selectbox(key="workspace.open").select(hits["Account"].tolist()[0]).run()
    _click(at, "Open account")
    assert f"Open the account of `{hits['Account'].tolist()[0]}`" in page_text(at)


def test_search_without_a_match_says_so(
    console_app: Callable[..., AppTest], snapshot: tuple[str, Engine, Any]
) -> None:
    url, _engine, _meeting = snapshot
    at = open_page(console_app, Role.VIEWER, console={"database_url": url})
    at.text_input(key="workspace.search").input("no meeting is called this").run()
    assert "No meeting in the snapshot matches." in page_text(at)


def test_without_postgresql_the_page_says_why(console_app: Callable[..., AppTest]) -> None:
    at = open_page(console_app, Role.VIEWER)
    assert "no workspace snapshot" in page_text(at)
    assert not at.metric
