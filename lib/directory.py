"""The workspace's calendar users as a table: search, filters and likely duplicates.

Built once from the user list and searched in memory, so a 100,000-user workspace answers a
search without another request to Recall.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from lib.autorecord import PREFERENCE_KEYS, preset_name
from lib.recall.models import CALENDAR_PLATFORMS, CalendarUser

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


def _state(user: CalendarUser, platform: str) -> tuple[ConnectionState, str | None]:
    connection = user.connection(platform)
    if connection is None:
        return "none", None
    return ("connected" if connection.connected else "disconnected"), connection.email


def users_frame(users: Iterable[CalendarUser]) -> pd.DataFrame:
    """One row per calendar user, indexed by ``user_id`` (the external id)."""
    rows = []
    for user in users:
        google, google_email = _state(user, "google")
        microsoft, microsoft_email = _state(user, "microsoft")
        flags = {key: bool(getattr(user.preferences, key, False)) for key in PREFERENCE_KEYS}
        rows.append(
            {
                "user_id": user.external_id or "",
                "recall_id": user.id,
                "google": google,
                "google_email": google_email,
                "microsoft": microsoft,
                "microsoft_email": microsoft_email,
                "preferences": preset_name(flags)
                or ("nothing" if not any(flags.values()) else "custom"),
                "bot_name": user.preferences.bot_name,
                **flags,
                "duplicate_of": "",
            }
        )
    frame = pd.DataFrame(rows, columns=list(DIRECTORY_COLUMNS))
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
    """Rows whose user id or connected email contains ``text`` (case-insensitive), matching
    any of the chosen connection states."""
    mask = np.ones(len(frame), dtype=bool)
    needle = text.strip().lower()
    if needle:
        mask &= frame["_search"].str.contains(needle, regex=False).to_numpy()
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
