"""The auto-record rules over many meetings at once.

Deciding a frame has two stages with different costs. :func:`meetings_frame` walks the nested
Calendar V1 objects once (invites -> join link, attendee rows -> responses and the first external
attendee, ISO strings -> UTC times); that is what the console builds from an API response.
:func:`decide_frame` then applies the rules column-wise, so previewing another set of preferences
over the same meetings costs only the second stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from lib.autorecord import reasons as r
from lib.autorecord.facts import (
    NO_STATUS,
    UNKNOWN_ORGANIZER,
    is_missing,
    meeting_facts,
    normalize_email,
    require_aware,
)
from lib.autorecord.preferences import (
    BASE_PREFERENCES,
    Preferences,
    combine_base_columns,
    read_preferences,
)

# Columns copied from each meeting object as they are, for display and consistency checks.
PASSTHROUGH_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "meeting_platform",
    "calendar_platform",
    "organizer_email",
    "will_record",
    "will_record_reason",
    "bot_id",
)
# Columns decide_frame reads. A frame without all of them is treated as raw meeting objects.
RULE_COLUMNS: tuple[str, ...] = (
    "join_url",
    "invite_fields",
    "start_time",
    "end_time",
    "override_should_record",
    "is_external",
    "is_hosted_by_me",
    "is_recurring",
    "organizer",
    "organizer_domain",
    "external_attendee",
    "attendee_responses",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NAT = np.iinfo(np.int64).min


def invite_text(fields: tuple[str, ...]) -> str:
    """How a reason names the invite objects a meeting has (empty when it has none)."""
    return " and ".join(fields)


def _utc_column(values: list[datetime | None], index: pd.Index) -> pd.Series:
    micros = np.fromiter(
        (_NAT if v is None else (v - _EPOCH) // _MICROSECOND for v in values),
        dtype=np.int64,
        count=len(values),
    )
    return pd.Series(micros.view("datetime64[us]"), index=index).dt.tz_localize("UTC")


def meetings_frame(
    meetings: Iterable[Mapping[str, Any]], *, index: Iterable[Any] | None = None
) -> pd.DataFrame:
    """One row per Calendar V1 meeting object, in the shape :func:`decide_frame` reads.

    Columns: the passthrough fields (``id``, ``title``, ``meeting_platform``,
    ``calendar_platform``, ``organizer_email``, ``will_record`` (nullable boolean),
    ``will_record_reason``, ``bot_id``); ``start_time``/``end_time`` as UTC datetimes (NaT when
    absent); ``override_should_record`` as a nullable boolean; ``is_external``,
    ``is_hosted_by_me``, ``is_recurring`` as booleans; and the derived ``join_url``,
    ``invite_fields`` (names of invite objects present, joined by " and "), ``organizer``,
    ``organizer_domain``, ``external_attendee`` and ``attendee_responses`` (normalized email ->
    status). Raises ValueError or TypeError, naming the row, for a meeting the rules cannot read.
    """
    meetings = list(meetings)
    idx = pd.RangeIndex(len(meetings)) if index is None else pd.Index(list(index))
    if len(idx) != len(meetings):
        raise ValueError("index must have one label per meeting")
    all_facts = []
    for position, meeting in enumerate(meetings):
        try:
            all_facts.append(meeting_facts(meeting))
        except (TypeError, ValueError) as error:
            raise type(error)(f"meeting at row {idx[position]!r}: {error}") from None

    def objects(values: list[Any]) -> pd.Series:
        # Kept as object columns: None stays None, and no per-column string conversion is paid.
        return pd.Series(values, index=idx, dtype=object)

    def flags(name: str) -> np.ndarray:
        return np.fromiter((getattr(f, name) for f in all_facts), bool, len(all_facts))

    columns: dict[str, Any] = {}
    for name in PASSTHROUGH_COLUMNS:
        values = [meeting.get(name) for meeting in meetings]
        columns[name] = objects([None if is_missing(v) else v for v in values])
    columns["will_record"] = pd.array(
        [v if isinstance(v, bool | np.bool_) else None for v in columns["will_record"]],
        dtype="boolean",
    )
    columns["join_url"] = objects([f.join_url for f in all_facts])
    columns["invite_fields"] = objects([invite_text(f.invite_fields) for f in all_facts])
    columns["start_time"] = _utc_column([f.start for f in all_facts], idx)
    columns["end_time"] = _utc_column([f.end for f in all_facts], idx)
    columns["override_should_record"] = pd.array([f.override for f in all_facts], dtype="boolean")
    for name in ("is_external", "is_hosted_by_me", "is_recurring"):
        columns[name] = flags(name)
    for name in ("organizer", "organizer_domain", "external_attendee"):
        columns[name] = objects([getattr(f, name) for f in all_facts])
    columns["attendee_responses"] = objects([f.responses for f in all_facts])
    return pd.DataFrame(columns, index=idx)


def as_meetings_frame(meetings: pd.DataFrame) -> pd.DataFrame:
    """``meetings`` if it is already a :func:`meetings_frame`; otherwise it is taken as raw
    meeting objects (e.g. ``pd.DataFrame(api_response)``) and the rule columns are derived."""
    if all(name in meetings.columns for name in RULE_COLUMNS):
        return meetings
    return meetings_frame(meetings.to_dict("records"), index=meetings.index)


def _utc_micros(column: pd.Series, name: str) -> np.ndarray:
    """A UTC datetime column as naive datetime64[us] values (NaT kept)."""
    if not isinstance(column.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(column.dtype):
            raise ValueError(f"{name} must be timezone-aware")
        raise TypeError(f"{name} must be a timezone-aware datetime column, got {column.dtype}")
    return column.dt.tz_convert(None).to_numpy().astype("datetime64[us]")


def _time_texts(values: np.ndarray) -> np.ndarray:
    """facts.time_text for an array of naive UTC datetime64 values."""
    # Formatting dominates and calendar times repeat a lot, so format each distinct time once.
    distinct, inverse = np.unique(values.astype("datetime64[s]"), return_inverse=True)
    text = np.datetime_as_string(distinct, unit="s").astype(object) + "Z"
    return text[inverse]


def _objects(column: pd.Series, rows: np.ndarray, missing: str) -> np.ndarray:
    """``column`` at ``rows`` as an object array of str, nulls replaced by ``missing``."""
    values = column.to_numpy(dtype=object)[rows]
    values[pd.isna(values)] = missing
    return values


# Bit layout of the grouping key: rule | link | times | primary + 1 | matches | named | response.
_SHIFTS = {
    "rule": 0,
    "link": 5,
    "times": 6,
    "primary": 8,
    "matches": 11,
    "named": 15,
    "response": 16,
}


def _unpack(key: int) -> tuple[int, r.ReasonKey]:
    def part(name: str, bits: int) -> int:
        return (key >> _SHIFTS[name]) & ((1 << bits) - 1)

    return part("rule", 5), r.ReasonKey(
        link=part("link", 1),
        times=part("times", 2),
        primary=part("primary", 3) - 1,
        matches=part("matches", 4),
        named=bool(part("named", 1)),
        response=part("response", 2),
    )


class _Fields:
    """Per-row text fields for reasons, converted only for the rows that need them."""

    def __init__(
        self,
        frame: pd.DataFrame,
        email: str | None,
        status: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
    ) -> None:
        self._frame = frame
        self._email = email or ""
        self._status = status
        self._start = start
        self._end = end

    def get(self, field: str, rows: np.ndarray) -> np.ndarray:
        if field == "start":
            return _time_texts(self._start[rows])
        if field == "end":
            return _time_texts(self._end[rows])
        if field == "invites":
            return _objects(self._frame["invite_fields"], rows, "")
        if field == "organizer":
            return _objects(self._frame["organizer"], rows, UNKNOWN_ORGANIZER)
        if field in ("organizer_domain", "external_attendee"):
            return _objects(self._frame[field], rows, "")
        if field == "my_email":
            out = np.empty(len(rows), dtype=object)
            out[:] = self._email
            return out
        if field == "my_status":
            return self._status[rows]
        raise KeyError(field)


def decide_frame(
    meetings: pd.DataFrame,
    preferences: Mapping[str, Any] | Preferences | None,
    *,
    now: datetime,
    connected_email: str | None = None,
) -> pd.DataFrame:
    """:func:`~lib.autorecord.decide` for every row, column-wise.

    ``meetings`` is a :func:`meetings_frame`; a frame of raw meeting objects (one column per API
    field) is accepted too and prepared first, at that extra cost. Returns columns ``record``
    (bool), ``rule`` (categorical over ``RULES``) and ``reason`` (str) on the input's index. The
    connected email applies to every row: for a user with both a Google and a Microsoft calendar,
    decide each ``calendar_platform`` separately with that connection's email.
    """
    prefs = read_preferences(preferences)
    now_utc = np.datetime64(require_aware(now, "now").replace(tzinfo=None), "us")
    email = normalize_email(connected_email)
    frame = as_meetings_frame(meetings)
    n = len(frame)

    has_link = frame["join_url"].notna().to_numpy()
    start = _utc_micros(frame["start_time"], "start_time")
    end = _utc_micros(frame["end_time"], "end_time")
    override = frame["override_should_record"]
    override_null = override.isna().to_numpy()
    override_value = override.to_numpy(dtype=bool, na_value=False)
    hosted = frame["is_hosted_by_me"].to_numpy(dtype=bool)
    external = frame["is_external"].to_numpy(dtype=bool)
    recurring = frame["is_recurring"].to_numpy(dtype=bool)
    named = frame["external_attendee"].notna().to_numpy()

    rule = np.full(n, -1, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    code = {name: i for i, name in enumerate(r.RULES)}

    def assign(mask: np.ndarray, rule_name: str) -> None:
        rule[mask] = code[rule_name]

    open_ = has_link.copy()
    no_link = ~has_link
    assign(no_link, r.NO_MEETING_LINK)
    if no_link.any():
        has_invite = _objects(frame["invite_fields"], np.flatnonzero(no_link), "") != ""
        key[no_link] |= has_invite.astype(np.int64) << _SHIFTS["link"]

    has_start, has_end = ~np.isnat(start), ~np.isnat(end)
    missing = open_ & ~(has_start & has_end)
    assign(missing, r.MISSING_TIME)
    times = np.where(
        has_start | has_end, np.where(has_start, r.TIMES_NO_END, r.TIMES_NO_START), r.TIMES_NONE
    )
    key[missing] |= times[missing] << _SHIFTS["times"]
    open_ &= has_start & has_end

    ended = open_ & (end <= now_utc)
    assign(ended, r.ENDED)
    open_ &= ~ended

    assign(open_ & ~override_null & override_value, r.OVERRIDE_TRUE)
    assign(open_ & ~override_null & ~override_value, r.OVERRIDE_FALSE)
    open_ &= override_null

    status = np.empty(n, dtype=object)
    if not prefs.enabled_base:
        assign(open_, r.ONLY_FILTERS_ENABLED if prefs.enabled_filters else r.NO_PREFERENCE_ENABLED)
        open_[:] = False
    else:
        facts = {
            "record_non_host": ~hosted,
            "record_external": external,
            "record_internal": ~external,
            "record_recurring": recurring,
        }
        enabled = [(i, name) for i, name in enumerate(BASE_PREFERENCES) if getattr(prefs, name)]
        matches = [facts[name] for _, name in enabled]
        candidate = combine_base_columns(matches, n)
        bits = np.zeros(n, dtype=np.int64)
        primary = np.full(n, -1, dtype=np.int64)
        for (i, _), matched in zip(enabled[::-1], matches[::-1], strict=True):
            bits |= matched.astype(np.int64) << i
            primary[matched] = i
        unmatched = open_ & ~candidate
        assign(unmatched, r.NO_PREFERENCE_MATCHED)
        key[unmatched] |= (bits[unmatched] << _SHIFTS["matches"]) | (
            named[unmatched].astype(np.int64) << _SHIFTS["named"]
        )
        open_ &= candidate
        key[open_] |= ((primary[open_] + 1) << _SHIFTS["primary"]) | (
            named[open_].astype(np.int64) << _SHIFTS["named"]
        )

        if prefs.record_confirmed:
            rows = np.flatnonzero(open_)
            kinds, accepted = _responses(frame, rows, hosted[rows], email, status)
            key[rows] |= kinds << _SHIFTS["response"]
            refused = rows[~accepted]
            assign_rows = np.zeros(n, dtype=bool)
            assign_rows[refused] = True
            assign(assign_rows, r.FILTER_CONFIRMED)
            open_ &= ~assign_rows
        if prefs.record_only_host:
            not_host = open_ & ~hosted
            assign(not_host, r.FILTER_ONLY_HOST)
            open_ &= hosted
        rule[open_] = code[BASE_PREFERENCES[0]] + primary[open_]

    key |= rule
    record = (rule == code[r.OVERRIDE_TRUE]) | (rule >= code[BASE_PREFERENCES[0]])
    reasons = _reasons(key, prefs, _Fields(frame, email, status, start, end))
    return pd.DataFrame(
        {
            "record": record,
            "rule": pd.Categorical.from_codes(rule, categories=list(r.RULES)),
            "reason": pd.Series(reasons, index=meetings.index, dtype=object),
        },
        index=meetings.index,
    )


def _responses(
    frame: pd.DataFrame,
    rows: np.ndarray,
    hosted: np.ndarray,
    email: str | None,
    status_out: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Response kind codes (as reasons.RESPONSE_*) and acceptance for ``rows``; fills the
    ``my_status`` text of rows that have an attendee row."""
    size = len(rows)
    if email is None:
        found = np.zeros(size, dtype=bool)
        statuses = np.full(size, "", dtype=object)
    else:
        table = frame["attendee_responses"].to_numpy(dtype=object)[rows]
        looked_up = [t.get(email) if isinstance(t, dict) else None for t in table]
        found = np.fromiter((s is not None for s in looked_up), bool, size)
        statuses = np.array([s or "" for s in looked_up], dtype=object)
    kinds = np.where(
        found,
        r.RESPONSE_ROW,
        np.where(
            hosted, r.RESPONSE_HOST_NO_ROW, r.RESPONSE_NO_ROW if email else r.RESPONSE_NO_EMAIL
        ),
    ).astype(np.int64)
    accepted = (kinds == r.RESPONSE_HOST_NO_ROW) | (found & (statuses == "accepted"))
    shown = statuses.copy()
    shown[shown == ""] = NO_STATUS
    status_out[rows] = shown
    return kinds, accepted


def _reasons(key: np.ndarray, prefs: Preferences, fields: _Fields) -> np.ndarray:
    out = np.empty(len(key), dtype=object)
    if not len(key):
        return out
    uniques, inverse = np.unique(key, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=len(uniques)))
    first = 0
    for group, last in enumerate(bounds):
        rows = order[first:last]
        first = last
        rule_code, reason_key = _unpack(int(uniques[group]))
        template = r.reason_template(r.RULES[rule_code], reason_key, prefs)
        needed = {field for _, field in r.template_parts(template) if field}
        columns = {field: fields.get(field, rows) for field in needed}
        out[rows] = r.fill_column(template, columns, len(rows))
    return out
