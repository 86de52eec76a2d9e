"""One user's meetings as the account page shows them: Recall's view next to the rules engine's.

Pure pandas: the page renders what this builds, and tests check it without Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

import pandas as pd

from lib.autorecord import consistency_frame, decide_frame, meetings_frame, preset_name
from lib.recall.models import CALENDAR_PLATFORMS, CalendarMeeting, CalendarUser

OVERRIDE_LABELS: dict[bool | None, str] = {None: "Auto", True: "Always", False: "Never"}
OVERRIDE_VALUES: dict[str, bool | None] = {label: value for value, label in OVERRIDE_LABELS.items()}

PLATFORM_LABELS = {
    "zoom": "Zoom",
    "google_meet": "Google Meet",
    "microsoft_teams": "Teams",
    "microsoft_teams_live": "Teams Live",
    "webex": "Webex",
    "goto_meeting": "GoTo",
}


def preferences_label(flags: Mapping[str, Any]) -> str:
    """The documented preset these flags match, or what they amount to."""
    name = preset_name(flags)
    if name:
        return name
    return "nothing recorded (default)" if not any(flags.values()) else "custom"


def connected_emails(user: CalendarUser) -> dict[str, str | None]:
    """Email of each connected calendar, by calendar platform."""
    out: dict[str, str | None] = {}
    for platform in CALENDAR_PLATFORMS:
        connection = user.connection(platform)
        if connection is not None and connection.connected:
            out[platform] = connection.email
    return out


def my_response(meeting: CalendarMeeting, email: str | None) -> str:
    """The connected account's response; the host counts as accepted without an attendee row."""
    wanted = (email or "").strip().lower()
    if wanted:
        for attendee in meeting.attendees:
            if (attendee.email or "").strip().lower() == wanted:
                return attendee.status or "unknown"
    return "accepted (host)" if meeting.is_hosted_by_me else "—"


def decide_for_user(
    frame: pd.DataFrame,
    calendar_platforms: pd.Series,
    preferences: Mapping[str, Any],
    emails: Mapping[str, str | None],
    *,
    now: datetime,
) -> pd.DataFrame:
    """``decide_frame`` per calendar platform, each with that connection's email."""
    parts = []
    for platform, index in calendar_platforms.groupby(
        calendar_platforms, dropna=False
    ).groups.items():
        rows = frame.loc[index]
        email = emails.get(platform) if isinstance(platform, str) else None
        parts.append(decide_frame(rows, preferences, now=now, connected_email=email))
    if not parts:
        return pd.DataFrame(
            {"record": pd.Series(dtype=bool), "rule": pd.Series(dtype=object), "reason": ""},
            index=frame.index,
        )
    return pd.concat(parts).reindex(frame.index)


def shared_bot_peers(
    meetings: Sequence[CalendarMeeting],
    user_id: str,
    directory: pd.DataFrame | None,
) -> list[list[str]]:
    """For each meeting, other workspace users whose connected calendar (same platform) is
    among its attendees: Recall de-duplicates their bots into one."""
    if directory is None or directory.empty:
        return [[] for _ in meetings]
    by_platform: dict[str, dict[str, str]] = {}
    for platform in CALENDAR_PLATFORMS:
        column = f"{platform}_email"
        state = directory[platform] == "connected"
        emails = directory.loc[state, column].fillna("").str.lower()
        by_platform[platform] = {
            email: uid for email, uid in zip(emails, directory.loc[state, "user_id"], strict=True)
        }
    peers = []
    for meeting in meetings:
        known = by_platform.get(meeting.calendar_platform or "", {})
        found = {
            known[email]
            for email in (a.lower() for a in meeting.attendee_emails if a)
            if email in known and known[email] != user_id
        }
        peers.append(sorted(found))
    return peers


def other_platform_peers(
    meetings: Sequence[CalendarMeeting],
    user_id: str,
    directory: pd.DataFrame | None,
) -> list[list[str]]:
    """For each meeting, workspace users whose connected calendar on the *other* calendar
    platform is among its attendees. Recall documents de-duplication per calendar platform;
    if it keys on the join link alone, they share this meeting's bot too."""
    if directory is None or directory.empty:
        return [[] for _ in meetings]
    by_platform: dict[str, dict[str, str]] = {}
    for platform in CALENDAR_PLATFORMS:
        state = directory[platform] == "connected"
        emails = directory.loc[state, f"{platform}_email"].fillna("").str.lower()
        by_platform[platform] = dict(zip(emails, directory.loc[state, "user_id"], strict=True))
    peers = []
    for meeting in meetings:
        own = meeting.calendar_platform or ""
        found = set()
        for platform, known in by_platform.items():
            if platform == own:
                continue
            found |= {
                known[email]
                for email in (a.lower() for a in meeting.attendee_emails if a)
                if email in known and known[email] != user_id
            }
        peers.append(sorted(found))
    return peers


def meetings_table(
    user: CalendarUser,
    meetings: Iterable[CalendarMeeting],
    *,
    now: datetime,
    directory: pd.DataFrame | None = None,
    preferences_changed_at: datetime | None = None,
) -> pd.DataFrame:
    """One row per meeting, indexed by meeting id, with everything the meetings table shows."""
    meetings = sorted(
        meetings, key=lambda m: (m.start_time is None, m.start_time or now, m.title or "")
    )
    ids = [m.id for m in meetings]
    if not meetings:
        return pd.DataFrame(columns=list(TABLE_COLUMNS)).set_index(pd.Index([], name="id"))
    raw = [m.to_v1() for m in meetings]
    frame = meetings_frame(raw, index=ids)
    emails = connected_emails(user)
    platforms = pd.Series([m.calendar_platform for m in meetings], index=ids, dtype=object)
    preferences = user.preferences.flags()
    decisions = decide_for_user(frame, platforms, preferences, emails, now=now)
    peers = shared_bot_peers(meetings, user.external_id or "", directory)
    across = other_platform_peers(meetings, user.external_id or "", directory)
    peer_counts = pd.Series([len(p) for p in peers], index=ids)
    consistency = consistency_frame(
        frame,
        decisions,
        now=now,
        preferences_changed_at=preferences_changed_at,
        bot_shared_with=peer_counts,
        preferences=preferences,
    )
    table = pd.DataFrame(
        {
            "start": [m.start_time for m in meetings],
            "end": [m.end_time for m in meetings],
            "title": [m.title or "(no title)" for m in meetings],
            "meeting_platform": [
                PLATFORM_LABELS.get(m.meeting_platform or "", m.meeting_platform or "no link")
                for m in meetings
            ],
            "join_url": [m.join_url for m in meetings],
            "calendar": [(m.calendar_platform or "").capitalize() for m in meetings],
            "external": [m.is_external for m in meetings],
            "hosted": [m.is_hosted_by_me for m in meetings],
            "recurring": [m.is_recurring for m in meetings],
            "response": [my_response(m, emails.get(m.calendar_platform or "")) for m in meetings],
            "attendees": [len(m.attendees) or len(m.attendee_emails) for m in meetings],
            "recall_will_record": [m.will_record for m in meetings],
            "engine_record": decisions["record"].astype(bool).to_numpy(),
            "engine_rule": decisions["rule"].astype(str).to_numpy(),
            "engine_reason": decisions["reason"].astype(str).to_numpy(),
            "mismatch": ~consistency["agrees"].astype(bool).to_numpy(),
            "mismatch_cause": consistency["detail"].fillna("").to_numpy(),
            "mismatch_kind": consistency["cause"].fillna("").to_numpy(),
            "bot_id": [m.bot_id or "" for m in meetings],
            "bot_shared_with": [", ".join(p) for p in peers],
            "bot_shared_across": [", ".join(p) for p in across],
            "override": [OVERRIDE_LABELS[m.override_should_record] for m in meetings],
        },
        index=pd.Index(ids, name="id"),
    )
    return table[list(TABLE_COLUMNS)]


TABLE_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "title",
    "meeting_platform",
    "join_url",
    "calendar",
    "external",
    "hosted",
    "recurring",
    "response",
    "attendees",
    "recall_will_record",
    "engine_record",
    "engine_rule",
    "engine_reason",
    "mismatch",
    "mismatch_cause",
    "mismatch_kind",
    "bot_id",
    "bot_shared_with",
    "bot_shared_across",
    "override",
)


def override_changes(
    table: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]
) -> list[tuple[str, bool | None, bool | None]]:
    """Override edits from a data editor's ``edited_rows`` (row position -> {column: value}).

    Only the ``override`` column counts, whatever else the edit state holds: a disabled column
    is not enforced by the editor, so anything else is ignored here. Returns
    (meeting id, loaded value, wanted value) for each real change.
    """
    changes = []
    for position, edits in edited_rows.items():
        try:
            row = int(position)
        except (TypeError, ValueError):
            continue
        if not 0 <= row < len(table) or "override" not in edits:
            continue
        label = edits["override"]
        if label not in OVERRIDE_VALUES:
            continue
        meeting_id = str(table.index[row])
        loaded = OVERRIDE_VALUES[table.iloc[row]["override"]]
        wanted = OVERRIDE_VALUES[label]
        if wanted != loaded:
            changes.append((meeting_id, loaded, wanted))
    return changes


def preference_effect(
    user: CalendarUser,
    meetings: Sequence[CalendarMeeting],
    candidate: Mapping[str, Any],
    *,
    now: datetime,
) -> tuple[int, int, pd.DataFrame]:
    """How many upcoming meetings start and stop being recorded under ``candidate`` flags,
    and the changed rows (title, start, before, after, reason)."""
    upcoming = [m for m in meetings if m.end_time is None or m.end_time > now]
    if not upcoming:
        return 0, 0, pd.DataFrame(columns=["start", "title", "before", "after", "reason"])
    ids = [m.id for m in upcoming]
    frame = meetings_frame([m.to_v1() for m in upcoming], index=ids)
    platforms = pd.Series([m.calendar_platform for m in upcoming], index=ids, dtype=object)
    emails = connected_emails(user)
    before = decide_for_user(frame, platforms, user.preferences.flags(), emails, now=now)
    after = decide_for_user(frame, platforms, candidate, emails, now=now)
    changed = before["record"] != after["record"]
    starts = int((changed & after["record"]).sum())
    stops = int((changed & ~after["record"].astype(bool)).sum())
    by_id = {m.id: m for m in upcoming}
    rows = pd.DataFrame(
        {
            "start": [by_id[i].start_time for i in after.index[changed]],
            "title": [by_id[i].title or "(no title)" for i in after.index[changed]],
            "before": before.loc[changed, "record"].map({True: "records", False: "no bot"}),
            "after": after.loc[changed, "record"].map({True: "records", False: "no bot"}),
            "reason": after.loc[changed, "reason"],
        }
    )
    return starts, stops, rows


def data_horizon(meetings: Iterable[CalendarMeeting], now: datetime) -> datetime | None:
    """The start of the latest upcoming meeting Recall sent, or None when it sent none."""
    starts = [m.start_time for m in meetings if m.start_time is not None and m.start_time >= now]
    return max(starts, default=None)


def horizon_text(
    latest: datetime | None, *, now: datetime, asked_ahead: timedelta, tz: tzinfo
) -> str:
    """How far ahead Recall's data reaches, in words, next to the period that was asked for.

    Recall may sync a shorter horizon than the period the console asks for, so the page never
    implies that an empty stretch means "no meetings"."""
    asked = f"the console asked for the coming {asked_ahead.days} days"
    if latest is None:
        return f"Recall has no upcoming meetings for this user ({asked})."
    local = latest.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    ahead = "today" if days == 0 else "1 day ahead" if days == 1 else f"{days} days ahead"
    return f"Recall has meetings up to {local:%a} {local.day} {local:%b} ({ahead}); {asked}."
