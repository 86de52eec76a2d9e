"""Before/after of one audit event as a readable, field-by-field difference.

Snapshots are JSON data (usually objects of settings). Nested objects are walked so that a
change deep inside shows under its own dotted path; lists are compared whole, because an
element-by-element comparison turns one insertion into a column of spurious changes.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

# A placeholder that can never be JSON data: "this side has no such field".
_ABSENT: Any = object()
ROOT_PATH = "(value)"


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class DiffRow:
    path: str
    change: Change
    before: Any = None
    after: Any = None
    # False on the side where the field does not exist (as opposed to holding null).
    has_before: bool = True
    has_after: bool = True


def _join(prefix: str, key: str) -> str:
    return key if not prefix else f"{prefix}.{key}"


def _walk(before: Any, after: Any, path: str) -> Iterator[DiffRow]:
    # An object that appears or disappears is listed field by field, like any other change.
    if before is _ABSENT and isinstance(after, dict) and after:
        before = {}
    if after is _ABSENT and isinstance(before, dict) and before:
        after = {}
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            yield from _walk(before.get(key, _ABSENT), after.get(key, _ABSENT), _join(path, key))
        return
    label = path or ROOT_PATH
    if before is _ABSENT:
        yield DiffRow(label, Change.ADDED, after=after, has_before=False)
    elif after is _ABSENT:
        yield DiffRow(label, Change.REMOVED, before=before, has_after=False)
    elif _same(before, after):
        yield DiffRow(label, Change.UNCHANGED, before, after)
    else:
        yield DiffRow(label, Change.CHANGED, before, after)


def _same(left: Any, right: Any) -> bool:
    # JSON equality: 1 and true are different values, though Python calls them equal.
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def diff_values(before: Any, after: Any) -> list[DiffRow]:
    """Every leaf field of either snapshot, with how it changed; ``None`` means "no snapshot".

    An event with only ``after`` (a creation) lists every field as added; only ``before``
    (a deletion), as removed.
    """
    left = _ABSENT if before is None else before
    right = _ABSENT if after is None else after
    if left is _ABSENT and right is _ABSENT:
        return []
    return list(_walk(left, right, ""))


def show_value(value: Any, present: bool = True) -> str:
    """A cell's text: JSON, so that ``"true"`` and ``true`` and ``null`` stay distinguishable."""
    if not present:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_frame(rows: list[DiffRow], *, include_unchanged: bool = False) -> pd.DataFrame:
    """The rows as a table (Field, Before, After, Change)."""
    shown = [row for row in rows if include_unchanged or row.change is not Change.UNCHANGED]
    return pd.DataFrame(
        {
            "Field": [row.path for row in shown],
            "Before": [show_value(row.before, row.has_before) for row in shown],
            "After": [show_value(row.after, row.has_after) for row in shown],
            "Change": [row.change.value for row in shown],
        },
        columns=["Field", "Before", "After", "Change"],
    )


def unified_json_diff(before: Any, after: Any) -> str:
    """A unified diff of the two snapshots as indented JSON (for copying into a ticket)."""

    def lines(value: Any) -> list[str]:
        if value is None:
            return []
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    return "\n".join(
        difflib.unified_diff(lines(before), lines(after), "before", "after", lineterm="", n=3)
    )


def counts(rows: list[DiffRow]) -> dict[Change, int]:
    """How many fields of each kind of change."""
    tally = dict.fromkeys(Change, 0)
    for row in rows:
        tally[row.change] += 1
    return tally
