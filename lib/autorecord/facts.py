"""The facts about one Calendar V1 meeting that the auto-record rules look at.

Both the single-meeting path and the frame builder derive their facts here, so the two can only
disagree in how they combine facts, never in what the facts are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from lib.recall.invites import INVITE_FIELDS, join_url

_DATE_ONLY = re.compile(r"\d{4}-?\d{2}-?\d{2}")

# Shown where a reason names the organizer but the meeting does not say who it is.
UNKNOWN_ORGANIZER = "not reported"
# Shown where a reason quotes an attendee response that is empty.
NO_STATUS = "not given"


# Types the API actually sends; checked first because this runs for every field of every meeting.
_NEVER_MISSING = frozenset({str, bool, dict, list})


def is_missing(value: object) -> bool:
    """None, and the null markers that pandas and numpy put in frames (NaN, NaT, NA)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if type(value) in _NEVER_MISSING:
        return False
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def require_aware(value: datetime, name: str) -> datetime:
    """``value`` in UTC; a naive datetime is refused because its zone would be a guess."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def parse_time(value: object, name: str) -> datetime | None:
    """A meeting's start or end as an aware UTC datetime, or None when it has none.

    A bare date (how calendars describe all-day events) counts as having no time, since that is
    the case Recall's "both a start and an end time" prerequisite rules out. A date-time without a
    UTC offset is refused: Recall always sends one, and assuming a zone could mark a live meeting
    as ended.
    """
    if is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or _DATE_ONLY.fullmatch(text):
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name} is not an ISO 8601 date-time") from None
        return require_aware(parsed, name)
    if isinstance(value, datetime):
        return require_aware(value, name)
    if isinstance(value, date):
        return None
    raise TypeError(f"{name} must be an ISO 8601 string or a datetime, got {type(value).__name__}")


def time_text(value: datetime) -> str:
    """How reasons print a time: UTC to the second, e.g. ``2025-06-10T18:55:04Z``."""
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def read_flag(meeting: Mapping[str, Any], name: str) -> bool:
    """A boolean meeting field as Recall reports it; absent or null reads as false."""
    value = meeting.get(name)
    if is_missing(value):
        return False
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise TypeError(f"{name} must be a boolean, got {type(value).__name__}")


def read_override(meeting: Mapping[str, Any]) -> bool | None:
    """``override_should_record``: true or false decides, null (or absent) defers."""
    value = meeting.get("override_should_record")
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise TypeError(f"override_should_record must be a boolean or null, got {type(value).__name__}")


def normalize_email(value: object) -> str | None:
    """The form in which emails are compared: trimmed and lower-cased; empty means none."""
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise TypeError(f"email must be a string, got {type(value).__name__}")
    text = value.strip().lower()
    return text or None


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain or None


def _text_or_none(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _is_mapping(value: object) -> bool:
    # A plain dict is by far the common case, and the ABC check is comparatively slow.
    return type(value) is dict or isinstance(value, Mapping)


def _attendee_rows(meeting: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    rows = meeting.get("attendees")
    if isinstance(rows, list | tuple | np.ndarray):
        return [row for row in rows if _is_mapping(row)]
    return []


def _attendee_emails(meeting: Mapping[str, Any]) -> list[str]:
    emails = meeting.get("attendee_emails")
    if isinstance(emails, list | tuple | np.ndarray):
        return [text for text in (_text_or_none(e) for e in emails) if text]
    return []


def resolve_organizer(meeting: Mapping[str, Any], rows: list[Mapping[str, Any]]) -> str | None:
    """``organizer_email``, else the email of the attendee row flagged as organizer."""
    organizer = _text_or_none(meeting.get("organizer_email"))
    if organizer:
        return organizer
    for row in rows:
        if row.get("is_organizer") is True:
            email = _text_or_none(row.get("email"))
            if email:
                return email
    return None


def find_external_attendee(
    organizer_domain: str | None, rows: list[Mapping[str, Any]], emails: list[str]
) -> str | None:
    """The first attendee whose email domain differs from the organizer's (Recall's definition
    of external), looking at attendee rows first and then ``attendee_emails``."""
    if organizer_domain is None:
        return None
    candidates = [_text_or_none(row.get("email")) for row in rows] + list(emails)
    for email in candidates:
        domain = email_domain(email)
        if domain is not None and domain != organizer_domain:
            return email
    return None


def attendee_responses(rows: list[Mapping[str, Any]]) -> dict[str, str]:
    """Normalized attendee email -> normalized response status; the first row for an email wins."""
    responses: dict[str, str] = {}
    for row in rows:
        email = row.get("email")
        key = normalize_email(email) if isinstance(email, str) else None
        if key is None:
            continue
        status = row.get("status")
        responses.setdefault(key, status.strip().lower() if isinstance(status, str) else "")
    return responses


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """What the rules need from one meeting, derived once."""

    join_url: str | None
    # Invite fields that hold an object, even one from which no link can be derived.
    invite_fields: tuple[str, ...]
    start: datetime | None
    end: datetime | None
    override: bool | None
    is_external: bool
    is_hosted_by_me: bool
    is_recurring: bool
    organizer: str | None
    organizer_domain: str | None
    external_attendee: str | None
    responses: dict[str, str]


def meeting_facts(meeting: Mapping[str, Any]) -> MeetingFacts:
    """Derive the rule facts from a Calendar V1 meeting object (field names as documented)."""
    if not isinstance(meeting, Mapping) and not hasattr(meeting, "get"):
        raise TypeError(f"meeting must be a mapping, got {type(meeting).__name__}")
    rows = _attendee_rows(meeting)
    organizer = resolve_organizer(meeting, rows)
    organizer_domain = email_domain(organizer)
    return MeetingFacts(
        join_url=join_url(meeting),
        invite_fields=tuple(f for f in INVITE_FIELDS if _is_mapping(meeting.get(f))),
        start=parse_time(meeting.get("start_time"), "start_time"),
        end=parse_time(meeting.get("end_time"), "end_time"),
        override=read_override(meeting),
        is_external=read_flag(meeting, "is_external"),
        is_hosted_by_me=read_flag(meeting, "is_hosted_by_me"),
        is_recurring=read_flag(meeting, "is_recurring"),
        organizer=organizer,
        organizer_domain=organizer_domain,
        external_attendee=find_external_attendee(organizer_domain, rows, _attendee_emails(meeting)),
        responses=attendee_responses(rows),
    )


ResponseKind = Literal["row", "host_no_row", "no_row", "no_email"]
# Integer codes of ResponseKind, shared with the frame path.
RESPONSE_KINDS: tuple[ResponseKind, ...] = ("row", "host_no_row", "no_row", "no_email")


def response_kind(
    responses: Mapping[str, str], is_hosted_by_me: bool, email: str | None
) -> tuple[ResponseKind, str]:
    """How the connected account answered the invite: (kind, normalized status).

    Its row is the attendee whose email equals the connected calendar's email (case-insensitive).
    With no such row the host counts as accepted: organizers are often not listed as attendees.
    """
    if email is not None and email in responses:
        return "row", responses[email]
    if is_hosted_by_me:
        return "host_no_row", ""
    return ("no_row" if email is not None else "no_email"), ""


def is_accepted(kind: ResponseKind, status: str) -> bool:
    return kind == "host_no_row" or (kind == "row" and status == "accepted")
