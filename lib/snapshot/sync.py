"""Read one calendar user from Recall and make the snapshot say what Recall said.

A sync writes the user, their connections and their meetings in one transaction: a rerun (after
a crash, or simply the next round) upserts the same rows again, and rows Recall no longer
returns (a deleted meeting, a removed connection) are deleted, recognised by a ``synced_at``
other than this sync's. A user Recall says no longer exists is removed with everything of theirs.
A failed read changes nothing but the user's status, which says why in words for staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lib.db import begin_write
from lib.recall import RecallClient
from lib.recall.errors import NotFoundError, RateLimitedError, RecallError
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.snapshot import tables

Outcome = Literal["ok", "failing", "removed"]


@dataclass(frozen=True)
class SyncResult:
    """What one sync did: ``meetings`` is how many the user has in the snapshot afterwards."""

    user_id: str
    outcome: Outcome
    meetings: int = 0
    error: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _upsert(conn: Connection, table: Any, keys: Sequence[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = _insert(conn, table)
    # Only the columns given: the others (e.g. ``listed_at``, kept by discovery) stay as they are.
    changing = {name: stmt.excluded[name] for name in rows[0] if name not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changing), rows)


def ensure_users(engine: Engine, user_ids: Sequence[str], *, listed_at: dt.datetime) -> None:
    """Add users seen in Recall's list (as "pending") and mark every listed one as still listed."""
    with begin_write(engine) as conn:
        stmt = _insert(conn, tables.users)
        rows = [{"user_id": uid, "listed_at": listed_at} for uid in user_ids]
        for start in range(0, len(rows), 1000):
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["user_id"], set_={"listed_at": stmt.excluded.listed_at}
                ),
                rows[start : start + 1000],
            )


def remove_unlisted(engine: Engine, *, listed_before: dt.datetime) -> int:
    """Delete users (and their rows) that the last full list no longer contained."""
    with begin_write(engine) as conn:
        return conn.execute(
            delete(tables.users).where(
                (tables.users.c.listed_at < listed_before) | tables.users.c.listed_at.is_(None)
            )
        ).rowcount


def _meeting_row(user_id: str, meeting: CalendarMeeting, now: dt.datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "meeting_id": meeting.id,
        "title": meeting.title,
        "start_time": meeting.start_time,
        "end_time": meeting.end_time,
        "ical_uid": meeting.ical_uid,
        "bot_id": meeting.bot_id,
        "will_record": meeting.will_record,
        "will_record_reason": meeting.will_record_reason,
        "override_should_record": meeting.override_should_record,
        "is_external": meeting.is_external,
        "is_hosted_by_me": meeting.is_hosted_by_me,
        "is_recurring": meeting.is_recurring,
        "organizer_email": meeting.organizer_email,
        "attendee_emails": [e.lower() for e in meeting.attendee_emails],
        "meeting_url": meeting.join_url,
        "meeting_platform": meeting.meeting_platform,
        "calendar_platform": meeting.calendar_platform,
        "raw": meeting.model_dump(mode="json"),
        "synced_at": now,
    }


def write_user(
    engine: Engine,
    user: CalendarUser,
    meetings: Sequence[CalendarMeeting],
    *,
    now: dt.datetime,
) -> int:
    """Make the snapshot hold exactly ``user`` and ``meetings``; return the meeting count."""
    user_id = user.external_id or ""
    upcoming = [m.start_time for m in meetings if m.start_time is not None and m.start_time > now]
    with begin_write(engine) as conn:
        _upsert(
            conn,
            tables.users,
            ["user_id"],
            [
                {
                    "user_id": user_id,
                    "recall_id": user.id,
                    "preferences": user.preferences.model_dump(mode="json"),
                    "status": "ok",
                    "last_error": None,
                    "failures": 0,
                    "synced_at": now,
                    "attempted_at": now,
                    "next_meeting_at": min(upcoming) if upcoming else None,
                    "upcoming_meetings": len(upcoming),
                }
            ],
        )
        _upsert(
            conn,
            tables.connections,
            ["user_id", "platform"],
            [
                {
                    "user_id": user_id,
                    "platform": c.platform,
                    "connected": c.connected,
                    "email": c.email,
                    "connection_id": c.id,
                    "synced_at": now,
                }
                for c in user.connections
            ],
        )
        rows = [_meeting_row(user_id, m, now) for m in meetings]
        for start in range(0, len(rows), 500):
            _upsert(conn, tables.meetings, ["user_id", "meeting_id"], rows[start : start + 500])
        for table in (tables.connections, tables.meetings):
            conn.execute(delete(table).where(table.c.user_id == user_id, table.c.synced_at != now))
        return conn.execute(
            select(func.count()).where(tables.meetings.c.user_id == user_id)
        ).scalar_one()


def record_failure(engine: Engine, user_id: str, message: str, *, now: dt.datetime) -> None:
    """Keep the user's rows as they were; say that (and why) this read failed."""
    with begin_write(engine) as conn:
        stmt = _insert(conn, tables.users).values(user_id=user_id)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
        conn.execute(
            update(tables.users)
            .where(tables.users.c.user_id == user_id)
            .values(
                status="failing",
                last_error=message,
                failures=tables.users.c.failures + 1,
                attempted_at=now,
            )
        )


def remove_user(engine: Engine, user_id: str) -> None:
    """Forget a user Recall no longer has (connections and meetings go with it)."""
    with begin_write(engine) as conn:
        for table in (tables.meetings, tables.connections, tables.tokens, tables.users):
            conn.execute(delete(table).where(table.c.user_id == user_id))


def sync_user(
    engine: Engine,
    client: RecallClient,
    user_id: str,
    *,
    clock: Callable[[], dt.datetime] = _now,
) -> SyncResult:
    """Read ``user_id`` (an id from Recall's user list) and write it to the snapshot.

    Recall errors are recorded on the user, not raised: one failing account must not stop a
    round. ``RateLimitedError`` is the exception: it propagates so the job is retried later.
    """
    now = clock()
    try:
        user = client.get_user(user_id)
        meetings = client.list_meetings(user_id)
    except NotFoundError:
        remove_user(engine, user_id)
        return SyncResult(user_id, "removed")
    except RecallError as exc:
        if isinstance(exc, RateLimitedError):
            raise
        record_failure(engine, user_id, str(exc), now=now)
        return SyncResult(user_id, "failing", error=str(exc))
    count = write_user(engine, user, meetings, now=now)
    return SyncResult(user_id, "ok", meetings=count)


def discover(
    engine: Engine, client: RecallClient, *, clock: Callable[[], dt.datetime] = _now
) -> int:
    """Read Recall's whole user list: add new users, drop the ones it no longer has.
    Returns how many users are listed."""
    started = clock()
    ids = [u.external_id for u in client.list_users() if u.external_id]
    ensure_users(engine, ids, listed_at=started)
    remove_unlisted(engine, listed_before=started)
    return len(ids)
