"""Exporting the filtered audit log as CSV or JSON.

An export is itself recorded (``export.audit``, with the filters, the number of events, the
file's sha256 and the chain's signed head the file carries) before the file is offered, so no
copy of the log leaves without a trace; if that record cannot be written, nothing is offered.
Files hold at most ``MAX_EXPORT_EVENTS`` events, read in batches, oldest first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.actions import Actions
from lib.audit import AuditError, AuditStore, SignedHead, StoredEvent, to_csv, to_json
from lib.ui.audit_display import format_moment, read_problem
from lib.ui.audit_filters import AuditFilters
from lib.ui.state import SK_AUDIT_EXPORT, SK_AUDIT_EXPORT_FORMAT
from lib.ui.text import plain

EXPORT_ACTION = "export.audit"
MAX_EXPORT_EVENTS = 50_000
EXPORT_BATCH = 5_000

Progress = Callable[[int, int], None]


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"

    @property
    def mime(self) -> str:
        return "text/csv" if self is ExportFormat.CSV else "application/json"

    @property
    def label(self) -> str:
        return self.value.upper()


@dataclass(frozen=True)
class PreparedExport:
    """A file ready to download, and what it was made from."""

    format: ExportFormat
    signature: str
    file_name: str
    data: bytes
    events: int
    prepared_at: dt.datetime


def collect_events(
    store: AuditStore,
    filters: AuditFilters,
    *,
    limit: int = MAX_EXPORT_EVENTS,
    batch: int = EXPORT_BATCH,
    progress: Progress | None = None,
) -> list[StoredEvent]:
    """The matching events, oldest first, at most ``limit``.

    Reading oldest first keeps the batches stable while staff keep working: new events join
    the end, beyond the count taken at the start, so none is read twice or skipped.
    """
    args = filters.query_args()
    wanted = min(store.count(**args), limit)
    events: list[StoredEvent] = []
    while len(events) < wanted:
        size = min(batch, wanted - len(events))
        page = store.query(**args, limit=size, offset=len(events), newest_first=False)
        if not page:
            break  # a prune removed events meanwhile
        events.extend(page)
        if progress is not None:
            progress(len(events), wanted)
    return events


def encode_export(
    events: list[StoredEvent], fmt: ExportFormat, head: SignedHead | None = None
) -> bytes:
    """The file's bytes. CSV carries a UTF-8 byte order mark so spreadsheets read accents
    correctly; its formula-like cells are neutralised by ``to_csv``. ``head`` is the chain's
    signed head, which makes the kept file an anchor for ``verify --against``."""
    if fmt is ExportFormat.CSV:
        return to_csv(events, head).encode("utf-8-sig")
    return to_json(events, head).encode("utf-8")


def export_file_name(fmt: ExportFormat, now: dt.datetime) -> str:
    return f"audit-log-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}Z.{fmt.value}"


def prepare_export(
    store: AuditStore,
    actions: Actions,
    filters: AuditFilters,
    fmt: ExportFormat,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> PreparedExport:
    """Read, encode and record the export; the record is written before the file is returned."""
    moment = now or dt.datetime.now(dt.UTC)
    head = store.signed_head()
    events = collect_events(store, filters, progress=progress)
    data = encode_export(events, fmt, head)
    name = export_file_name(fmt, moment)
    actions.record(
        EXPORT_ACTION,
        target=name,
        after={
            "format": fmt.value,
            "events": len(events),
            "first_id": events[0].id if events else None,
            "last_id": events[-1].id if events else None,
            "filters": filters.describe(),
            "sha256": hashlib.sha256(data).hexdigest(),
            "signed_head": head.text,
        },
    )
    return PreparedExport(
        format=fmt,
        signature=filters.signature(),
        file_name=name,
        data=data,
        events=len(events),
        prepared_at=moment,
    )


def render_export(
    store: AuditStore, actions: Actions, filters: AuditFilters, total: int, zone: ZoneInfo
) -> None:
    """Format choice, Prepare, then Download; a prepared file is dropped when filters change."""
    prepared = st.session_state.get(SK_AUDIT_EXPORT)
    if isinstance(prepared, PreparedExport) and prepared.signature != filters.signature():
        st.session_state.pop(SK_AUDIT_EXPORT, None)
        prepared = None
    st.markdown(f"**Export {total:,} matching events**, oldest first")
    choice = st.segmented_control(
        "Format",
        [f.value for f in ExportFormat],
        default=ExportFormat.CSV.value,
        format_func=lambda value: ExportFormat(value).label,
        key=SK_AUDIT_EXPORT_FORMAT,
    )
    fmt = ExportFormat(choice or ExportFormat.CSV.value)
    too_many = total > MAX_EXPORT_EVENTS
    if too_many:
        st.warning(
            f"Exports hold at most {MAX_EXPORT_EVENTS:,} events; narrow the filters "
            "(a date range works well).",
            icon=":material/filter_alt:",
        )
    st.caption(
        "The export is recorded in this log (who, when, filters and the file's hash). It "
        "carries the log's signed head: keep it, and `python -m lib.audit verify --against` "
        "the file later shows whether any event was removed or rewritten since."
    )
    if st.button(
        f"Prepare {fmt.label}",
        key="audit.export.prepare",
        icon=":material/download:",
        disabled=too_many or total == 0,
        type="primary",
    ):
        bar = st.progress(0.0, text="Reading events…")

        def report(done: int, wanted: int) -> None:
            bar.progress(done / wanted if wanted else 1.0, text=f"Read {done:,} of {wanted:,}")

        try:
            prepared = prepare_export(store, actions, filters, fmt, progress=report)
        except (SQLAlchemyError, AuditError) as exc:
            bar.empty()
            st.error(
                f"**The export was not made** — {plain(read_problem(exc), limit=None)}",
                icon=":material/error:",
            )
            return
        bar.empty()
        st.session_state[SK_AUDIT_EXPORT] = prepared
    if isinstance(prepared, PreparedExport):
        st.download_button(
            f"Download {prepared.file_name}",
            data=prepared.data,
            file_name=prepared.file_name,
            mime=prepared.format.mime,
            on_click="ignore",
            key="audit.export.download",
            icon=":material/file_download:",
        )
        st.caption(
            f"{prepared.events:,} events, prepared {format_moment(prepared.prepared_at, zone)}."
        )
