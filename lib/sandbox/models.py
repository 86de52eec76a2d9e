"""In-memory records of the sandbox workspace: calendar users, connections, events, meetings.

Objects are small (``__slots__``) because a benchmark workspace holds 100,000 users. An
``Event`` is the real calendar event, shared by every calendar it appears on; a ``Meeting`` is
one calendar user's copy of it (own id, own override), which is how Recall models it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PREFERENCE_FLAGS: tuple[str, ...] = (
    "record_non_host",
    "record_recurring",
    "record_external",
    "record_internal",
    "record_confirmed",
    "record_only_host",
)
# Recall documents no default bot name; this is the sandbox's choice for new users.
DEFAULT_BOT_NAME = "Notetaker"


def flags_to_mask(flags: Mapping[str, bool]) -> int:
    """Pack the six ``record_*`` booleans into an int (absent keys are False)."""
    mask = 0
    for bit, name in enumerate(PREFERENCE_FLAGS):
        if flags.get(name):
            mask |= 1 << bit
    return mask


def mask_to_flags(mask: int) -> dict[str, bool]:
    """Unpack ``flags_to_mask``."""
    return {name: bool(mask & (1 << bit)) for bit, name in enumerate(PREFERENCE_FLAGS)}


class Connection:
    """One calendar account on a calendar user; it stays listed after a disconnect."""

    __slots__ = ("connected", "email", "id", "platform")

    def __init__(self, platform: str, email: str | None, connected: bool, id: str) -> None:
        self.platform = platform
        self.email = email
        self.connected = connected
        self.id = id


class CalendarUser:
    """A Recall calendar user. ``person`` is the directory index of a seeded user, None for one
    created later through authenticate. ``meetings`` is filled on first access, per platform."""

    __slots__ = (
        "bot_name",
        "cached_json",
        "connections",
        "external_id",
        "generations",
        "id",
        "meetings",
        "person",
        "preferences_id",
        "prefs",
        "quirks",
        "seq",
    )

    def __init__(
        self,
        *,
        id: str,
        external_id: str,
        seq: int,
        person: int | None = None,
        connections: list[Connection] | None = None,
        prefs: int = 0,
        bot_name: str = DEFAULT_BOT_NAME,
        preferences_id: str,
    ) -> None:
        self.id = id
        self.external_id = external_id
        self.seq = seq
        self.person = person
        self.connections: list[Connection] = connections or []
        self.prefs = prefs
        self.bot_name = bot_name
        self.preferences_id = preferences_id
        self.meetings: dict[str, dict[str, Meeting]] | None = None
        # Bumped on each new OAuth connection of a platform, so its meetings get new ids.
        self.generations: dict[str, int] | None = None
        # The user's JSON, kept between requests because listing 100,000 users is dominated by
        # serialization; every change to the user clears it (see ``changed``).
        self.cached_json: bytes | None = None
        # The external id of a ``bad_rows`` user whose JSON is deliberately off the model.
        self.quirks: str | None = None

    def changed(self) -> None:
        self.cached_json = None

    def connection(self, platform: str) -> Connection | None:
        for conn in self.connections:
            if conn.platform == platform:
                return conn
        return None

    def connected_email(self, platform: str) -> str | None:
        """The address of the connected account on ``platform``; None when not connected."""
        conn = self.connection(platform)
        return conn.email if conn is not None and conn.connected else None

    @property
    def is_connected(self) -> bool:
        return any(conn.connected for conn in self.connections)

    def preferences(self) -> dict[str, Any]:
        """The six flags and ``bot_name`` as a plain dict."""
        return {**mask_to_flags(self.prefs), "bot_name": self.bot_name}


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str | None
    email: str
    is_organizer: bool
    status: str


@dataclass(frozen=True, slots=True)
class Event:
    """A real calendar event as its organizer created it.

    ``key`` identifies the event within the workspace (one occurrence of a series has its own
    key). ``end`` is None for an all-day event. ``invite_field`` names the ``*_invite`` object
    that carries the link, None when the event has no link.
    """

    key: str
    title: str
    description: str
    start: datetime
    end: datetime | None
    invite_field: str | None
    invite: Mapping[str, Any] | None
    meeting_platform: str | None
    ical_uid: str
    is_recurring: bool
    organizer_email: str
    attendees: tuple[Attendee, ...]
    # Provider id of the event (a series' occurrences add their start to it).
    source_id: str


class Meeting:
    """One calendar user's copy of an event on one of their calendars."""

    __slots__ = (
        "calendar_platform",
        "event",
        "extra_attendees",
        "id",
        "override",
        "platform_id",
        "visibility",
    )

    def __init__(
        self,
        *,
        id: str,
        event: Event,
        calendar_platform: str,
        platform_id: str,
        visibility: str | None,
        override: bool | None = None,
        extra_attendees: tuple[Attendee, ...] = (),
    ) -> None:
        self.id = id
        self.event = event
        self.calendar_platform = calendar_platform
        self.platform_id = platform_id
        self.visibility = visibility
        self.override = override
        # Rows only this copy shows, e.g. the viewer's own response to a group invitation.
        self.extra_attendees = extra_attendees
