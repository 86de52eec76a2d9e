"""Preference edits made in the directory's side-by-side table, read from the editor's state.

``st.data_editor`` reports edits as ``{"edited_rows": {row position: {column: value}}, ...}``.
That state can be crafted (a ``disabled`` column is not enforced), so this module trusts none
of it: positions are mapped back to the user ids the table showed, only the six recording
flags and the bot name are taken, values are type-checked, and anything else is reported as
ignored. Plain Python, no Streamlit, so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lib.actions import (
    EDITABLE_PREFERENCES,
    MAX_BOT_NAME_CHARS,
    ActionError,
    Actions,
    ConflictError,
    PermissionDeniedError,
    ReasonRequiredError,
    preference_diff,
)
from lib.recall.models import PREFERENCE_FLAGS

# Column labels of the side-by-side table, in the order shown.
FLAG_LABELS: dict[str, str] = {
    "record_external": "External",
    "record_internal": "Internal",
    "record_non_host": "Not host",
    "record_recurring": "Recurring",
    "record_confirmed": "Accepted",
    "record_only_host": "Host only",
}
FLAG_HELP: dict[str, str] = {
    "record_external": "Record meetings with at least one external attendee.",
    "record_internal": "Record meetings with no external attendee.",
    "record_non_host": "Record meetings the user does not host.",
    "record_recurring": "Record recurring meetings.",
    "record_confirmed": "Only meetings the user accepted (narrows the others).",
    "record_only_host": "Only meetings the user hosts (narrows the others).",
}
TABLE_COLUMNS: tuple[str, ...] = ("preferences", *FLAG_LABELS, "bot_name")


def preferences_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The editor's input: one row per user (index = user id), flags and bot name as loaded."""
    index = pd.Index(rows["user_id"].to_numpy(dtype=object), name="user_id")
    table = pd.DataFrame(
        {
            "preferences": rows["preferences"].to_numpy(dtype=object),
            **{flag: rows[flag].to_numpy(dtype=bool) for flag in FLAG_LABELS},
        },
        index=index,
    )
    table["bot_name"] = pd.array(rows["bot_name"].astype("string").to_numpy(), dtype="string")
    return table


def loaded_preferences(table: pd.DataFrame, position: int) -> dict[str, Any]:
    """The six flags and bot name of one row, as the page showed them."""
    row = table.iloc[position]
    loaded: dict[str, Any] = {flag: bool(row[flag]) for flag in PREFERENCE_FLAGS}
    bot_name = row["bot_name"]
    loaded["bot_name"] = None if pd.isna(bot_name) else str(bot_name)
    return loaded


@dataclass(frozen=True)
class UserEdit:
    """The changes asked for one user: ``loaded`` as shown, ``wanted`` the changed fields."""

    user_id: str
    loaded: Mapping[str, Any]
    wanted: Mapping[str, Any]

    def diff(self) -> dict[str, tuple[Any, Any]]:
        return preference_diff(self.loaded, self.wanted)


@dataclass(frozen=True)
class CollectedEdits:
    edits: tuple[UserEdit, ...] = ()
    # Parts of the editor state that were not taken, in words for staff.
    ignored: tuple[str, ...] = ()

    @property
    def users(self) -> tuple[str, ...]:
        return tuple(edit.user_id for edit in self.edits)


def _position(key: object, size: int) -> int | None:
    if isinstance(key, bool):
        return None
    if not (isinstance(key, int | np.integer) or (isinstance(key, str) and key.isdigit())):
        return None
    number = int(key)
    return number if 0 <= number < size else None


def _clean_value(column: str, value: object) -> tuple[Any, str | None]:
    """The value to send, or a problem in words."""
    if column == "bot_name":
        if not isinstance(value, str):
            return None, "the bot name must be text"
        text = value.strip()
        if not text:
            return None, "the bot name cannot be empty"
        if len(text) > MAX_BOT_NAME_CHARS:
            return None, f"keep the bot name under {MAX_BOT_NAME_CHARS} characters"
        if any(not char.isprintable() for char in text):
            return None, "the bot name contains control characters"
        return text, None
    if isinstance(value, bool | np.bool_):
        return bool(value), None
    return None, f"{FLAG_LABELS.get(column, column)} must be on or off"


def has_edits(state: object) -> bool:
    """Whether the editor state holds any edit at all (cheap; before the table is built)."""
    if not isinstance(state, Mapping):
        return False
    return bool(state.get("edited_rows") or state.get("added_rows") or state.get("deleted_rows"))


def collect_edits(table: pd.DataFrame, state: object) -> CollectedEdits:
    """Whitelisted, type-checked changes per user from the editor state over ``table``."""
    if not isinstance(state, Mapping):
        return CollectedEdits()
    ignored: list[str] = []
    if state.get("added_rows"):
        ignored.append("Added rows were ignored: users are not created from this table.")
    if state.get("deleted_rows"):
        ignored.append("Deleted rows were ignored: users are not deleted from this table.")
    edited = state.get("edited_rows") or {}
    if not isinstance(edited, Mapping):
        return CollectedEdits((), (*ignored, "The edits could not be read; nothing was taken."))
    edits: list[UserEdit] = []
    for key in sorted(edited, key=str):
        position = _position(key, len(table))
        if position is None:
            ignored.append(f"An edit to row {key!r}, which the table does not have, was ignored.")
            continue
        user_id = str(table.index[position])
        if not user_id:
            ignored.append("A user without a user id cannot be changed here.")
            continue
        changes = edited[key]
        if not isinstance(changes, Mapping):
            ignored.append(f"The edit to {user_id!r} could not be read and was ignored.")
            continue
        loaded = loaded_preferences(table, position)
        wanted: dict[str, Any] = {}
        for column, value in changes.items():
            if column not in EDITABLE_PREFERENCES:
                ignored.append(f"{column!r} of {user_id!r} cannot be edited here; ignored.")
                continue
            clean, problem = _clean_value(str(column), value)
            if problem is not None:
                ignored.append(f"{user_id!r}: {problem}; that change was ignored.")
                continue
            wanted[str(column)] = clean
        edit = UserEdit(user_id, loaded, wanted)
        if edit.diff():
            edits.append(UserEdit(user_id, loaded, {k: wanted[k] for k in edit.diff()}))
    return CollectedEdits(tuple(edits), tuple(ignored))


def diff_rows(edits: Sequence[UserEdit]) -> pd.DataFrame:
    """One row per changed field, for showing the diff before saving."""
    rows = [
        {
            "user_id": edit.user_id,
            "field": FLAG_LABELS.get(name, "Bot name" if name == "bot_name" else name),
            "before": _shown(old),
            "after": _shown(new),
        }
        for edit in edits
        for name, (old, new) in edit.diff().items()
    ]
    return pd.DataFrame(rows, columns=["user_id", "field", "before", "after"])


def _shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


@dataclass
class SaveReport:
    """What happened to each user's changes."""

    applied: list[str] = field(default_factory=list)
    conflicts: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    # Set when a refusal that applies to every user (role, reason) stopped the save.
    stopped: str | None = None


def save_edits(
    actions: Actions,
    edits: Sequence[UserEdit],
    *,
    reason: str,
    ticket: str | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> SaveReport:
    """Apply each user's changes through the action layer, one user at a time.

    Each user is its own write (its own conflict check and audit events), so one user's
    conflict or failure leaves the others' changes in place.
    """
    report = SaveReport()
    for done, edit in enumerate(edits):
        if progress is not None:
            progress(done, edit.user_id)
        try:
            actions.update_preferences(
                edit.user_id, loaded=edit.loaded, wanted=edit.wanted, reason=reason, ticket=ticket
            )
        except (PermissionDeniedError, ReasonRequiredError) as exc:
            report.stopped = exc.message
            break
        except ConflictError as exc:
            report.conflicts[edit.user_id] = exc.message
        except ActionError as exc:
            report.failures[edit.user_id] = exc.message
        else:
            report.applied.append(edit.user_id)
    if progress is not None:
        progress(len(edits), "")
    return report
