"""Real-world oddities for ``bad_rows=True``: objects that break the documented model.

The published spec marks ``attendees[].is_organizer``, ``connections[].connected`` and
``connections[].platform`` non-null, ids as strings and enums as closed lists, but an evolving API
adds fields and values, and public clients type these fields loosely (reference §10,
"Nullability"). A console must coerce what has a clear meaning and set aside what has none,
without hiding the rest of the account. Each oddity sits on its own meeting or connection, so a
test can tell which one a reader tripped on.

Two extra calendar users carry them (appended after the seeded users, so no other user changes):
``bad-rows-meetings`` (one oddity per meeting, on its first upcoming meetings with a link) and
``bad-rows-connections`` (its connections and its user object).
"""

from __future__ import annotations

from typing import Any

from lib.sandbox import corpus

MEETINGS_USER = "bad-rows-meetings"
CONNECTIONS_USER = "bad-rows-connections"
USERS: tuple[str, ...] = (MEETINGS_USER, CONNECTIONS_USER)

# In the order they are given to the user's upcoming meetings.
MEETING_ODDITIES: tuple[str, ...] = (
    "null_is_organizer",
    "integer_id",
    "null_in_lists",
    "unknown_attendee_status",
    "unknown_calendar_platform",
    "extra_field",
    "unreadable_start_time",
)
# Integer meeting ids start here; the sandbox resolves them back to the meeting.
INTEGER_ID_BASE = 900_001
UNKNOWN_ATTENDEE_STATUS = "needsAction"
UNKNOWN_CALENDAR_PLATFORM = "exchange"
EXTRA_FIELD = ("transcription_language", "en")
UNREADABLE_START_TIME = "TBD"
CONNECTION_INTEGER_ID = 40417


def email(user: str) -> str:
    return f"{user}@{corpus.COMPANY_DOMAIN}"


def distort_meeting(body: dict[str, Any], oddity: str, integer_id: int | None) -> None:
    """Give one rendered meeting its oddity (in place)."""
    if oddity == "null_is_organizer" and body["attendees"]:
        body["attendees"][0]["is_organizer"] = None
    elif oddity == "integer_id" and integer_id is not None:
        body["id"] = integer_id
    elif oddity == "null_in_lists":
        body["attendees"].append(None)
        body["attendee_emails"].append(None)
    elif oddity == "unknown_attendee_status" and body["attendees"]:
        body["attendees"][-1]["status"] = UNKNOWN_ATTENDEE_STATUS
    elif oddity == "unknown_calendar_platform":
        body["calendar_platform"] = UNKNOWN_CALENDAR_PLATFORM
    elif oddity == "extra_field":
        body[EXTRA_FIELD[0]] = EXTRA_FIELD[1]
    elif oddity == "unreadable_start_time":
        body["start_time"] = UNREADABLE_START_TIME


def distort_user(body: dict[str, Any]) -> None:
    """The connections user: ``connected: null`` and an integer id on the first connection,
    ``platform: null`` on the second, and a field the spec does not list."""
    connections = body["connections"]
    if connections:
        connections[0]["connected"] = None
        connections[0]["id"] = CONNECTION_INTEGER_ID
    if len(connections) > 1:
        connections[1]["platform"] = None
    body[EXTRA_FIELD[0]] = EXTRA_FIELD[1]
