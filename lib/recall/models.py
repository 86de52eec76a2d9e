"""Typed views of the Calendar V1 objects (CalendarUser, CalendarMeeting and their parts).

Recall's objects have grown fields over time, so unknown fields are kept (``extra="allow"``)
rather than rejected, and optional-in-practice fields default instead of failing the whole
list. Where the meaning is clear, values outside the published spec are coerced: a null
``is_organizer`` or ``connected`` is false, a numeric id is its text, nulls inside lists are
dropped, and unknown enum values stay strings. A calendar connection that still does not fit is
set aside in ``CalendarUser.unreadable_connections`` (see ``lib.recall.rows``) rather than
failing the user. Models are frozen: they are shared between sessions through caches.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lib.recall import invites
from lib.recall.rows import UnreadableRow, read_rows

CalendarPlatform = Literal["google", "microsoft"]
CALENDAR_PLATFORMS: tuple[CalendarPlatform, ...] = ("google", "microsoft")

PREFERENCE_FLAGS: tuple[str, ...] = (
    "record_non_host",
    "record_recurring",
    "record_external",
    "record_internal",
    "record_confirmed",
    "record_only_host",
)


def _id_text(value: Any) -> Any:
    # An id sent as a number means the same id; bools are not ids.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _without_nulls(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return value


class _V1Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def to_v1(self) -> dict[str, Any]:
        """The object as Calendar V1 JSON (unknown fields included, datetimes in ISO-8601)."""
        return self.model_dump(mode="json")


class Connection(_V1Model):
    """One calendar account attached to a calendar user."""

    platform: str
    connected: bool = False
    email: str | None = None
    id: str | None = None

    @field_validator("connected", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _id_text(value)


class Preferences(_V1Model):
    """Recording preferences. A flag that is missing or null means False (Recall's default)."""

    id: str | None = None
    record_non_host: bool = False
    record_recurring: bool = False
    record_external: bool = False
    record_internal: bool = False
    record_confirmed: bool = False
    record_only_host: bool = False
    bot_name: str | None = None

    @field_validator(*PREFERENCE_FLAGS, mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _id_text(value)

    def flags(self) -> dict[str, bool]:
        """The six ``record_*`` flags by name."""
        return {name: bool(getattr(self, name)) for name in PREFERENCE_FLAGS}


class CalendarUser(_V1Model):
    """A calendar user; ``external_id`` is the ``user_id`` the workspace authenticated with.

    A null ``preferences`` is read as all-false defaults, which is what Recall applies.
    """

    id: str
    external_id: str | None = None
    connections: list[Connection] = Field(default_factory=list)
    preferences: Preferences = Field(default_factory=Preferences)
    # Connections Recall sent that do not fit the model; never part of the V1 JSON.
    unreadable_connections: tuple[UnreadableRow, ...] = Field(default=(), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _set_aside_unreadable_connections(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {key: value for key, value in data.items() if key != "unreadable_connections"}
        connections = data.get("connections")
        if isinstance(connections, list):
            rows = read_rows(connections, Connection, "calendar connection")
            data["connections"] = list(rows)
            data["unreadable_connections"] = rows.unreadable
        return data

    @field_validator("connections", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("id", "external_id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _id_text(value)

    @field_validator("preferences", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any) -> Any:
        return {} if value is None else value

    def connection(self, platform: str) -> Connection | None:
        """The connection for ``platform`` ("google" / "microsoft"), or None."""
        for conn in self.connections:
            if conn.platform == platform:
                return conn
        return None

    @property
    def connected_platforms(self) -> tuple[str, ...]:
        """Platforms whose calendar is currently connected, in listing order."""
        return tuple(conn.platform for conn in self.connections if conn.connected)

    @property
    def is_connected(self) -> bool:
        """True when at least one calendar is connected."""
        return bool(self.connected_platforms)


class Attendee(_V1Model):
    """One attendee row; ``status`` is accepted / declined / tentative / not_available."""

    name: str | None = None
    email: str | None = None
    is_organizer: bool = False
    status: str | None = None

    @field_validator("is_organizer", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value


def _as_utc(value: datetime | None) -> datetime | None:
    # V1 datetimes carry an offset; a naive one (or a bare date) is read as UTC rather than
    # failing the whole meeting list.
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class CalendarMeeting(_V1Model):
    """A meeting on one calendar user's calendar (ids are per calendar user).

    V1 carries no join URL; ``join_url`` rebuilds it from the ``*_invite`` objects. Datetimes are
    timezone-aware UTC.
    """

    id: str
    override_should_record: bool | None = None
    title: str | None = None
    description: str | None = None
    will_record: bool = False
    will_record_reason: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    platform: str | None = None
    platform_id: str | None = None
    meeting_platform: str | None = None
    calendar_platform: str | None = None
    zoom_invite: dict[str, Any] | None = None
    teams_invite: dict[str, Any] | None = None
    meet_invite: dict[str, Any] | None = None
    webex_invite: dict[str, Any] | None = None
    goto_meeting_invite: dict[str, Any] | None = None
    bot_id: str | None = None
    is_external: bool = False
    is_hosted_by_me: bool = False
    is_recurring: bool = False
    organizer_email: str | None = None
    attendee_emails: list[str] = Field(default_factory=list)
    attendees: list[Attendee] = Field(default_factory=list)
    ical_uid: str | None = None
    visibility: str | None = None

    @field_validator("start_time", "end_time", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _as_utc(value)

    @field_validator("is_external", "is_hosted_by_me", "is_recurring", "will_record", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    @field_validator("attendee_emails", "attendees", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return _without_nulls(value)

    @field_validator("id", "bot_id", "platform_id", "ical_uid", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _id_text(value)

    @property
    def join_url(self) -> str | None:
        """The join link derived from the invite objects, or None when there is none."""
        return invites.join_url({name: getattr(self, name) for name in invites.INVITE_FIELDS})
