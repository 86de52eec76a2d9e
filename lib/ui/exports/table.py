"""CSV (formula-guarded) and JSON downloads of a table, each click an audit event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lib.cohort import to_csv
from lib.staff import Action
from lib.ui.context import PageContext

EXPORT_ACTION = "export.view"


def table_csv(frame: pd.DataFrame, columns: Mapping[str, str]) -> str:
    """``frame``'s ``columns`` (name -> header) as CSV; cells a spreadsheet would run as a
    formula are made inert."""
    return to_csv(frame, columns)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    return value if isinstance(value, bool | int | str) else str(value)


def table_json(frame: pd.DataFrame, columns: Mapping[str, str]) -> str:
    """``frame``'s ``columns`` as a JSON list of objects keyed by header, times in UTC."""
    rows = frame[list(columns)].astype(object).to_numpy()
    records = [
        {header: _json_value(value) for header, value in zip(columns.values(), row, strict=True)}
        for row in rows
    ]
    return json.dumps(records, indent=2, ensure_ascii=False)


def _record(ctx: PageContext, target: str, user_id: str | None, details: dict[str, Any]) -> None:
    ctx.actions().record(EXPORT_ACTION, user_id=user_id, target=target, after=details)


def table_export_buttons(
    ctx: PageContext,
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str],
    file_stem: str,
    target: str,
    key: str,
    user_id: str | None = None,
) -> None:
    """ "Download CSV" and "Download JSON" for ``frame`` (for roles that may export views)."""
    if not ctx.can(Action.EXPORT_VIEW) or frame.empty:
        return
    left, right, _ = st.columns([1, 1, 4])
    for column, fmt, data, mime in (
        (left, "csv", table_csv(frame, columns), "text/csv"),
        (right, "json", table_json(frame, columns), "application/json"),
    ):
        column.download_button(
            f"Download {fmt.upper()}",
            data=data,
            file_name=f"{file_stem}.{fmt}",
            mime=mime,
            key=f"{key}.export.{fmt}",
            icon=":material/download:",
            on_click=_record,
            args=(ctx, target, user_id, {"format": fmt, "rows": len(frame)}),
        )
