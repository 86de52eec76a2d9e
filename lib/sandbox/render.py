"""CalendarUser and CalendarMeeting JSON, as in §3 of the Calendar V1 reference.

``will_record`` and ``will_record_reason`` come from the console's own rules engine
(``lib.autorecord.decide``) and are recomputed on every read, because "the meeting has ended"
depends on the clock. ``bot_id`` adds Recall's de-duplication: one bot per real meeting per
calendar platform within the workspace. A meeting that has ended keeps the bot that was sent to
it (an inference: the id is how support follows the meeting into the Bot API afterwards).

Inferences where the reference is silent: an all-day event starts at 00:00 UTC of its day and has
``end_time: null`` (Recall does not record all-day events, and its V1 objects have no all-day
flag); ``platform`` mirrors ``meeting_platform`` and both are null when there is no link.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from lib.autorecord import decide
from lib.recall.invites import INVITE_FIELDS, join_url
from lib.sandbox.clock import iso
from lib.sandbox.models import CalendarUser, Meeting


def user_json(user: CalendarUser) -> dict[str, Any]:
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


def bot_id_for(namespace: uuid.UUID, calendar_platform: str, link: str, start: datetime) -> str:
    """The bot that serves a real meeting: the same for every calendar of the workspace on the
    same calendar platform (the dedup key is an inference: join link and start time)."""
    return str(uuid.uuid5(namespace, f"bot|{calendar_platform}|{link}|{iso(start)}"))


def meeting_json(
    meeting: Meeting,
    user: CalendarUser,
    *,
    now: datetime,
    namespace: uuid.UUID,
) -> dict[str, Any]:
    event = meeting.event
    connected_email = user.connected_email(meeting.calendar_platform)
    attendees = (*event.attendees, *meeting.extra_attendees)
    host_domain = _domain(event.organizer_email)
    body: dict[str, Any] = {
        "id": meeting.id,
        "override_should_record": meeting.override,
        "title": event.title,
        "description": event.description,
        "will_record": False,
        "will_record_reason": "",
        "start_time": iso(event.start),
        "end_time": iso(event.end) if event.end is not None else None,
        "platform": event.meeting_platform,
        "platform_id": meeting.platform_id,
        "meeting_platform": event.meeting_platform,
        "calendar_platform": meeting.calendar_platform,
        **{
            name: (dict(event.invite) if name == event.invite_field and event.invite else None)
            for name in INVITE_FIELDS
        },
        "bot_id": None,
        "is_external": any(_domain(a.email) != host_domain for a in attendees),
        "is_hosted_by_me": connected_email is not None
        and connected_email.lower() == event.organizer_email.lower(),
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
    decision = decide(body, user.preferences(), now=now, connected_email=connected_email)
    body["will_record"] = decision.record
    body["will_record_reason"] = decision.reason
    # A meeting that has ended keeps the bot that was sent to it: decide as of the bot's join
    # time (2 minutes before the start), when Recall last acted on the meeting.
    sent = decision.record or (
        decision.rule == "ended"
        and decide(
            body,
            user.preferences(),
            now=event.start - timedelta(minutes=2),
            connected_email=connected_email,
        ).record
    )
    if sent:
        link = join_url(body)
        if link is not None:
            body["bot_id"] = bot_id_for(namespace, meeting.calendar_platform, link, event.start)
    return body
