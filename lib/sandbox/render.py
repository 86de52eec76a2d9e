"""CalendarUser and CalendarMeeting JSON, as in §3 of the Calendar V1 reference.

``will_record`` and ``will_record_reason`` come from the sandbox's own reading of the documented
rules (``lib.sandbox.rules``, independent of the console's engine) and are recomputed on every
read, because "the meeting has ended" depends on the clock. ``bot_id`` adds Recall's
de-duplication: one bot per real meeting per calendar platform within the workspace (or per
real meeting alone, with ``dedup_key="link-only"``).

Inferences where the reference is silent: an all-day event starts at 00:00 UTC of its day and has
``end_time: null`` (Recall does not record all-day events, and its V1 objects have no all-day
flag); ``platform`` mirrors ``meeting_platform`` and both are null when there is no link.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lib.sandbox import bad_rows, rules
from lib.sandbox.clock import ONE_DAY, iso
from lib.sandbox.config import SandboxConfig
from lib.sandbox.models import Attendee, CalendarUser, Meeting
from lib.sandbox.rules import INVITE_FIELDS


def user_json(user: CalendarUser) -> dict[str, Any]:
    body = _user_json(user)
    if user.quirks == bad_rows.CONNECTIONS_USER:
        bad_rows.distort_user(body)
    return body


def _user_json(user: CalendarUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "external_id": user.external_id,
        "connections": [
            {"connected": c.connected, "platform": c.platform, "email": c.email, "id": c.id}
            for c in user.connections
        ],
        "preferences": {"id": user.preferences_id, **user.preferences()},
    }


def user_json_bytes(user: CalendarUser) -> bytes:
    """``user_json`` serialized compactly, from the user's cache when it is still valid."""
    cached = user.cached_json
    if cached is None:
        cached = json.dumps(user_json(user), ensure_ascii=False, separators=(",", ":")).encode()
        user.cached_json = cached
    return cached


def users_json_bytes(users: Iterable[CalendarUser]) -> bytes:
    """A JSON array of users, assembled from the per-user serializations."""
    return b"[" + b",".join(user_json_bytes(user) for user in users) + b"]"


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def bot_id_for(
    namespace: uuid.UUID, calendar_platform: str | None, link: str, start: datetime
) -> str:
    """The bot that serves a real meeting: the same for every calendar of the workspace that
    shares the key (an inference: join link and start time, plus the calendar platform unless
    ``calendar_platform`` is None)."""
    scope = calendar_platform if calendar_platform is not None else "any-platform"
    return str(uuid.uuid5(namespace, f"bot|{scope}|{link}|{iso(start)}"))


_DEFAULT_CONFIG = SandboxConfig()


def _my_status(attendees: Iterable[Attendee], email: str | None, hosted: bool) -> str | None:
    if email is None:
        return None
    wanted = email.lower()
    for row in attendees:
        if row.email.lower() == wanted:
            return row.status
    # An organizer without a row of their own has, in effect, accepted their own meeting.
    return "accepted" if hosted else None


def meeting_json(
    meeting: Meeting,
    user: CalendarUser,
    *,
    now: datetime,
    namespace: uuid.UUID,
    config: SandboxConfig = _DEFAULT_CONFIG,
) -> dict[str, Any]:
    event = meeting.event
    connected_email = user.connected_email(meeting.calendar_platform)
    attendees = (*event.attendees, *meeting.extra_attendees)
    host_domain = _domain(event.organizer_email)
    all_day = event.end is None
    if not all_day:
        end_time: str | None = iso(event.end)  # type: ignore[arg-type]
    elif config.all_day_end_time == "end-of-day":
        end_time = iso(event.start + ONE_DAY)
    else:
        end_time = None
    is_external = any(_domain(a.email) != host_domain for a in attendees)
    hosted = (
        connected_email is not None and connected_email.lower() == event.organizer_email.lower()
    )
    body: dict[str, Any] = {
        "id": meeting.id,
        "override_should_record": meeting.override,
        "title": event.title,
        "description": event.description,
        "will_record": False,
        "will_record_reason": "",
        "start_time": iso(event.start),
        "end_time": end_time,
        "platform": event.meeting_platform,
        "platform_id": meeting.platform_id,
        "meeting_platform": event.meeting_platform,
        "calendar_platform": meeting.calendar_platform,
        **{
            name: (dict(event.invite) if name == event.invite_field and event.invite else None)
            for name in INVITE_FIELDS
        },
        "bot_id": None,
        "is_external": is_external,
        "is_hosted_by_me": hosted,
        "is_recurring": event.is_recurring,
        "organizer_email": event.organizer_email,
        "attendee_emails": [a.email for a in attendees],
        "attendees": [
            {"name": a.name, "email": a.email, "is_organizer": a.is_organizer, "status": a.status}
            for a in attendees
        ],
        "ical_uid": event.ical_uid,
        "visibility": meeting.visibility,
    }
    link = rules.meeting_link(event.invite_field, event.invite)
    facts = rules.Facts(
        has_link=link is not None,
        all_day=all_day,
        start=event.start,
        ends=event.end if event.end is not None else event.start + ONE_DAY,
        override=meeting.override,
        is_hosted_by_me=hosted,
        is_external=is_external,
        is_recurring=event.is_recurring,
        my_status=_my_status(attendees, connected_email, hosted),
    )
    outcome = rules.decide(
        facts, user.preferences(), now=now, base_combination=config.base_preferences
    )
    body["will_record"] = outcome.record
    body["will_record_reason"] = outcome.reason
    if outcome.record and link is not None:
        platform = meeting.calendar_platform if config.dedup_key == "with-platform" else None
        body["bot_id"] = bot_id_for(namespace, platform, link, event.start)
    return body
