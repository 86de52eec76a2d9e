"""Auto-record preview for one user or a cohort: what would start or stop being recorded if the
users' preferences were replaced by a candidate set.

"Before" is each user's current preferences through the rules; "after" is the candidate through
the same rules. Overrides still win, so a meeting with ``override_should_record`` set never
changes. Each meeting is decided with the email of the calendar connection it came from, since a
user may have both Google and Microsoft connected.

Fetching is the slow part, so it happens once: :func:`run_cohort` fetches every user's user and
meetings concurrently, within the client's rate limits, and :meth:`CohortResult.with_candidate`
then re-decides the fetched meetings under other preferences without another request.

Lookups never create users: every per-user read mints a calendar token, and minting for an id
Recall has not seen creates a calendar user. :func:`run_cohort` fetches only ids the workspace's
user list contains and reports the others as unknown, without a request for them.
"""

from __future__ import annotations

import csv
import io
import logging
import random
import threading
import time
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pydantic import BaseModel

from lib.audit import neutralise_cell
from lib.autorecord import Preferences, decide_frame, meetings_frame, read_preferences
from lib.recall import CalendarMeeting, CalendarUser, RateLimitedError, RecallClient, RecallError
from lib.userids import check_user_id

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Recall syncs calendars four weeks ahead, so that is as far as a preview can see.
HORIZON = timedelta(days=28)
# Meetings without an end (all-day events) count as upcoming for a day after they start.
_OPEN_ENDED_GRACE = timedelta(days=1)
MAX_COHORT = 500
# Cohort fetches mostly wait on Recall: 16 in flight halve the latency cost of 8, and each user's
# two reads stay far below the 120/min per-user limit (authenticate is paced by the limiter).
DEFAULT_WORKERS = 16
# 500 ids fit in a few kilobytes; anything much larger is the wrong file.
MAX_UPLOAD_BYTES = 1_000_000
# Per user, the longest the cohort waits in total for rate-limit slots before reporting a failure.
# Recall's windows are a minute long, so a cohort larger than one window waits about that long.
MAX_RATE_LIMIT_WAIT_S = 180.0

CHANGE_STARTS = "starts recording"
CHANGE_STOPS = "stops recording"
CHANGE_NONE = ""
SCENARIO_BEFORE = "Current preferences"
SCENARIO_AFTER = "Candidate"
STATUS_RECORDED = "Recorded"
STATUS_NOT_RECORDED = "Not recorded"
_USER_ID_HEADERS = frozenset({"user_id", "userid", "user id", "external_id"})


# -- user id lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedIds:
    """User ids read from pasted or uploaded text, ready to look up.

    ``ids`` are valid, stripped, de-duplicated (first occurrence kept) and capped; ``invalid``
    pairs each refused entry with the reason; ``left_out`` counts valid ids beyond the cap.
    """

    ids: tuple[str, ...]
    invalid: tuple[tuple[str, str], ...] = ()
    duplicates: int = 0
    left_out: int = 0
    warnings: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.ids and not self.invalid


def _rows(text: str) -> list[list[str]]:
    # Spreadsheet pastes separate cells with tabs; everything else is read as CSV.
    sample = text[:4096]
    delimiter = "\t" if "\t" in sample and "," not in sample else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def parse_user_ids(text: str, *, cap: int = MAX_COHORT) -> ParsedIds:
    """Read user ids from one-per-line text, comma-separated text, or a CSV with a ``user_id``
    column (then only that column is read, so a directory export works as it is)."""
    text = text.lstrip("\ufeff")
    rows = _rows(text)
    column: int | None = None
    for position, row in enumerate(rows):
        cells = [cell.strip().lower() for cell in row]
        if not any(cells):
            continue
        matches = [i for i, cell in enumerate(cells) if cell in _USER_ID_HEADERS]
        if matches:
            column = matches[0]
            rows = rows[position + 1 :]
        break
    cells: list[str] = []
    for row in rows:
        if column is None:
            cells.extend(row)
        elif column < len(row):
            cells.append(row[column])
    seen: dict[str, None] = {}
    invalid: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    duplicates = 0
    for cell in cells:
        if not cell.strip():
            continue
        check = check_user_id(cell)
        if not check.ok:
            invalid.append((cell, check.problem or "Not a user id."))
            continue
        if check.value in seen:
            duplicates += 1
            continue
        seen[check.value] = None
        warnings.extend(
            (check.value, warning) for warning in check.warnings if "Spaces" not in warning
        )
    ids = tuple(seen)
    return ParsedIds(
        ids=ids[:cap],
        invalid=tuple(invalid),
        duplicates=duplicates,
        left_out=max(0, len(ids) - cap),
        warnings=tuple(warnings),
    )


def decode_upload(data: bytes) -> str:
    """An uploaded id list as text; raises ValueError with a message for staff."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The file is {len(data) / 1_000_000:.1f} MB; a list of {MAX_COHORT} user ids is far "
            "smaller. Upload a CSV or text file with one user id per line."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            "The file is not UTF-8 text. Save it as CSV (UTF-8) or plain text and upload it again."
        ) from None


def sample_user_ids(ids: Sequence[str], size: int, *, seed: int) -> tuple[str, ...]:
    """``size`` ids drawn at random (the same seed gives the same sample), in the given order."""
    if size <= 0 or not ids:
        return ()
    if size >= len(ids):
        return tuple(ids)
    chosen = set(random.Random(seed).sample(range(len(ids)), size))
    return tuple(user_id for i, user_id in enumerate(ids) if i in chosen)


def split_known(
    user_ids: Iterable[str], known_ids: Container[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """De-duplicated ids split into (known to the workspace, unknown), order kept."""
    unique = tuple(dict.fromkeys(user_ids))
    return (
        tuple(uid for uid in unique if uid in known_ids),
        tuple(uid for uid in unique if uid not in known_ids),
    )


# -- deciding ----------------------------------------------------------------------------------


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def _as_mapping(meeting: CalendarMeeting | Mapping[str, Any]) -> Mapping[str, Any]:
    return meeting.model_dump() if isinstance(meeting, BaseModel) else meeting


def _connection_email(platform: object, emails: Mapping[str, str | None]) -> str | None:
    if isinstance(platform, str) and platform in emails:
        return emails[platform]
    # A meeting that does not name its calendar can only be from the one connection there is.
    if len(emails) == 1:
        return next(iter(emails.values()))
    return None


def _may_be_upcoming(meeting: object, now: datetime, horizon: timedelta) -> bool:
    """A cheap pre-filter on parsed meetings, so ended ones skip the costlier frame building
    (the frame filter below stays the authority)."""
    if not isinstance(meeting, CalendarMeeting):
        return True
    start, end = meeting.start_time, meeting.end_time
    if start is not None and start >= now + horizon:
        return False
    if end is not None:
        return end > now
    return start is None or start >= now - _OPEN_ENDED_GRACE


def _upcoming(frame: pd.DataFrame, now: datetime, horizon: timedelta) -> np.ndarray:
    start, end = frame["start_time"], frame["end_time"]
    ts_now = pd.Timestamp(now)
    not_ended = (end > ts_now) | (
        end.isna() & (start.isna() | (start >= ts_now - _OPEN_ENDED_GRACE))
    )
    within = start.isna() | (start < ts_now + horizon)
    return (not_ended & within).to_numpy(dtype=bool)


def decide_by_connection(
    frame: pd.DataFrame, preferences: Mapping[str, Any] | Preferences | None, *, now: datetime
) -> pd.DataFrame:
    """``decide_frame`` over a prepared frame, each row with its ``connected_email``."""
    prefs = read_preferences(preferences)
    if frame.empty or not prefs.record_confirmed:
        # Only record_confirmed reads the connected email (to find the account's own response),
        # so without it every row can be decided in one call.
        return decide_frame(frame, prefs, now=now)
    emails = frame["connected_email"].fillna("")
    parts = [
        decide_frame(frame.loc[rows], prefs, now=now, connected_email=email or None)
        for email, rows in frame.groupby(emails, sort=False).groups.items()
    ]
    return pd.concat(parts).reindex(frame.index)


def upcoming_frame(
    user: CalendarUser,
    meetings: Iterable[CalendarMeeting | Mapping[str, Any]],
    *,
    now: datetime,
    user_id: str | None = None,
    horizon: timedelta = HORIZON,
) -> pd.DataFrame:
    """The user's upcoming meetings (not ended, starting within ``horizon``) as a
    :func:`~lib.autorecord.meetings_frame` plus ``user_id`` and ``connected_email`` (the email of
    the calendar connection each meeting came from).

    Raises ValueError or TypeError (naming the meeting) for a meeting the rules cannot read.
    """
    now = _utc(now)
    kept = [_as_mapping(m) for m in meetings if _may_be_upcoming(m, now, horizon)]
    frame = meetings_frame(kept)
    frame = frame.loc[_upcoming(frame, now, horizon)].reset_index(drop=True)
    emails = {conn.platform: conn.email for conn in user.connections}
    frame.insert(0, "user_id", user_id or user.external_id or user.id)
    frame["connected_email"] = pd.Series(
        [_connection_email(p, emails) for p in frame["calendar_platform"]],
        index=frame.index,
        dtype=object,
    )
    return frame


def decide_current(
    frame: pd.DataFrame, current: Mapping[str, Preferences], *, now: datetime
) -> pd.DataFrame:
    """An :func:`upcoming_frame` (one or many users) with each user's decision under their
    ``current`` preferences: ``record_before``, ``rule_before``, ``reason_before``.

    Users who share preferences are decided together, which matters for a cohort: a few
    distinct preference sets cover hundreds of users.
    """
    now = _utc(now)
    users = frame["user_id"]
    groups: dict[Preferences, list[str]] = {}
    for user_id, prefs in current.items():
        groups.setdefault(read_preferences(prefs), []).append(user_id)
    parts = []
    for prefs, user_ids in groups.items():
        rows = users.isin(user_ids).to_numpy()
        if rows.any():
            parts.append(decide_by_connection(frame.loc[rows], prefs, now=now))
    if parts:
        before = pd.concat(parts).reindex(frame.index)
    else:
        before = decide_frame(frame, Preferences(), now=now)
    if before["record"].isna().any():
        raise ValueError("every user in the frame needs current preferences")
    return frame.assign(
        record_before=before["record"].to_numpy(dtype=bool),
        rule_before=before["rule"],
        reason_before=before["reason"],
    )


def prepare_meetings(
    user: CalendarUser,
    meetings: Iterable[CalendarMeeting | Mapping[str, Any]],
    *,
    now: datetime,
    user_id: str | None = None,
    horizon: timedelta = HORIZON,
) -> pd.DataFrame:
    """:func:`upcoming_frame` decided under the user's current preferences."""
    frame = upcoming_frame(user, meetings, now=now, user_id=user_id, horizon=horizon)
    uid = user_id or user.external_id or user.id
    return decide_current(frame, {uid: read_preferences(user.preferences)}, now=now)


def apply_candidate(
    frame: pd.DataFrame, candidate: Mapping[str, Any] | Preferences | None, *, now: datetime
) -> pd.DataFrame:
    """A prepared frame with the candidate's decision (``record_after``, ``rule_after``,
    ``reason_after``) and ``change``: :data:`CHANGE_STARTS`, :data:`CHANGE_STOPS` or empty."""
    after = decide_by_connection(frame, candidate, now=_utc(now))
    before_rec = frame["record_before"].to_numpy(dtype=bool)
    after_rec = after["record"].to_numpy(dtype=bool)
    change = np.where(
        after_rec & ~before_rec, CHANGE_STARTS, np.where(before_rec & ~after_rec, CHANGE_STOPS, "")
    ).astype(object)
    return frame.assign(
        record_after=after_rec,
        rule_after=after["rule"],
        reason_after=after["reason"],
        change=pd.Series(change, index=frame.index, dtype=object),
    )


def preview_user(
    user: CalendarUser,
    meetings: Iterable[CalendarMeeting | Mapping[str, Any]],
    candidate: Mapping[str, Any] | Preferences | None,
    *,
    now: datetime,
    user_id: str | None = None,
    horizon: timedelta = HORIZON,
) -> pd.DataFrame:
    """One user's upcoming meetings decided under their current and the candidate preferences."""
    prepared = prepare_meetings(user, meetings, now=now, user_id=user_id, horizon=horizon)
    return apply_candidate(prepared, candidate, now=now)


# -- totals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactCounts:
    """Totals over a previewed frame."""

    meetings: int
    recorded_before: int
    recorded_after: int
    starts: int
    stops: int
    # Meetings with override_should_record set: the override wins, so they never change.
    overridden: int
    # Recall's own will_record for the same meetings, and where it differs from the rules now.
    recall_will_record: int
    recall_differs: int

    @property
    def changed(self) -> int:
        return self.starts + self.stops

    @property
    def net(self) -> int:
        return self.recorded_after - self.recorded_before


def impact_counts(frame: pd.DataFrame) -> ImpactCounts:
    before = frame["record_before"].to_numpy(dtype=bool)
    after = frame["record_after"].to_numpy(dtype=bool)
    recall = frame["will_record"].astype("boolean")
    known = recall.notna().to_numpy()
    recall_values = recall.fillna(False).to_numpy(dtype=bool)
    return ImpactCounts(
        meetings=len(frame),
        recorded_before=int(before.sum()),
        recorded_after=int(after.sum()),
        starts=int((after & ~before).sum()),
        stops=int((before & ~after).sum()),
        overridden=int(frame["override_should_record"].notna().sum()),
        recall_will_record=int(recall_values.sum()),
        recall_differs=int((known & (recall_values != before)).sum()),
    )


PER_USER_COLUMNS: tuple[str, ...] = (
    "user_id",
    "meetings",
    "recorded_now",
    "recorded_candidate",
    "starts",
    "stops",
    "net_change",
)


def per_user_impact(frame: pd.DataFrame, user_ids: Sequence[str]) -> pd.DataFrame:
    """One row per user (those without upcoming meetings included), the most changed first."""
    before = frame["record_before"].astype(int)
    after = frame["record_after"].astype(int)
    parts = pd.DataFrame(
        {
            "user_id": frame["user_id"],
            "meetings": 1,
            "recorded_now": before,
            "recorded_candidate": after,
            "starts": ((after == 1) & (before == 0)).astype(int),
            "stops": ((before == 1) & (after == 0)).astype(int),
        }
    )
    totals = parts.groupby("user_id", sort=False).sum()
    totals = totals.reindex(list(dict.fromkeys(user_ids)), fill_value=0)
    totals["net_change"] = totals["recorded_candidate"] - totals["recorded_now"]
    totals = totals.rename_axis("user_id").reset_index()
    ranked = totals.assign(
        _changed=totals["starts"] + totals["stops"], _net=totals["net_change"].abs()
    ).sort_values(["_changed", "_net", "user_id"], ascending=[False, False, True], kind="stable")
    return ranked.reset_index(drop=True)[list(PER_USER_COLUMNS)].astype(
        {name: int for name in PER_USER_COLUMNS[1:]}
    )


def display_zone(name: str | None) -> tzinfo:
    """The viewer's time zone by IANA name, or UTC when it is missing or unknown."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_days(now: datetime, zone: tzinfo, horizon: timedelta = HORIZON) -> list[date]:
    """The calendar days in ``zone`` from today to the day ``horizon`` from now, both included,
    so every meeting a preview counts falls on one of them."""
    now = _utc(now)
    first = now.astimezone(zone).date()
    last = (now + horizon).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _local_day(frame: pd.DataFrame, zone: tzinfo) -> pd.Series:
    return frame["start_time"].dt.tz_convert(zone).dt.date


def meetings_by_day(frame: pd.DataFrame, *, zone: tzinfo, days: Sequence[date]) -> pd.DataFrame:
    """Long table for a timeline: ``day``, ``scenario``, ``status``, ``meetings`` (every day,
    scenario and status present, zeros included)."""
    dated = frame.loc[frame["start_time"].notna()]
    day = _local_day(dated, zone)
    rows = []
    for scenario, column in ((SCENARIO_BEFORE, "record_before"), (SCENARIO_AFTER, "record_after")):
        recorded = dated[column].to_numpy(dtype=bool)
        for status, mask in ((STATUS_RECORDED, recorded), (STATUS_NOT_RECORDED, ~recorded)):
            counts = day[mask].value_counts()
            rows.extend(
                {
                    "day": d,
                    "scenario": scenario,
                    "status": status,
                    "meetings": int(counts.get(d, 0)),
                }
                for d in days
            )
    return pd.DataFrame(rows, columns=["day", "scenario", "status", "meetings"])


def bots_by_day(frame: pd.DataFrame, *, zone: tzinfo, days: Sequence[date]) -> pd.DataFrame:
    """Bots Recall would send per day (``before`` / ``after``), one row per day.

    Recall de-duplicates bots per calendar platform: calendars that record the same meeting
    share one bot. The same join link and start time stand in for "the same meeting", as in
    :func:`lib.autorecord.deduplication_peers`.
    """
    keys = ["calendar_platform", "join_url", "start_time"]
    out = pd.DataFrame({"day": list(days)})
    usable = frame["join_url"].notna() & frame["start_time"].notna()
    for name, column in (("before", "record_before"), ("after", "record_after")):
        recording = frame.loc[usable & frame[column].astype(bool), keys]
        recording = recording.assign(calendar_platform=recording["calendar_platform"].fillna(""))
        bots = recording.drop_duplicates()
        counts = _local_day(bots, zone).value_counts() if len(bots) else pd.Series(dtype=int)
        out[name] = [int(counts.get(d, 0)) for d in days]
    return out


# -- the cohort --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortProgress:
    """Where a cohort run stands; ``waiting`` users are held by a rate limit right now."""

    done: int
    total: int
    failed: int = 0
    waiting: int = 0
    last_user: str | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True, eq=False)
class CohortResult:
    """What a cohort run found. ``meetings`` holds every previewed user's upcoming meetings,
    decided under their current preferences and under ``candidate``.

    After a stop every known user is in exactly one of ``previewed``, ``failures``, ``skipped``
    (never started: nothing was asked of Recall for them) and ``interrupted`` ("in flight when
    stopped": started, then abandoned while waiting out a rate limit, so not previewed).
    """

    requested: tuple[str, ...]
    previewed: tuple[str, ...]
    meetings: pd.DataFrame
    candidate: Preferences
    now: datetime
    failures: Mapping[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    stopped: bool = False
    elapsed_s: float = 0.0
    interrupted: tuple[str, ...] = ()

    def with_candidate(self, candidate: Mapping[str, Any] | Preferences | None) -> CohortResult:
        """The same fetched meetings decided under other candidate preferences (no requests)."""
        prefs = read_preferences(candidate)
        if prefs == self.candidate:
            return self
        return replace(
            self, candidate=prefs, meetings=apply_candidate(self.meetings, prefs, now=self.now)
        )

    def counts(self) -> ImpactCounts:
        return impact_counts(self.meetings)

    def per_user(self) -> pd.DataFrame:
        return per_user_impact(self.meetings, self.previewed)

    def changed(self) -> pd.DataFrame:
        return self.meetings.loc[self.meetings["change"] != CHANGE_NONE]

    @property
    def users_affected(self) -> int:
        return int(self.changed()["user_id"].nunique())


class _StoppedError(Exception):
    """The run was stopped while this user waited out a rate limit."""


class _Tracker:
    def __init__(self, total: int, report: Callable[[CohortProgress], None] | None) -> None:
        self._lock = threading.Lock()
        self._report = report
        self._state = CohortProgress(0, total)

    def _update(self, change: Callable[[CohortProgress], CohortProgress]) -> None:
        # One lock around read, write and report, so concurrent workers never lose a count and
        # reports arrive in order.
        with self._lock:
            self._state = change(self._state)
            if self._report is not None:
                self._report(self._state)

    def finished(self, user_id: str, *, failed: bool) -> None:
        self._update(
            lambda s: replace(s, done=s.done + 1, failed=s.failed + int(failed), last_user=user_id)
        )

    def waiting(self, delta: int) -> None:
        self._update(lambda s: replace(s, waiting=s.waiting + delta))


def _patiently(
    call: Callable[[], T], *, stop: threading.Event, tracker: _Tracker, budget: list[float]
) -> T:
    """``call``, waiting out rate limits within ``budget``. A stop cuts a wait short (it may
    last a minute); it never cuts a started user between two requests, so a user whose
    calendar token was minted is either previewed or reported as in flight when stopped."""
    while True:
        try:
            return call()
        except RateLimitedError as exc:
            wait = max(0.5, exc.retry_after or 1.0)
            if wait > budget[0]:
                raise
            budget[0] -= wait
            tracker.waiting(+1)
            try:
                if stop.wait(wait):
                    raise _StoppedError from None
            finally:
                tracker.waiting(-1)


def _empty_frame(now: datetime) -> pd.DataFrame:
    return upcoming_frame(CalendarUser(id=""), [], now=now, user_id="")


def run_cohort(
    client: RecallClient,
    user_ids: Iterable[str],
    known_ids: Container[str],
    candidate: Mapping[str, Any] | Preferences | None,
    *,
    now: datetime | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[CohortProgress], None] | None = None,
    stop: threading.Event | None = None,
    horizon: timedelta = HORIZON,
    max_wait_s: float = MAX_RATE_LIMIT_WAIT_S,
) -> CohortResult:
    """Fetch each known user's user and upcoming meetings and preview ``candidate`` for them.

    Ids not in ``known_ids`` are reported in ``unknown`` and never requested (a request would
    create them). Users are fetched on ``workers`` threads; the client paces itself within
    Recall's limits and a user held up by a limit waits for it (up to ``max_wait_s``). ``stop``
    is checked before each user starts: once set, users not yet started are listed in
    ``skipped`` and nothing is requested for them; a started user finishes, unless it is
    waiting out a rate limit, which the stop ends (``interrupted``).
    ``progress`` is called (serialised) after each user and when a user starts or stops waiting.
    """
    started = time.monotonic()
    now = _utc(now or datetime.now(UTC))
    prefs = read_preferences(candidate)
    stop = stop or threading.Event()
    requested = tuple(dict.fromkeys(user_ids))
    fetch, unknown = split_known(requested, known_ids)
    tracker = _Tracker(len(fetch), progress)
    frames: dict[str, pd.DataFrame] = {}
    current: dict[str, Preferences] = {}
    failures: dict[str, str] = {}
    skipped: list[str] = []
    interrupted: list[str] = []
    lock = threading.Lock()
    window_end = now + horizon

    def work(user_id: str) -> None:
        if stop.is_set():
            with lock:
                skipped.append(user_id)
            return
        budget = [max_wait_s]
        failure: str | None = None
        try:
            user = _patiently(
                lambda: client.get_user(user_id), stop=stop, tracker=tracker, budget=budget
            )
            meetings = _patiently(
                lambda: client.list_meetings(
                    user_id,
                    start_time_after=now - _OPEN_ENDED_GRACE,
                    start_time_before=window_end,
                ),
                stop=stop,
                tracker=tracker,
                budget=budget,
            )
            frame = upcoming_frame(user, meetings, now=now, user_id=user_id, horizon=horizon)
            prefs_now = read_preferences(user.preferences)
        except _StoppedError:
            with lock:
                interrupted.append(user_id)
            return
        except RecallError as exc:
            failure = exc.message
        except (TypeError, ValueError) as exc:
            failure = f"Recall sent a meeting the rules cannot read ({exc})."
        except Exception:
            logger.exception("cohort preview failed for one user")
            failure = "An unexpected error occurred while previewing this user; it was logged."
        with lock:
            if failure is None:
                frames[user_id] = frame
                current[user_id] = prefs_now
            else:
                failures[user_id] = failure
        tracker.finished(user_id, failed=failure is not None)

    if fetch:
        with ThreadPoolExecutor(
            max_workers=max(1, min(workers, len(fetch))), thread_name_prefix="cohort"
        ) as pool:
            list(pool.map(work, fetch))

    previewed = tuple(uid for uid in fetch if uid in frames)
    not_fetched, abandoned = set(skipped), set(interrupted)
    parts = [frames[uid] for uid in previewed if len(frames[uid])]
    combined = pd.concat(parts, ignore_index=True) if parts else _empty_frame(now)
    combined = decide_current(combined, current, now=now)
    return CohortResult(
        requested=requested,
        previewed=previewed,
        meetings=apply_candidate(combined, prefs, now=now),
        candidate=prefs,
        now=now,
        failures={uid: failures[uid] for uid in fetch if uid in failures},
        unknown=unknown,
        skipped=tuple(uid for uid in fetch if uid in not_fetched),
        stopped=stop.is_set(),
        elapsed_s=time.monotonic() - started,
        interrupted=tuple(uid for uid in fetch if uid in abandoned),
    )


class CohortRun:
    """A cohort preview on a background thread, for a page to poll and to stop.

    The thread only calls :func:`run_cohort`; nothing in it touches the page, so the page reads
    ``progress``, ``done`` and ``result`` on its own reruns.
    """

    def __init__(
        self,
        client: RecallClient,
        user_ids: Iterable[str],
        known_ids: Container[str],
        candidate: Mapping[str, Any] | Preferences | None,
        *,
        now: datetime | None = None,
        workers: int = DEFAULT_WORKERS,
        horizon: timedelta = HORIZON,
    ) -> None:
        self._client = client
        self._ids = tuple(dict.fromkeys(user_ids))
        self._known = known_ids
        self._candidate = read_preferences(candidate)
        self._now = now
        self._workers = workers
        self._horizon = horizon
        self._stop = threading.Event()
        self._lock = threading.Lock()
        fetch, _ = split_known(self._ids, known_ids)
        self._progress = CohortProgress(0, len(fetch))
        self._result: CohortResult | None = None
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="cohort-preview", daemon=True)

    def start(self) -> CohortRun:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to stop: users not started are skipped, users being fetched finish, and
        users waiting out a rate limit stop waiting (``interrupted``)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (for tests and benchmarks); True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        with self._lock:
            return self._result is not None or self._error is not None

    @property
    def progress(self) -> CohortProgress:
        with self._lock:
            return self._progress

    @property
    def result(self) -> CohortResult | None:
        with self._lock:
            return self._result

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    def _report(self, progress: CohortProgress) -> None:
        with self._lock:
            self._progress = progress

    def _run(self) -> None:
        try:
            result = run_cohort(
                self._client,
                self._ids,
                self._known,
                self._candidate,
                now=self._now,
                workers=self._workers,
                progress=self._report,
                stop=self._stop,
                horizon=self._horizon,
            )
        except Exception:
            logger.exception("cohort preview failed")
            with self._lock:
                self._error = "The cohort preview failed unexpectedly; it was logged. Run it again."
            return
        with self._lock:
            self._result = result

    def __repr__(self) -> str:
        return f"CohortRun(users={len(self._ids)}, done={self.done})"


# -- export ------------------------------------------------------------------------------------

CHANGED_EXPORT_COLUMNS: dict[str, str] = {
    "user_id": "user_id",
    "id": "meeting_id",
    "title": "title",
    "start_time": "start_time_utc",
    "calendar_platform": "calendar_platform",
    "meeting_platform": "meeting_platform",
    "change": "change",
    "record_before": "recorded_now",
    "record_after": "recorded_candidate",
    "reason_before": "reason_now",
    "reason_after": "reason_candidate",
}


def _cell(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return neutralise_cell(str(value))


def to_csv(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> str:
    """``frame`` as CSV (RFC 4180 line endings): times in UTC ISO 8601, booleans ``true`` /
    ``false``, and every cell that a spreadsheet would read as a formula made inert."""
    chosen = columns or {name: name for name in frame.columns}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise_cell(str(header)) for header in chosen.values()])
    values = frame[list(chosen)].astype(object).to_numpy()
    for row in values:
        writer.writerow(
            [_cell(v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in row]
        )
    return out.getvalue()
