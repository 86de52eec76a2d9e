"""CSV and JSON exports of audit events.

CSV files are opened in spreadsheets, and a cell beginning with ``=``, ``+``, ``-``, ``@``, tab
or carriage return (after any leading spaces) is read there as a formula. Actor-controlled text
(reasons, targets, user ids) ends up in those cells, so every text cell with such a start is
prefixed with a single quote.
The JSON export is lossless and reads back with ``from_json``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from lib.audit.chain import canonical_json, format_time
from lib.audit.events import StoredEvent

CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "time",
    "actor_email",
    "actor_role",
    "action",
    "outcome",
    "error_class",
    "user_id",
    "target",
    "reason",
    "ticket",
    "request_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """``value`` made inert for spreadsheets: a leading formula character gets a ``'`` before it.

    Leading whitespace does not hide one: spreadsheets trim ``" =1+1"`` and read a formula.
    """
    if value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(event: StoredEvent, column: str) -> str:
    value: Any = getattr(event, column)
    if column == "time":
        text = format_time(value)
    elif column in ("before", "after"):
        text = "" if value is None else canonical_json(value)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return neutralise_cell(text)


def to_csv(events: Iterable[StoredEvent]) -> str:
    """Events as CSV with a header row (RFC 4180 line endings), safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([_csv_cell(event, column) for column in CSV_COLUMNS])
    return buffer.getvalue()


def to_json(events: Iterable[StoredEvent]) -> str:
    """Events as a JSON array of objects, every recorded field included."""
    return json.dumps(
        [event.to_record() for event in events], indent=2, ensure_ascii=False, allow_nan=False
    )


def from_json(text: str) -> list[StoredEvent]:
    """Events read back from ``to_json`` output."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("an audit export is a JSON array of events")
    return [StoredEvent.model_validate(item) for item in data]
