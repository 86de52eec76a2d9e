"""Rule codes and the one-sentence reasons that explain them.

A reason is a template chosen from the rule and a few categorical facts (a :class:`ReasonKey`),
filled with per-meeting text fields. The single-meeting path fills one template with ``format``;
the frame path groups rows by template and fills each group column-wise. Both take templates from
:func:`reason_template`, so their sentences cannot drift apart.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from lib.autorecord.facts import RESPONSE_KINDS
from lib.autorecord.preferences import BASE_PREFERENCES, Preferences

# Stable machine codes, in evaluation order. A recorded meeting's rule is the first base
# preference (in BASE_PREFERENCES order) that selected it.
NO_MEETING_LINK = "no_meeting_link"
MISSING_TIME = "missing_time"
ENDED = "ended"
OVERRIDE_TRUE = "override_true"
OVERRIDE_FALSE = "override_false"
NO_PREFERENCE_ENABLED = "no_preference_enabled"
ONLY_FILTERS_ENABLED = "only_filters_enabled"
NO_PREFERENCE_MATCHED = "no_preference_matched"
FILTER_CONFIRMED = "filter_confirmed"
FILTER_ONLY_HOST = "filter_only_host"

RULES: tuple[str, ...] = (
    NO_MEETING_LINK,
    MISSING_TIME,
    ENDED,
    OVERRIDE_TRUE,
    OVERRIDE_FALSE,
    NO_PREFERENCE_ENABLED,
    ONLY_FILTERS_ENABLED,
    NO_PREFERENCE_MATCHED,
    FILTER_CONFIRMED,
    FILTER_ONLY_HOST,
    *BASE_PREFERENCES,
)
RECORDING_RULES: frozenset[str] = frozenset({OVERRIDE_TRUE, *BASE_PREFERENCES})

# ReasonKey.link
LINK_NO_INVITE, LINK_EMPTY_INVITE = 0, 1
# ReasonKey.times
TIMES_NONE, TIMES_NO_END, TIMES_NO_START = 0, 1, 2
# ReasonKey.response: the position of the response kind in facts.RESPONSE_KINDS
RESPONSE_ROW = RESPONSE_KINDS.index("row")
RESPONSE_HOST_NO_ROW = RESPONSE_KINDS.index("host_no_row")
RESPONSE_NO_ROW = RESPONSE_KINDS.index("no_row")
RESPONSE_NO_EMAIL = RESPONSE_KINDS.index("no_email")


class ReasonKey(NamedTuple):
    """The categorical facts that pick a reason template; fields a rule ignores stay 0."""

    link: int = 0
    times: int = 0
    # Index in BASE_PREFERENCES of the first enabled base preference that matched, else -1.
    primary: int = -1
    # Bit i set when BASE_PREFERENCES[i] is enabled and matched.
    matches: int = 0
    # Whether an attendee outside the organizer's domain can be named.
    named: bool = False
    response: int = 0


# Text fields a template may use. Every one is a str whenever a template that uses it is chosen.
FIELDS: tuple[str, ...] = (
    "invites",
    "start",
    "end",
    "organizer",
    "organizer_domain",
    "external_attendee",
    "my_email",
    "my_status",
)


def _selected(index: int, key: ReasonKey) -> str:
    """Why the base preference ``BASE_PREFERENCES[index]`` selects the meeting."""
    name = BASE_PREFERENCES[index]
    if name == "record_non_host":
        return (
            "record_non_host is on and the connected account does not host it "
            "(organizer: {organizer})"
        )
    if name == "record_external":
        if key.named:
            return (
                "record_external is on and {external_attendee} is outside the organizer's "
                "domain {organizer_domain}"
            )
        return "record_external is on and Recall reports the meeting as external"
    if name == "record_internal":
        return "record_internal is on and Recall reports no external attendee"
    return "record_recurring is on and the meeting is recurring"


def _not_selected(name: str, key: ReasonKey) -> str:
    """Why the enabled base preference ``name`` does not select the meeting."""
    if name == "record_non_host":
        return "record_non_host needs someone else to host, but the connected account hosts it"
    if name == "record_external":
        return "record_external needs an external attendee, but Recall reports none"
    if name == "record_internal":
        if key.named:
            return (
                "record_internal needs every attendee inside the organizer's domain, but "
                "{external_attendee} is outside {organizer_domain}"
            )
        return (
            "record_internal needs no external attendee, but Recall reports the meeting as external"
        )
    return "record_recurring needs a recurring meeting, and this one is not"


def _response_failure(response: int) -> str:
    if response == RESPONSE_ROW:
        return "the connected account's response is {my_status}"
    if response == RESPONSE_NO_ROW:
        return "the connected account ({my_email}) has no attendee row and does not host it"
    return "the connected calendar's email is not known, so its response cannot be found"


def _filter_passes(key: ReasonKey, prefs: Preferences) -> list[str]:
    passes = []
    if prefs.record_confirmed:
        if key.response == RESPONSE_HOST_NO_ROW:
            passes.append(
                "record_confirmed passes because the connected account hosts it and has no "
                "attendee row, which counts as accepted"
            )
        else:
            passes.append("record_confirmed passes because the connected account accepted")
    if prefs.record_only_host:
        passes.append("record_only_host passes because the connected account hosts it")
    return passes


@lru_cache(maxsize=4096)
def reason_template(rule: str, key: ReasonKey, prefs: Preferences) -> str:
    """The ``str.format`` template of the reason for ``rule`` under these facts and preferences."""
    if rule == NO_MEETING_LINK:
        if key.link == LINK_NO_INVITE:
            return (
                "The meeting has no invite object (Zoom, Meet, Teams, Webex or GoTo), so there is "
                "no join link for a bot."
            )
        return (
            "The meeting's {invites} carries no usable meeting identifier, so no join link can be "
            "derived for a bot."
        )
    if rule == MISSING_TIME:
        if key.times == TIMES_NO_END:
            return (
                "The meeting starts at {start} but has no end time (as with all-day events), and "
                "Recall needs both to schedule a bot."
            )
        if key.times == TIMES_NO_START:
            return (
                "The meeting ends at {end} but has no start time, and Recall needs both to "
                "schedule a bot."
            )
        return (
            "The meeting has neither a start nor an end time (as with all-day events), and Recall "
            "needs both to schedule a bot."
        )
    if rule == ENDED:
        return (
            "The meeting ended at {end}, and Recall only sends bots to meetings that have not "
            "ended."
        )
    if rule == OVERRIDE_TRUE:
        return (
            "The meeting's override_should_record is true, which records it regardless of "
            "preferences."
        )
    if rule == OVERRIDE_FALSE:
        return (
            "The meeting's override_should_record is false, which skips it regardless of "
            "preferences."
        )
    if rule == NO_PREFERENCE_ENABLED:
        return (
            "No recording preference is on (the default), so meetings are recorded only when "
            "overridden."
        )
    if rule == ONLY_FILTERS_ENABLED:
        filters = " and ".join(prefs.enabled_filters)
        verb = "is" if len(prefs.enabled_filters) == 1 else "are"
        return (
            f"Only {filters} {verb} on, and filters only narrow what the base preferences "
            f"({', '.join(BASE_PREFERENCES)}) select, none of which is on."
        )
    if rule == NO_PREFERENCE_MATCHED:
        misses = [
            _not_selected(name, key)
            for i, name in enumerate(BASE_PREFERENCES)
            if getattr(prefs, name) and not key.matches & (1 << i)
        ]
        return "The enabled preferences do not select it: " + "; ".join(misses) + "."
    if rule == FILTER_CONFIRMED:
        return (
            "Won't record: "
            + _selected(key.primary, key)
            + ", but record_confirmed is on and "
            + _response_failure(key.response)
            + "."
        )
    if rule == FILTER_ONLY_HOST:
        return (
            "Won't record: "
            + _selected(key.primary, key)
            + ", but record_only_host is on and the connected account does not host it"
            + " (organizer: {organizer})."
        )
    if rule in BASE_PREFERENCES:
        passes = _filter_passes(key, prefs)
        tail = ("; " + " and ".join(passes)) if passes else ""
        return "Will record: " + _selected(key.primary, key) + tail + "."
    raise ValueError(f"unknown rule {rule!r}")


_FORMATTER = string.Formatter()


@lru_cache(maxsize=4096)
def template_parts(template: str) -> tuple[tuple[str, str | None], ...]:
    parts = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if spec or conversion:
            raise ValueError("reason templates use plain {field} placeholders only")
        parts.append((literal, field))
    return tuple(parts)


def fill(template: str, fields: Mapping[str, str]) -> str:
    """One reason: the template filled from a mapping of text fields."""
    return template.format_map(fields)


def fill_column(template: str, columns: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    """Many reasons at once: ``columns`` hold one object array of str per field used."""
    out: np.ndarray | None = None
    literal_tail = ""
    for literal, field in template_parts(template):
        literal_tail += literal
        if field is None:
            continue
        piece = columns[field]
        if out is None:
            out = literal_tail + piece if literal_tail else piece.copy()
        else:
            out = out + literal_tail + piece if literal_tail else out + piece
        literal_tail = ""
    if out is None:
        result = np.empty(size, dtype=object)
        result[:] = literal_tail
        return result
    return out + literal_tail if literal_tail else out
