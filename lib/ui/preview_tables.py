"""Tables and exports of the preview page: meetings in the viewer's time zone, and CSV
downloads that are recorded in the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import pandas as pd
import streamlit as st

from lib.cohort import CHANGE_STARTS, CHANGE_STOPS, display_zone, to_csv
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.state import SK_DISPLAY_TZ

EXPORT_ACTION = "export.preview"
CHANGE_LABELS: dict[str, str] = {CHANGE_STARTS: "▲ starts", CHANGE_STOPS: "▼ stops"}
_WHEN_FORMAT = "ddd D MMM YYYY, HH:mm"


def viewer_zone(ctx: PageContext) -> tzinfo:
    """The zone staff chose in the console, else the browser's, else the configured default."""
    chosen = st.session_state.get(SK_DISPLAY_TZ)
    if isinstance(chosen, str) and chosen:
        return display_zone(chosen)
    browser = getattr(st.context, "timezone", None)
    return display_zone(browser or ctx.settings.display_timezone)


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def _local(frame: pd.DataFrame, zone: tzinfo) -> pd.Series:
    return frame["start_time"].dt.tz_convert(zone)


def changes_table(
    frame: pd.DataFrame, zone: tzinfo, *, key: str, with_user: bool = False, height: int = 360
) -> None:
    """The meetings whose recording changes, with the reason now and under the candidate."""
    shown = pd.DataFrame(
        {
            "user_id": frame["user_id"],
            "when": _local(frame, zone),
            "title": frame["title"],
            "change": frame["change"].map(CHANGE_LABELS),
            "reason_before": frame["reason_before"],
            "reason_after": frame["reason_after"],
            "calendar_platform": frame["calendar_platform"],
            "meeting_platform": frame["meeting_platform"],
        }
    ).sort_values("when", kind="stable")
    if not with_user:
        shown = shown.drop(columns=["user_id"])
    st.dataframe(
        shown,
        key=key,
        hide_index=True,
        height=min(height, 38 + 35 * max(1, len(shown))),
        column_config={
            "user_id": st.column_config.TextColumn("User id", width="small"),
            "when": st.column_config.DatetimeColumn(
                f"Starts ({zone_name(zone)})", format=_WHEN_FORMAT, width="medium"
            ),
            "title": st.column_config.TextColumn("Title", width="medium"),
            "change": st.column_config.TextColumn(
                "Recording", width="small", help="Starts or stops being recorded."
            ),
            "reason_before": st.column_config.TextColumn("Why, now", width="large"),
            "reason_after": st.column_config.TextColumn("Why, with the candidate", width="large"),
            "calendar_platform": st.column_config.TextColumn("Calendar", width="small"),
            "meeting_platform": st.column_config.TextColumn("Meeting", width="small"),
        },
    )


def meetings_table(frame: pd.DataFrame, zone: tzinfo, *, key: str) -> None:
    """Every upcoming meeting with both decisions and Recall's own ``will_record``."""
    shown = pd.DataFrame(
        {
            "when": _local(frame, zone),
            "title": frame["title"],
            "record_before": frame["record_before"],
            "record_after": frame["record_after"],
            "will_record": frame["will_record"],
            "override": frame["override_should_record"],
            "reason_after": frame["reason_after"],
            "calendar_platform": frame["calendar_platform"],
        }
    ).sort_values("when", kind="stable")
    st.dataframe(
        shown,
        key=key,
        hide_index=True,
        height=min(420, 38 + 35 * max(1, len(shown))),
        column_config={
            "when": st.column_config.DatetimeColumn(
                f"Starts ({zone_name(zone)})", format=_WHEN_FORMAT, width="medium"
            ),
            "title": st.column_config.TextColumn("Title", width="medium"),
            "record_before": st.column_config.CheckboxColumn(
                "Now", help="Recorded under the user's current preferences (the rules)."
            ),
            "record_after": st.column_config.CheckboxColumn(
                "Candidate", help="Recorded under the candidate preferences."
            ),
            "will_record": st.column_config.CheckboxColumn(
                "Recall says", help="Recall's own will_record for the meeting right now."
            ),
            "override": st.column_config.CheckboxColumn(
                "Override",
                help="override_should_record: ticked records, unticked skips, empty follows the "
                "preferences. An override wins over any preferences.",
            ),
            "reason_after": st.column_config.TextColumn("Why, with the candidate", width="large"),
            "calendar_platform": st.column_config.TextColumn("Calendar", width="small"),
        },
    )


def _record_export(
    ctx: PageContext, target: str, user_id: str | None, details: Mapping[str, Any]
) -> None:
    ctx.actions().record(EXPORT_ACTION, user_id=user_id, target=target, after=dict(details))


def export_button(
    ctx: PageContext,
    label: str,
    frame: pd.DataFrame,
    *,
    file_name: str,
    target: str,
    key: str,
    columns: Mapping[str, str] | None = None,
    user_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """A CSV download (formula prefixes neutralised); each download is an audit event."""
    if not ctx.can(Action.EXPORT_VIEW):
        return
    st.download_button(
        label,
        data=to_csv(frame, columns),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click=_record_export,
        args=(ctx, target, user_id, {"rows": len(frame), **(details or {})}),
    )
