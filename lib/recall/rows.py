"""Reading lists of Calendar V1 objects so that one row Recall sends oddly never hides the rest.

The models coerce where the meaning is clear (a null ``is_organizer`` or ``connected`` is false,
a numeric id is its text, a null inside a list is dropped, an unknown enum value is kept as a
string). A row that still does not fit is set aside as an ``UnreadableRow``: the reason in words
for staff, and the row as Recall sent it for an admin to inspect behind a "raw" control.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

M = TypeVar("M", bound=BaseModel)

# Pydantic error types in words staff can read; anything else falls back to pydantic's message.
_PLAIN: dict[str, str] = {
    "missing": "is missing",
    "string_type": "is not text",
    "bool_type": "is not true or false",
    "bool_parsing": "is not true or false",
    "datetime_type": "is not a date and time",
    "datetime_parsing": "is not a date and time",
    "datetime_from_date_parsing": "is not a date and time",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
    "list_type": "is not a list",
    "int_type": "is not a number",
}
_MAX_REASONS = 3


@dataclass(frozen=True)
class UnreadableRow:
    """One object of a list that could not be read; ``raw`` is exactly what Recall sent."""

    kind: str
    position: int
    id: str | None
    reason: str
    raw: Any

    def label(self) -> str:
        """Which row this is, in words: its title or email when it has one, else its place in
        Recall's list (ids belong behind the raw-data control, not in the first view)."""
        name = None
        if isinstance(self.raw, dict):
            name = next(
                (
                    self.raw[key].strip()
                    for key in ("title", "email")
                    if isinstance(self.raw.get(key), str) and self.raw[key].strip()
                ),
                None,
            )
        if name:
            return f'{self.kind} "{name[:80]}"'
        return f"{self.kind} {self.position + 1} in Recall's list"


class RowList(list[M]):
    """A list of readable objects that also carries the rows that could not be read."""

    unreadable: tuple[UnreadableRow, ...]

    def __init__(self, rows: Iterable[M] = (), unreadable: Iterable[UnreadableRow] = ()) -> None:
        super().__init__(rows)
        self.unreadable = tuple(unreadable)


def describe_problem(exc: PydanticValidationError, kind: str) -> str:
    """Why a row did not fit, in words; names fields, never repeats the values sent."""
    parts = []
    for error in exc.errors()[:_MAX_REASONS]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        what = _PLAIN.get(str(error.get("type")), str(error.get("msg", "is not valid")).lower())
        parts.append(f"{where} {what}" if where else f"The {kind} {what}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "") + "."


def row_id(item: Any) -> str | None:
    """The row's id as text, when it has one that can be shown."""
    value = item.get("id") if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)[:100] or None


def read_rows(items: Iterable[Any], model: type[M], kind: str) -> RowList[M]:
    """Each item validated as ``model``; nulls dropped, misfits set aside with their reason."""
    good: list[M] = []
    bad: list[UnreadableRow] = []
    for position, item in enumerate(items):
        if item is None:
            continue
        if not isinstance(item, dict):
            bad.append(UnreadableRow(kind, position, None, f"The {kind} is not an object.", item))
            continue
        try:
            good.append(model.model_validate(item))
        except PydanticValidationError as exc:
            bad.append(
                UnreadableRow(kind, position, row_id(item), describe_problem(exc, kind), item)
            )
    return RowList(good, bad)
