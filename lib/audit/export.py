"""CSV and JSON exports of audit events.

CSV files are opened in spreadsheets, and a cell beginning with ``=``, ``+``, ``-``, ``@``, tab
or carriage return (after any leading spaces) is read there as a formula. Actor-controlled text
(reasons, targets, user ids) ends up in those cells, so every text cell with such a start is
prefixed with a single quote.
The JSON export is lossless and reads back with ``from_json``.

Both carry the chain's signed head when given one (the CSV in a last column, ``log_signed_head``,
on every row so that sorting or filtering in a spreadsheet never loses it; the JSON as
``signed_head`` beside ``events``), so a kept export is also an anchor for
``python -m lib.audit verify --against <file>``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from lib.audit.anchor import SignedHead
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
    "target_info",
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
    elif column in ("before", "after", "target_info"):
        text = "" if value is None else canonical_json(value)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return neutralise_cell(text)


HEAD_COLUMN = "log_signed_head"


def to_csv(events: Iterable[StoredEvent], head: SignedHead | None = None) -> str:
    """Events as CSV with a header row (RFC 4180 line endings), safe to open in a spreadsheet;
    with ``head``, a last column holds the log's signed head when the file was made."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    extra = [] if head is None else [head.text]
    writer.writerow([*CSV_COLUMNS, *([HEAD_COLUMN] if head is not None else [])])
    for event in events:
        writer.writerow([*(_csv_cell(event, column) for column in CSV_COLUMNS), *extra])
    return buffer.getvalue()


def to_json(events: Iterable[StoredEvent], head: SignedHead | None = None) -> str:
    """Events as a JSON array of objects, every recorded field included; with ``head``, an
    object holding ``signed_head`` and ``events``."""
    records = [event.to_record() for event in events]
    data: Any = records if head is None else {"signed_head": head.text, "events": records}
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def from_json(text: str) -> list[StoredEvent]:
    """Events read back from ``to_json`` output (with or without a signed head)."""
    data = json.loads(text)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        data = data["events"]
    if not isinstance(data, list):
        raise ValueError("an audit export is a JSON array of events")
    return [StoredEvent.model_validate(item) for item in data]
