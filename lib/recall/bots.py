"""Recall Bot API objects, read tolerantly from the v1.11 shape and the legacy v1.10 shape.

A Calendar V1 meeting's ``bot_id`` leads here. The console keeps only what explains the bot's
outcome: its status changes (code, sub code, message, time), recording and media *statuses*,
the calendar meetings it served and the automatic-leave timeouts. Download URLs are dropped on
parsing (they expire after 6 hours and viewers must never see them), as are participant lists.

Unknown status codes and sub codes are kept as the raw strings: Recall adds codes over time and
an unfamiliar one is information for staff, never a parse error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from lib.recall.errors import UnexpectedResponseError

BotShape = Literal["v1.11", "v1.10"]
MEDIA_SHORTCUTS: tuple[str, ...] = (
    "video_mixed",
    "audio_mixed",
    "transcript",
    "participant_events",
    "meeting_metadata",
)
# Keys only the legacy v1.10 bot object has (it has no ``recordings``).
_LEGACY_KEYS = ("video_url", "media_retention_end", "meeting_participants", "meeting_metadata")


@dataclass(frozen=True)
class StatusChange:
    code: str
    sub_code: str | None
    message: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class Recording:
    id: str | None
    status: str | None
    started_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    # Media shortcut name -> its status code (None when Recall lists the shortcut as null).
    media: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class BotCalendarMeeting:
    id: str
    start_time: datetime | None
    end_time: datetime | None
    calendar_user_id: str | None
    external_id: str | None


@dataclass(frozen=True)
class Bot:
    """One bot, whichever API shape it came in."""

    id: str
    shape: BotShape
    platform: str | None
    meeting_id: str | None
    bot_name: str | None
    join_at: datetime | None
    status_changes: tuple[StatusChange, ...]
    recordings: tuple[Recording, ...]
    calendar_meetings: tuple[BotCalendarMeeting, ...]
    # Seconds per automatic-leave timeout, as configured on this bot (None: Recall's default).
    automatic_leave: Mapping[str, Any] = field(default_factory=dict)
    title: str | None = None

    @property
    def last(self) -> StatusChange | None:
        """The current state: the last status change (an inference, see the reference §7)."""
        return self.status_changes[-1] if self.status_changes else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(change.code for change in self.status_changes)

    def first(self, code: str) -> StatusChange | None:
        return next((c for c in self.status_changes if c.code == code), None)

    def external_ids(self) -> tuple[str, ...]:
        return tuple(m.external_id for m in self.calendar_meetings if m.external_id)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _status_code(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _text(value.get("code"))
    return _text(value)


def _status_changes(raw: Any) -> tuple[StatusChange, ...]:
    changes = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, Mapping) or not _text(item.get("code")):
            continue
        changes.append(
            StatusChange(
                code=str(item["code"]),
                sub_code=_text(item.get("sub_code")),
                message=_text(item.get("message")),
                created_at=_time(item.get("created_at")),
            )
        )
    # Recall lists them in order; sorting by time guards against a server that does not.
    stamped = [c for c in changes if c.created_at is not None]
    if len(stamped) == len(changes):
        changes.sort(key=lambda c: c.created_at)  # type: ignore[arg-type, return-value]
    return tuple(changes)


def _recordings(raw: Any) -> tuple[Recording, ...]:
    out = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, Mapping):
            continue
        shortcuts = item.get("media_shortcuts")
        media: dict[str, str | None] = {}
        if isinstance(shortcuts, Mapping):
            for name, value in shortcuts.items():
                # Only the status: the download URL is deliberately not kept.
                media[str(name)] = (
                    _status_code(value.get("status")) if isinstance(value, Mapping) else None
                )
        out.append(
            Recording(
                id=_text(item.get("id")),
                status=_status_code(item.get("status")),
                started_at=_time(item.get("started_at")),
                completed_at=_time(item.get("completed_at")),
                expires_at=_time(item.get("expires_at")),
                media=media,
            )
        )
    return tuple(out)


def _legacy_recording(data: Mapping[str, Any], codes: tuple[str, ...]) -> tuple[Recording, ...]:
    # v1.10 has one implicit recording: a video URL while media is kept, media_expired after.
    if "media_expired" in codes:
        status = "deleted"
    elif _text(data.get("video_url")):
        status = "done"
    elif "recording_done" in codes or "in_call_recording" in codes:
        status = "processing"
    else:
        return ()
    return (
        Recording(
            id=None,
            status=status,
            started_at=None,
            completed_at=None,
            expires_at=_time(data.get("media_retention_end")),
            media={"video_mixed": status},
        ),
    )


def _calendar_meetings(raw: Any) -> tuple[BotCalendarMeeting, ...]:
    out = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, Mapping) or not _text(item.get("id")):
            continue
        user = item.get("calendar_user")
        user = user if isinstance(user, Mapping) else {}
        out.append(
            BotCalendarMeeting(
                id=str(item["id"]),
                start_time=_time(item.get("start_time")),
                end_time=_time(item.get("end_time")),
                calendar_user_id=_text(user.get("id")),
                external_id=_text(user.get("external_id")),
            )
        )
    return tuple(out)


def shape_of(data: Mapping[str, Any]) -> BotShape:
    """Which API shape a bot object is in."""
    if "recordings" in data:
        return "v1.11"
    return "v1.10" if any(key in data for key in _LEGACY_KEYS) else "v1.11"


def parse_bot(data: Any, *, endpoint: str = "bot_retrieve") -> Bot:
    """A ``Bot`` from Recall's JSON; raises ``UnexpectedResponseError`` only without an id."""
    if not isinstance(data, Mapping) or not _text(data.get("id")):
        raise UnexpectedResponseError(
            f"Recall's answer to {endpoint} was not a bot object. Report it to the console's "
            "maintainers.",
            endpoint=endpoint,
        )
    shape = shape_of(data)
    url = data.get("meeting_url")
    platform = meeting_id = None
    if isinstance(url, Mapping):
        platform, meeting_id = _text(url.get("platform")), _text(url.get("meeting_id"))
    elif isinstance(url, str):
        meeting_id = url or None
    changes = _status_changes(data.get("status_changes"))
    codes = tuple(c.code for c in changes)
    recordings = (
        _recordings(data.get("recordings")) if shape == "v1.11" else _legacy_recording(data, codes)
    )
    leave = data.get("automatic_leave")
    title = None
    legacy_meta = data.get("meeting_metadata")
    if isinstance(legacy_meta, Mapping):
        title = _text(legacy_meta.get("title"))
    return Bot(
        id=str(data["id"]),
        shape=shape,
        platform=platform,
        meeting_id=meeting_id,
        bot_name=_text(data.get("bot_name")),
        join_at=_time(data.get("join_at")),
        status_changes=changes,
        recordings=recordings,
        calendar_meetings=_calendar_meetings(data.get("calendar_meetings")),
        automatic_leave=dict(leave) if isinstance(leave, Mapping) else {},
        title=title,
    )
