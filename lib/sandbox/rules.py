"""The sandbox's own reading of Recall's auto-record rules (Calendar V1 reference, §4).

Written from the reference alone, so that the console's rules engine can be checked against an
independent implementation: where the two disagree, one of them misreads the documentation (or
the sandbox is deliberately set to behave another plausible way, see ``base_preferences``).

Order (§4.1-§4.3): prerequisites (a join link; a start and an end, so not an all-day event; not
ended), then ``override_should_record``, then the preferences. The four base preferences select
a meeting; ``record_confirmed`` and ``record_only_host`` filter the selection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

BaseCombination = Literal["any", "all"]

BASE_PREFERENCES: tuple[str, ...] = (
    "record_non_host",
    "record_external",
    "record_internal",
    "record_recurring",
)
FILTER_PREFERENCES: tuple[str, ...] = ("record_confirmed", "record_only_host")
# The ``*_invite`` objects a meeting may carry, in the order the reference lists them.
INVITE_FIELDS: tuple[str, ...] = (
    "zoom_invite",
    "meet_invite",
    "teams_invite",
    "webex_invite",
    "goto_meeting_invite",
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules look at, as the sandbox knows it about one calendar user's meeting."""

    has_link: bool
    all_day: bool
    start: datetime
    # The instant the meeting is over (for an all-day event: the end of its day).
    ends: datetime
    override: bool | None
    is_hosted_by_me: bool
    is_external: bool
    is_recurring: bool
    # The connected account's own answer to the invitation; None when it has no row.
    my_status: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    record: bool
    reason: str


def _text(invite: Mapping[str, Any], key: str) -> str | None:
    value = invite.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def meeting_link(invite_field: str | None, invite: Mapping[str, Any] | None) -> str | None:
    """The link a bot would join, or None when the invite does not yield one.

    Only the identifying parts of each invite are used; the result also serves as the
    de-duplication identity of the real meeting."""
    if invite_field is None or not isinstance(invite, Mapping):
        return None
    if invite_field == "zoom_invite":
        meeting_id = _text(invite, "meeting_id")
        return f"https://zoom.us/j/{quote(meeting_id, safe='')}" if meeting_id else None
    if invite_field == "meet_invite":
        meeting_id = _text(invite, "meeting_id")
        return f"https://meet.google.com/{quote(meeting_id, safe='-')}" if meeting_id else None
    if invite_field == "teams_invite":
        thread = _text(invite, "thread_id")
        tenant = _text(invite, "tenant_id")
        organizer = _text(invite, "organizer_id")
        if not (thread and tenant and organizer):
            return None
        message = _text(invite, "message_id") or "0"
        return (
            "https://teams.microsoft.com/l/meetup-join/"
            f"{quote(thread, safe='')}/{quote(message, safe='')}?tid={tenant}&oid={organizer}"
        )
    if invite_field == "webex_invite":
        subdomain = _text(invite, "meeting_subdomain")
        if subdomain is None:
            return None
        room = _text(invite, "meeting_personal_room_id")
        mtid = _text(invite, "meeting_mtid")
        path = _text(invite, "meeting_path")
        tail = f"meet/{room}" if room else f"j.php?MTID={mtid}" if mtid else path
        return f"https://{subdomain}.webex.com/{quote(tail, safe='/?=')}" if tail else None
    if invite_field == "goto_meeting_invite":
        meeting_id = _text(invite, "meeting_id")
        return f"https://meet.goto.com/{quote(meeting_id, safe='')}" if meeting_id else None
    return None


def _base_matches(facts: Facts) -> dict[str, bool]:
    return {
        "record_non_host": not facts.is_hosted_by_me,
        "record_external": facts.is_external,
        "record_internal": not facts.is_external,
        "record_recurring": facts.is_recurring,
    }


_SELECTED = {
    "record_non_host": "record_non_host: someone else hosts this meeting",
    "record_external": "record_external: the meeting has an external attendee",
    "record_internal": "record_internal: every attendee is internal",
    "record_recurring": "record_recurring: the meeting is recurring",
}
_MISSED = {
    "record_non_host": "record_non_host is on but the connected account hosts this meeting",
    "record_external": "record_external is on but no attendee is external",
    "record_internal": "record_internal is on but an attendee is external",
    "record_recurring": "record_recurring is on but the meeting is not recurring",
}


def decide(
    facts: Facts,
    preferences: Mapping[str, Any],
    *,
    now: datetime,
    base_combination: BaseCombination = "any",
) -> Outcome:
    """Whether Recall records the meeting, and a sentence saying why.

    ``base_combination="any"`` ORs the enabled base preferences (the reading under which every
    documented preset works); ``"all"`` requires every enabled one to match (the page's literal
    "all evaluated conditions are met")."""
    if not facts.has_link:
        return Outcome(False, "Not recorded: the event has no meeting link.")
    if facts.all_day:
        return Outcome(False, "Not recorded: all-day events are not supported.")
    if facts.ends <= now:
        return Outcome(False, "Not recorded: the meeting has already ended.")
    if facts.override is True:
        return Outcome(True, "Recorded: override_should_record is true.")
    if facts.override is False:
        return Outcome(False, "Not recorded: override_should_record is false.")

    enabled = [name for name in BASE_PREFERENCES if preferences.get(name) is True]
    if not enabled:
        return Outcome(False, "Not recorded: no base recording preference is on.")
    matches = _base_matches(facts)
    if base_combination == "all":
        missed = [name for name in enabled if not matches[name]]
        if missed:
            return Outcome(False, f"Not recorded: {_MISSED[missed[0]]}.")
        selected = enabled[0]
    else:
        chosen = [name for name in enabled if matches[name]]
        if not chosen:
            return Outcome(False, f"Not recorded: {_MISSED[enabled[0]]}.")
        selected = chosen[0]
    if preferences.get("record_confirmed") is True and facts.my_status != "accepted":
        shown = facts.my_status or "no answer"
        return Outcome(False, f"Not recorded: record_confirmed is on and the response is {shown}.")
    if preferences.get("record_only_host") is True and not facts.is_hosted_by_me:
        return Outcome(
            False, "Not recorded: record_only_host is on and someone else hosts this meeting."
        )
    return Outcome(True, f"Recorded by {_SELECTED[selected]}.")
