"""Compare Recall's ``will_record`` with the rules' decision and name the likely cause of a gap.

This is what customer success reads first when a customer says "the bot didn't join", so each
cause is one that Recall's documentation (or observed client behaviour) can justify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from lib.autorecord import reasons as r
from lib.autorecord.engine import Decision
from lib.autorecord.facts import (
    is_missing,
    parse_time,
    read_override,
    require_aware,
    time_text,
)
from lib.autorecord.frame import as_meetings_frame

# Recall applies preference and override changes asynchronously; a bot_name change takes "a few
# minutes" to reach scheduled bots. A gap this soon after a change is most likely still in flight.
RECENT_CHANGE_WINDOW = timedelta(minutes=10)
# Calendar bots join two minutes before the scheduled start; from then on the bot is out.
BOT_JOIN_LEAD = timedelta(minutes=2)
TEAMS_PLATFORMS: frozenset[str] = frozenset({"microsoft_teams", "microsoft_teams_live"})

WILL_RECORD_MISSING = "will_record_missing"
OVERRIDE_ON_RECALL = "override_on_recall"
RECENT_CHANGE = "recent_change"
BOT_ALREADY_DISPATCHED = "bot_already_dispatched"
DEDUPLICATED_BOT = "deduplicated_bot"
TEAMS_NATIVE_BOT_CREDENTIALS = "teams_native_bot_credentials"
# Where the docs are silent (reference §10): Recall may combine the enabled base preferences
# with AND rather than the OR the rules assume, and may send an all-day event with an end time
# (the rules take all-day events to have none) and not record it.
BASE_PREFERENCES_ALL = "base_preferences_all"
ALL_DAY_EVENT = "all_day_event"
UNKNOWN = "unknown"
# In the order they are tried: the first that applies is reported.
CAUSES: tuple[str, ...] = (
    WILL_RECORD_MISSING,
    OVERRIDE_ON_RECALL,
    RECENT_CHANGE,
    BOT_ALREADY_DISPATCHED,
    ALL_DAY_EVENT,
    BASE_PREFERENCES_ALL,
    DEDUPLICATED_BOT,
    TEAMS_NATIVE_BOT_CREDENTIALS,
    UNKNOWN,
)
# Each cause in a few words, for summaries ("most common likely cause: ...").
CAUSE_LABELS: dict[str, str] = {
    WILL_RECORD_MISSING: "Recall sent no will_record",
    OVERRIDE_ON_RECALL: "an override set on Recall's side",
    RECENT_CHANGE: "a recent change Recall has not applied yet",
    BOT_ALREADY_DISPATCHED: "the bot was already sent",
    ALL_DAY_EVENT: "all-day events that carry an end time",
    BASE_PREFERENCES_ALL: "Recall may need every enabled preference to match (AND, not OR)",
    DEDUPLICATED_BOT: "one de-duplicated bot shared with another calendar",
    TEAMS_NATIVE_BOT_CREDENTIALS: "Teams credentials Recall needs",
    UNKNOWN: "no documented cause fits",
}
# The base preferences and the meeting fact each one selects on (as the rules read them).
_BASE_MATCH: dict[str, tuple[str, bool]] = {
    "record_non_host": ("is_hosted_by_me", False),
    "record_external": ("is_external", True),
    "record_internal": ("is_external", False),
    "record_recurring": ("is_recurring", True),
}
_DAY = timedelta(days=1)

_PREFERENCE_RULES = frozenset(
    {
        r.NO_PREFERENCE_ENABLED,
        r.ONLY_FILTERS_ENABLED,
        r.NO_PREFERENCE_MATCHED,
        r.FILTER_CONFIRMED,
        r.FILTER_ONLY_HOST,
        *r.RECORDING_RULES,
    }
) - {r.OVERRIDE_TRUE}


@dataclass(frozen=True, slots=True)
class Consistency:
    """Whether Recall's ``will_record`` matches the decision; if not, the likely cause."""

    agrees: bool
    cause: str | None = None
    # One sentence for staff: what the cause means for this meeting.
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class _Observed:
    recall: bool | None
    override: bool | None
    start: datetime | None
    is_teams: bool
    recall_reason: str | None
    end: datetime | None = None
    # Enabled base preference -> whether this meeting matches it; empty when not known.
    base_matches: tuple[tuple[str, bool], ...] = ()


def _minutes_ago(now: datetime, then: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"


def _recent_change(
    now: datetime, preferences_changed_at: datetime | None, override_changed_at: datetime | None
) -> str | None:
    changes = [
        (what, require_aware(when, what))
        for what, when in (
            ("preferences_changed_at", preferences_changed_at),
            ("override_changed_at", override_changed_at),
        )
        if when is not None and not is_missing(when)
    ]
    recent = [(what, when) for what, when in changes if now - when <= RECENT_CHANGE_WINDOW]
    if not recent:
        return None
    what, when = max(recent, key=lambda change: change[1])
    subject = "The preferences" if what == "preferences_changed_at" else "This meeting's override"
    return (
        f"{subject} changed {_minutes_ago(now, when)}, and Recall applies changes asynchronously "
        "(a bot_name change takes a few minutes), so will_record may not reflect it yet."
    )


def _explain(
    observed: _Observed,
    record: bool,
    rule: str,
    now: datetime,
    preferences_changed_at: datetime | None,
    override_changed_at: datetime | None,
    bot_shared_with: int,
) -> Consistency:
    recall = observed.recall
    if recall is None:
        return Consistency(
            False, WILL_RECORD_MISSING, "Recall's meeting object has no will_record to compare."
        )
    if recall == record:
        return Consistency(True)
    if observed.override is not None and observed.override == recall and rule in _PREFERENCE_RULES:
        value = "true" if observed.override else "false"
        return Consistency(
            False,
            OVERRIDE_ON_RECALL,
            f"Recall has override_should_record={value} on this meeting, which wins over "
            "preferences, but the decision was made without it.",
        )
    recent = _recent_change(now, preferences_changed_at, override_changed_at)
    if recent:
        return Consistency(False, RECENT_CHANGE, recent)
    if recall and observed.start is not None and now >= observed.start - BOT_JOIN_LEAD:
        join = time_text(observed.start - BOT_JOIN_LEAD)
        if rule == r.ENDED:
            detail = (
                f"The meeting is over; its bot was due to join at {join} (2 minutes before the "
                "start), and will_record still describes that bot."
            )
        else:
            detail = (
                f"The bot was due to join at {join} (2 minutes before the start), so it was "
                "already sent; preference changes only remove bots from upcoming meetings."
            )
        return Consistency(False, BOT_ALREADY_DISPATCHED, detail)
    if record and not recall and _looks_all_day(observed.start, observed.end):
        return Consistency(
            False,
            ALL_DAY_EVENT,
            "This looks like an all-day event (it runs from midnight for whole days). Recall does "
            "not send bots to all-day events, but its meeting objects have no all-day flag and "
            "this one has an end time, so the rules read it as an ordinary meeting.",
        )
    if record and not recall and rule in r.RECORDING_RULES and rule != r.OVERRIDE_TRUE:
        unmatched = [name for name, matched in observed.base_matches if not matched]
        matched = [name for name, matched in observed.base_matches if matched]
        if matched and unmatched:
            return Consistency(
                False,
                BASE_PREFERENCES_ALL,
                f"The rules record this meeting because it matches {_names(matched)}, but it "
                f"does not match {_names(unmatched)}, which is also on. Recall may require "
                "every enabled preference to match (AND) where the rules need any one (OR).",
            )
    if bot_shared_with > 0:
        others = (
            "1 other calendar" if bot_shared_with == 1 else f"{bot_shared_with} other calendars"
        )
        if recall:
            detail = (
                f"{others} in this workspace on the same calendar platform share this meeting, and "
                "Recall sends them one de-duplicated bot, so will_record can follow another "
                "user's preferences."
            )
        else:
            detail = (
                f"{others} in this workspace on the same calendar platform already have Recall's "
                "one de-duplicated bot for this meeting, so Recall may not attach it to this "
                "calendar as well."
            )
        return Consistency(False, DEDUPLICATED_BOT, detail)
    if record and observed.is_teams:
        return Consistency(
            False,
            TEAMS_NATIVE_BOT_CREDENTIALS,
            "This is a Microsoft Teams meeting: with native Teams bots Recall also needs Teams "
            "credentials configured in its dashboard, which the meeting object does not show.",
        )
    said = f" Recall's own reason: {observed.recall_reason}" if observed.recall_reason else ""
    return Consistency(False, UNKNOWN, "No documented cause fits." + said)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _looks_all_day(start: datetime | None, end: datetime | None) -> bool:
    if start is None or end is None or end <= start:
        return False
    length = end - start
    midnight = start.hour == start.minute == start.second == start.microsecond == 0
    # Whole days, or a day that ends at 23:59:59 ("end of day").
    return midnight and (
        length % _DAY == timedelta(0) or (length + timedelta(seconds=1)) % _DAY == timedelta(0)
    )


def _base_matches(
    preferences: Mapping[str, Any] | None, facts: Mapping[str, Any]
) -> tuple[tuple[str, bool], ...]:
    if not preferences:
        return ()
    out = []
    for name, (fact, wanted) in _BASE_MATCH.items():
        value = facts.get(fact)
        if preferences.get(name) and isinstance(value, bool | np.bool_):
            out.append((name, bool(value) is wanted))
    return tuple(out)


def _is_teams(platform: object, has_teams_invite: bool) -> bool:
    if isinstance(platform, str) and platform:
        return platform in TEAMS_PLATFORMS
    return has_teams_invite


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _recall_flag(value: object) -> bool | None:
    return bool(value) if isinstance(value, bool | np.bool_) else None


def check_consistency(
    meeting: Mapping[str, Any],
    decision: Decision,
    *,
    now: datetime,
    preferences_changed_at: datetime | None = None,
    override_changed_at: datetime | None = None,
    bot_shared_with: int = 0,
    preferences: Mapping[str, Any] | None = None,
) -> Consistency:
    """Compare ``meeting["will_record"]`` with ``decision`` and explain a disagreement.

    ``preferences``: the user's flags the decision was made with, if known; they let a gap be
    put down to how Recall combines the base preferences.

    ``preferences_changed_at`` / ``override_changed_at``: when the user's preferences or this
    meeting's override last changed, if known (e.g. from the audit log). ``bot_shared_with``: how
    many other calendars in the workspace, on the same calendar platform, have this meeting with
    ``will_record`` true (see :func:`deduplication_peers`).
    """
    now_utc = require_aware(now, "now")
    observed = _Observed(
        recall=_recall_flag(meeting.get("will_record")),
        override=read_override(meeting),
        start=parse_time(meeting.get("start_time"), "start_time"),
        is_teams=_is_teams(
            meeting.get("meeting_platform"), isinstance(meeting.get("teams_invite"), Mapping)
        ),
        recall_reason=_text(meeting.get("will_record_reason")),
        end=parse_time(meeting.get("end_time"), "end_time"),
        base_matches=_base_matches(preferences, meeting),
    )
    return _explain(
        observed,
        decision.record,
        decision.rule,
        now_utc,
        preferences_changed_at,
        override_changed_at,
        bot_shared_with,
    )


def _per_row(value: Any, index: pd.Index) -> pd.Series:
    if isinstance(value, pd.Series):
        return _aligned(value, index)
    return pd.Series([value] * len(index), index=index, dtype=object)


def _aligned(values: pd.Series | pd.DataFrame, index: pd.Index) -> Any:
    # Equal indexes (the usual case, duplicates included) need no reindexing.
    return values if values.index.equals(index) else values.reindex(index)


def consistency_frame(
    meetings: pd.DataFrame,
    decisions: pd.DataFrame,
    *,
    now: datetime,
    preferences_changed_at: datetime | None = None,
    override_changed_at: datetime | pd.Series | None = None,
    bot_shared_with: int | pd.Series = 0,
    preferences: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """:func:`check_consistency` for every row: columns ``agrees``, ``cause``, ``detail``.

    ``meetings`` is a :func:`~lib.autorecord.frame.meetings_frame` (or raw meeting objects);
    ``decisions`` is :func:`~lib.autorecord.frame.decide_frame`'s output for it.
    ``override_changed_at`` and ``bot_shared_with`` may be per-row Series on the same index.
    Agreement is computed column-wise; only disagreeing rows are explained one by one, and
    those are few in practice.
    """
    now_utc = require_aware(now, "now")
    meetings = as_meetings_frame(meetings)
    index = meetings.index
    decisions = _aligned(decisions, index)
    recall = meetings["will_record"].astype("boolean")
    record = decisions["record"].to_numpy(dtype=bool)
    recall_known = recall.notna().to_numpy()
    agrees = recall_known & (recall.to_numpy(dtype=bool, na_value=False) == record)
    cause = np.full(len(index), None, dtype=object)
    detail = np.full(len(index), None, dtype=object)
    rows = np.flatnonzero(~agrees)
    if len(rows):
        rules = decisions["rule"].astype(object).to_numpy()
        override = meetings["override_should_record"].astype("boolean")
        starts = meetings["start_time"]
        ends = meetings["end_time"]
        fact_columns = {
            name: meetings[name].astype("boolean")
            for name in ("is_hosted_by_me", "is_external", "is_recurring")
        }
        platform = meetings["meeting_platform"].to_numpy(dtype=object, na_value=None)
        invites = meetings["invite_fields"].to_numpy(dtype=object, na_value="")
        reasons = meetings["will_record_reason"].to_numpy(dtype=object, na_value=None)
        shared = _per_row(bot_shared_with, index).fillna(0).to_numpy()
        override_changes = _per_row(override_changed_at, index).to_numpy(dtype=object)
        for row in rows:
            start = starts.iloc[row]
            end = ends.iloc[row]
            facts = {
                name: None if pd.isna(column.iloc[row]) else bool(column.iloc[row])
                for name, column in fact_columns.items()
            }
            result = _explain(
                _Observed(
                    recall=None if pd.isna(recall.iloc[row]) else bool(recall.iloc[row]),
                    override=None if pd.isna(override.iloc[row]) else bool(override.iloc[row]),
                    start=None if pd.isna(start) else start.to_pydatetime(),
                    is_teams=_is_teams(platform[row], "teams_invite" in invites[row]),
                    recall_reason=_text(reasons[row]),
                    end=None if pd.isna(end) else end.to_pydatetime(),
                    base_matches=_base_matches(preferences, facts),
                ),
                bool(record[row]),
                str(rules[row]),
                now_utc,
                preferences_changed_at,
                None if is_missing(override_changes[row]) else override_changes[row],
                int(shared[row]),
            )
            cause[row], detail[row] = result.cause, result.detail
    return pd.DataFrame(
        {
            "agrees": agrees,
            # Object columns keep None (not NaN) where rows agree, as check_consistency does.
            "cause": pd.Series(cause, index=index, dtype=object),
            "detail": pd.Series(detail, index=index, dtype=object),
        },
        index=index,
    )


def deduplication_peers(
    meetings: pd.DataFrame, *, calendar_column: str = "calendar_user_id"
) -> pd.Series:
    """For each row of a workspace-wide meetings frame, how many *other* calendars have the
    same meeting with ``will_record`` true, among calendars on the same calendar platform.

    Recall de-duplicates bots per workspace and calendar platform; the identity it matches on is
    undocumented, so the same join link and start time stand in for it. ``meetings`` is a
    :func:`~lib.autorecord.frame.meetings_frame` over several users with a column naming each
    row's calendar (``calendar_column``). Rows without a join link or start have no peers.
    """
    keys = ["calendar_platform", "join_url", "start_time"]
    usable = meetings[keys].notna().all(axis=1)
    recording = meetings["will_record"].astype("boolean").fillna(False).astype(bool) & usable
    sub = meetings.loc[recording, [*keys, calendar_column]].drop_duplicates()
    counts = sub.groupby(keys, dropna=True).size().rename("_calendars")
    joined = meetings[keys].join(counts, on=keys)
    total = joined["_calendars"].fillna(0).astype(int)
    # A calendar whose own copy records is counted in the group; do not count it as its own peer.
    own = recording.astype(int)
    return (total - own).clip(lower=0).where(usable, 0).astype(int).rename("bot_shared_with")
