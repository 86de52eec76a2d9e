"""Questions across the workspace, answered from the snapshot (no Recall calls)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, Engine, Text, cast, func, or_, select

from lib.snapshot import tables


@dataclass(frozen=True)
class Coverage:
    """How much of the workspace the snapshot holds and how fresh it is."""

    users: int
    synced: int
    stale: int
    failing: int
    pending: int
    platforms: dict[str, int]
    oldest_sync: dt.datetime | None
    newest_sync: dt.datetime | None
    failures: list[tuple[str, str]]


def coverage(
    engine: Engine, *, now: dt.datetime, stale_after: dt.timedelta, failures_shown: int = 50
) -> Coverage:
    """Users synced (fresh), stale (older than ``stale_after``), failing (with the reason) and
    never read; connected users per platform."""
    u = tables.users
    stale_before = now - stale_after
    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.count(),
                func.count().filter((u.c.status == "ok") & (u.c.synced_at >= stale_before)),
                func.count().filter((u.c.status == "ok") & (u.c.synced_at < stale_before)),
                func.count().filter(u.c.status == "failing"),
                func.count().filter(u.c.status == "pending"),
                func.min(u.c.synced_at),
                func.max(u.c.synced_at),
            )
        ).one()
        c = tables.connections
        platforms = dict(
            conn.execute(
                select(c.c.platform, func.count()).where(c.c.connected).group_by(c.c.platform)
            ).all()
        )
        failures = [
            (r.user_id, r.last_error or "")
            for r in conn.execute(
                select(u.c.user_id, u.c.last_error)
                .where(u.c.status == "failing")
                .order_by(u.c.user_id)
                .limit(failures_shown)
            )
        ]
    return Coverage(
        users=row[0],
        synced=row[1],
        stale=row[2],
        failing=row[3],
        pending=row[4],
        platforms=platforms,
        oldest_sync=row[5],
        newest_sync=row[6],
        failures=failures,
    )


@dataclass(frozen=True)
class MeetingHit:
    user_id: str
    meeting_id: str
    title: str | None
    start_time: dt.datetime | None
    bot_id: str | None
    will_record: bool
    ical_uid: str | None
    synced_at: dt.datetime


def search_meetings(engine: Engine, query: str, *, limit: int = 100) -> list[MeetingHit]:
    """Meetings whose title contains ``query`` (any case), or whose iCal UID, meeting link or
    bot id starts with it, or with an attendee whose email is it; soonest first."""
    text = query.strip()
    if not text:
        return []
    m = tables.meetings
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    lowered = text.lower()
    attendee = cast(m.c.attendee_emails, Text).contains(f'"{lowered}"', autoescape=True)
    condition = or_(
        func.lower(m.c.title).like(f"%{escaped.lower()}%", escape="\\"),
        m.c.ical_uid.like(f"{escaped}%", escape="\\"),
        m.c.meeting_url.like(f"{escaped}%", escape="\\"),
        m.c.bot_id.like(f"{escaped}%", escape="\\"),
        func.lower(m.c.organizer_email) == lowered,
        attendee,
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                m.c.user_id,
                m.c.meeting_id,
                m.c.title,
                m.c.start_time,
                m.c.bot_id,
                m.c.will_record,
                m.c.ical_uid,
                m.c.synced_at,
            )
            .where(condition)
            .order_by(m.c.start_time.is_(None), m.c.start_time, m.c.user_id)
            .limit(limit)
        ).all()
    return [MeetingHit(*row) for row in rows]


def age_text(then: dt.datetime | None, now: dt.datetime) -> str:
    """ "as of 12 min ago" for staff; "never" when there is no time."""
    if then is None:
        return "never"
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return "as of less than a minute ago"
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"as of {minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"as of {hours} h ago"
    return f"as of {hours // 24} days ago"


def bots_per_day(engine: Engine, *, now: dt.datetime, days: int = 28) -> list[tuple[dt.date, int]]:
    """Bots the snapshot says Recall will send per UTC day, from today for ``days`` days (every
    day listed, zeros included). Meetings sharing a bot (one meeting on several calendars) count
    once."""
    m = tables.meetings
    start = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(days=days)
    if engine.dialect.name == "postgresql":
        day = cast(func.timezone("UTC", m.c.start_time), Date)
    else:
        day = func.date(m.c.start_time)
    bot = func.coalesce(m.c.bot_id, m.c.user_id + "/" + m.c.meeting_id)
    with engine.connect() as conn:
        rows = conn.execute(
            select(day, func.count(func.distinct(bot)))
            .where(m.c.will_record, m.c.start_time >= start, m.c.start_time < end)
            .group_by(day)
        ).all()
    counts = {
        (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))): int(n) for d, n in rows
    }
    return [
        (start.date() + dt.timedelta(days=i), counts.get(start.date() + dt.timedelta(days=i), 0))
        for i in range(days)
    ]
