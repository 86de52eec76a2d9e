"""The workspace's calendar users as a table: search, filters, sorting, pages and likely duplicates.

Built once from the user list and searched in memory, so a 100,000-user workspace answers a
search without another request to Recall.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal

import numpy as np
import pandas as pd

from lib.autorecord import PREFERENCE_KEYS, preset_name
from lib.recall.models import CALENDAR_PLATFORMS, CalendarUser, Connection

ConnectionState = Literal["connected", "disconnected", "none"]
STATE_FILTERS: tuple[str, ...] = (
    "Google connected",
    "Microsoft connected",
    "No calendar",
    "Disconnected",
)

DIRECTORY_COLUMNS: tuple[str, ...] = (
    "user_id",
    "recall_id",
    "google",
    "google_email",
    "microsoft",
    "microsoft_email",
    "preferences",
    "bot_name",
    *PREFERENCE_KEYS,
    "duplicate_of",
)

# What staff can sort by, and the column behind each choice.
SORT_OPTIONS: dict[str, str] = {
    "User id": "user_id",
    "Google email": "google_email",
    "Microsoft email": "microsoft_email",
    "Preferences": "preferences",
    "Bot name": "bot_name",
    "Possible duplicates": "duplicate_of",
}
PAGE_SIZES: tuple[int, ...] = (25, 50, 100)
FLAGS = frozenset(PREFERENCE_KEYS)
PLATFORM_LABELS: dict[str, str] = {"google": "Google", "microsoft": "Microsoft"}


def _state(connection: Connection | None) -> ConnectionState:
    if connection is None:
        return "none"
    return "connected" if connection.connected else "disconnected"


def _preference_labels(flags: np.ndarray) -> list[str]:
    """The preset name of each row of a (rows x flags) boolean array.

    Only 64 combinations exist, so each is named once instead of once per user.
    """
    codes = flags.astype(np.int64) @ (1 << np.arange(flags.shape[1], dtype=np.int64))
    names: dict[int, str] = {}
    for code in np.unique(codes).tolist():
        chosen = {key: bool(code >> bit & 1) for bit, key in enumerate(PREFERENCE_KEYS)}
        names[code] = preset_name(chosen) or ("nothing" if not any(chosen.values()) else "custom")
    return [names[code] for code in codes.tolist()]


# One user as the directory needs it: external id, Recall id, (state, email) per platform,
# bot name and the six preference flags in PREFERENCE_KEYS order.
UserRow = tuple[str, str, tuple[str, str | None], tuple[str, str | None], str | None, tuple]


def _row_from_model(user: CalendarUser) -> UserRow:
    found: dict[str, Connection] = {}
    for connection in user.connections:
        found.setdefault(connection.platform, connection)
    google, microsoft = found.get("google"), found.get("microsoft")
    return (
        user.external_id or "",
        user.id,
        (_state(google), google.email if google is not None else None),
        (_state(microsoft), microsoft.email if microsoft is not None else None),
        user.preferences.bot_name,
        _read_flags(user.preferences),
    )


_read_flags = attrgetter(*PREFERENCE_KEYS)


def _row_from_v1(user: Mapping[str, Any]) -> UserRow:
    found: dict[str, Mapping[str, Any]] = {}
    for connection in user.get("connections") or ():
        if isinstance(connection, Mapping):
            found.setdefault(str(connection.get("platform")), connection)
    states = []
    for platform in CALENDAR_PLATFORMS:
        connection = found.get(platform)
        if connection is None:
            states.append(("none", None))
        else:
            email = connection.get("email")
            states.append(
                (
                    "connected" if connection.get("connected") is True else "disconnected",
                    email if isinstance(email, str) else None,
                )
            )
    preferences = user.get("preferences") or {}
    bot_name = preferences.get("bot_name")
    return (
        str(user.get("external_id") or ""),
        str(user.get("id") or ""),
        states[0],
        states[1],
        bot_name if isinstance(bot_name, str) else None,
        tuple(preferences.get(key) is True for key in PREFERENCE_KEYS),
    )


def users_frame(users: Iterable[CalendarUser]) -> pd.DataFrame:
    """One row per calendar user, indexed by ``user_id`` (the external id)."""
    return _frame_from_rows(_row_from_model(user) for user in users)


def users_frame_from_v1(users: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The same table straight from the API's user objects.

    For a 100,000-user workspace, building full models first costs seconds the directory does
    not need; it reads six fields per user.
    """
    return _frame_from_rows(_row_from_v1(user) for user in users)


def user_row_from_v1(user: Mapping[str, Any]) -> UserRow:
    """The six fields the directory keeps of one API user object (a few hundred bytes less
    per user than the object itself, which matters when a list is held page by page)."""
    return _row_from_v1(user)


def users_frame_from_rows(rows: Iterable[UserRow]) -> pd.DataFrame:
    """The directory table from rows made by ``user_row_from_v1``."""
    return _frame_from_rows(rows)


def _frame_from_rows(rows: Iterable[UserRow]) -> pd.DataFrame:
    # One pass, appending to plain lists: at 100,000 users every attribute lookup per user
    # shows in the load time.
    columns: dict[str, list[Any]] = {name: [] for name in DIRECTORY_COLUMNS if name not in FLAGS}
    flags: list[tuple[bool, ...]] = []
    for external_id, recall_id, google, microsoft, bot_name, user_flags in rows:
        columns["user_id"].append(external_id)
        columns["recall_id"].append(recall_id)
        columns["google"].append(google[0])
        columns["google_email"].append(google[1])
        columns["microsoft"].append(microsoft[0])
        columns["microsoft_email"].append(microsoft[1])
        columns["bot_name"].append(bot_name)
        flags.append(user_flags)
    flag_array = np.array(flags, dtype=bool).reshape(-1, len(PREFERENCE_KEYS))
    columns["preferences"] = _preference_labels(flag_array)
    columns["duplicate_of"] = [""] * len(flags)
    data: dict[str, pd.Series] = {
        name: pd.Series(values, dtype="str") for name, values in columns.items()
    }
    for position, key in enumerate(PREFERENCE_KEYS):
        data[key] = pd.Series(flag_array[:, position], dtype=bool)
    frame = pd.DataFrame(data, columns=list(DIRECTORY_COLUMNS))
    frame["duplicate_of"] = duplicate_labels(frame)
    frame["_search"] = (
        frame["user_id"].str.lower()
        + "\n"
        + frame["google_email"].fillna("").str.lower()
        + "\n"
        + frame["microsoft_email"].fillna("").str.lower()
    )
    return frame.set_index("user_id", drop=False)


def duplicate_labels(frame: pd.DataFrame) -> pd.Series:
    """For each user, the other user ids connected with the same calendar email (any platform).

    The same person under two user ids is the documented cause of two bots joining one call.
    """
    long = pd.concat(
        [
            frame[["user_id", f"{platform}_email"]].rename(columns={f"{platform}_email": "email"})
            for platform in CALENDAR_PLATFORMS
        ]
    )
    long = long[long["email"].notna() & (long["email"] != "")]
    long = long.assign(email=long["email"].str.lower()).drop_duplicates()
    shared = long[long.duplicated("email", keep=False)]
    if shared.empty:
        return pd.Series("", index=frame.index)
    by_email = shared.groupby("email")["user_id"].agg(lambda ids: sorted(set(ids)))
    others: dict[str, set[str]] = {}
    for ids in by_email:
        for uid in ids:
            others.setdefault(uid, set()).update(i for i in ids if i != uid)
    labels = frame["user_id"].map(lambda uid: ", ".join(sorted(others.get(uid, ()))))
    return labels.fillna("")


def search(
    frame: pd.DataFrame,
    text: str = "",
    *,
    states: Sequence[str] = (),
    duplicates_only: bool = False,
) -> pd.DataFrame:
    """Rows whose user id or connected emails contain every word of ``text``
    (case-insensitive), matching any of the chosen connection states."""
    mask = np.ones(len(frame), dtype=bool)
    needle = text.strip().lower()
    if needle:
        # Every word must appear: "ana lopez" finds ana.lopez@… (calendar emails are the only
        # names Recall holds).
        for word in needle.split():
            mask &= frame["_search"].str.contains(word, regex=False).to_numpy()
    if states:
        wanted = np.zeros(len(frame), dtype=bool)
        if "Google connected" in states:
            wanted |= (frame["google"] == "connected").to_numpy()
        if "Microsoft connected" in states:
            wanted |= (frame["microsoft"] == "connected").to_numpy()
        if "No calendar" in states:
            wanted |= ((frame["google"] == "none") & (frame["microsoft"] == "none")).to_numpy()
        if "Disconnected" in states:
            wanted |= (
                (frame["google"] == "disconnected") | (frame["microsoft"] == "disconnected")
            ).to_numpy()
        mask &= wanted
    if duplicates_only:
        mask &= (frame["duplicate_of"] != "").to_numpy()
    return frame[mask]


def sort_users(frame: pd.DataFrame, column: str, *, descending: bool = False) -> pd.DataFrame:
    """Rows ordered by ``column``, case-insensitively, ties by user id; blanks always last."""
    if column not in frame.columns:
        raise ValueError(f"cannot sort by {column!r}")
    # Two stable single-key sorts (user id, then the key) instead of one two-key sort: a
    # multi-column sort of 100,000 strings is several times slower.
    by_id = frame["user_id"].str.lower().reset_index(drop=True).argsort(kind="stable").to_numpy()
    keys = frame[column].astype("str").str.lower().replace("", pd.NA).reset_index(drop=True)
    order = (
        keys.iloc[by_id]
        .sort_values(ascending=not descending, kind="stable", na_position="last")
        .index.to_numpy()
    )
    return frame.iloc[order]


@dataclass(frozen=True)
class DirectoryQuery:
    """What staff asked the directory for: search text, filters, order and page."""

    text: str = ""
    states: tuple[str, ...] = ()
    duplicates_only: bool = False
    sort_by: str = "user_id"
    descending: bool = False
    page: int = 1
    page_size: int = 50


@dataclass(frozen=True)
class ResultPage:
    """One page of the filtered, sorted directory."""

    rows: pd.DataFrame
    total: int
    page: int
    pages: int
    page_size: int

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when nothing matched)."""
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.page_size, self.total)

    @property
    def label(self) -> str:
        if not self.total:
            return "No users match"
        return f"{self.first:,}–{self.last:,} of {self.total:,}"


def page_count(total: int, page_size: int) -> int:
    """Pages needed for ``total`` rows; at least 1 so an empty result still has a page."""
    return max(1, -(-total // page_size))


def run_query(frame: pd.DataFrame, query: DirectoryQuery) -> ResultPage:
    """Search, filter, sort and cut out one page; a page past the end shows the last page."""
    if query.page_size < 1:
        raise ValueError("page_size must be at least 1")
    found = search(frame, query.text, states=query.states, duplicates_only=query.duplicates_only)
    pages = page_count(len(found), query.page_size)
    page = min(max(query.page, 1), pages)
    ordered = sort_users(found, query.sort_by, descending=query.descending)
    start = (page - 1) * query.page_size
    return ResultPage(
        rows=ordered.iloc[start : start + query.page_size],
        total=len(found),
        page=page,
        pages=pages,
        page_size=query.page_size,
    )


@dataclass(frozen=True)
class DirectorySummary:
    total: int
    connected: int
    disconnected: int
    no_calendar: int
    duplicates: int


def summarize(frame: pd.DataFrame) -> DirectorySummary:
    """Counts for the top of the page: a user is connected when any calendar is connected and
    disconnected when a calendar was attached but none is connected now."""
    google, microsoft = frame["google"].to_numpy(), frame["microsoft"].to_numpy()
    connected = (google == "connected") | (microsoft == "connected")
    none = (google == "none") & (microsoft == "none")
    return DirectorySummary(
        total=len(frame),
        connected=int(connected.sum()),
        disconnected=int((~connected & ~none).sum()),
        no_calendar=int(none.sum()),
        duplicates=int((frame["duplicate_of"] != "").sum()),
    )


@dataclass(frozen=True)
class IdLookup:
    """What the directory knows about a typed user id."""

    user_id: str
    exists: bool
    # Existing ids that differ from the typed one only in letter case: a different user to
    # Recall, and the commonest way a second calendar user gets created by mistake.
    differs_in_case: tuple[str, ...]
    # Users whose connected calendar email equals the typed text.
    email_owners: tuple[str, ...]


def lookup_user_id(frame: pd.DataFrame, user_id: str) -> IdLookup:
    """Exact-id facts for ``user_id`` (already checked with ``lib.userids.check_user_id``)."""
    folded = user_id.lower()
    ids = frame["user_id"]
    same_case = ids[(ids.str.lower() == folded).to_numpy() & (ids != user_id).to_numpy()]
    owners = np.zeros(len(frame), dtype=bool)
    for platform in CALENDAR_PLATFORMS:
        owners |= (frame[f"{platform}_email"].fillna("").str.lower() == folded).to_numpy()
    return IdLookup(
        user_id=user_id,
        exists=user_id in frame.index,
        differs_in_case=tuple(sorted(same_case.tolist())),
        email_owners=tuple(sorted(ids[owners].tolist())),
    )


# Characters people put between the parts of an id, or that a keyboard swaps in.
_SEPARATORS = re.compile(r"[\s\-_.·‐-―]+")
_RUNS = re.compile(r"[0-9]+|[^\W\d_]+")


def id_key(text: str) -> str:
    """An id reduced to what people mean by it: full-width and other compatibility forms
    folded (NFKC), letter case ignored, separators dropped. ``"NW 000001"`` and
    ``"ｎｗ－０００００１"`` both give ``"nw000001"``."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


def near_miss_ids(frame: pd.DataFrame, text: str, *, limit: int = 3) -> tuple[str, ...]:
    """Existing user ids that ``text`` probably meant: the same id once case, width and
    separators are ignored. Empty for an exact id (nothing to suggest) and for emails."""
    if "@" in text or not text.strip() or text in frame.index:
        return ()
    key = id_key(text)
    runs = _RUNS.findall(key)
    if not runs:
        return ()
    # Only ids holding the typed text's longest run of digits or letters can match: a fast
    # vectorised filter first, so a miss costs milliseconds even at 300,000 users.
    ids = frame["user_id"]
    longest = max(runs, key=len)
    candidates = ids[ids.str.lower().str.contains(longest, regex=False).to_numpy()]
    found = [uid for uid in candidates.tolist() if uid != text and id_key(uid) == key]
    return tuple(sorted(found)[:limit])


def looks_like_email(text: str) -> bool:
    """Whether staff typed an email address rather than a user id."""
    local, at, domain = text.strip().partition("@")
    return bool(at and local and "." in domain)


def _calendar_cell(state: str, email: object) -> str:
    address = email if isinstance(email, str) and email else "(no email)"
    if state == "connected":
        return f"✓ {address}"
    if state == "disconnected":
        return f"✗ {address} (disconnected)"
    return "—"


def results_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as staff read them: one calendar column per platform, state and email together."""
    table = pd.DataFrame(
        {
            "user_id": rows["user_id"].to_numpy(),
            **{
                platform: [
                    _calendar_cell(state, email)
                    for state, email in zip(
                        rows[platform].tolist(), rows[f"{platform}_email"].tolist(), strict=True
                    )
                ]
                for platform in CALENDAR_PLATFORMS
            },
            "preferences": rows["preferences"].to_numpy(),
            "bot_name": rows["bot_name"].to_numpy(),
            "duplicate_of": rows["duplicate_of"].to_numpy(),
        }
    )
    return table


def describe_age(seconds: float) -> str:
    """'just now', '40 s ago', '3 min ago', '2 h ago'."""
    if seconds < 5:
        return "just now"
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    return f"{round(seconds / 3600)} h ago"


def rows_for(frame: pd.DataFrame, user_ids: Sequence[str]) -> pd.DataFrame | None:
    """The rows of these user ids in this order, or None when any of them is no longer listed."""
    unique = frame[~frame.index.duplicated(keep="first")] if not frame.index.is_unique else frame
    positions = unique.index.get_indexer(list(user_ids))
    if (positions < 0).any():
        return None
    return unique.iloc[positions]
