"""The audit page's list: one row per action, a page at a time, and the selected action."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import streamlit as st

from lib.audit import AuditStore
from lib.ui.audit.rows import ActionRow
from lib.ui.audit.table import render_actions_table, render_raw_events, summary_lines, table_key
from lib.ui.audit_events import PageWindow, render_event_detail
from lib.ui.state import SK_AUDIT_TABLE_KEY


def actions_summary(window: PageWindow) -> str:
    if not window.total:
        return "**No** matching actions"
    return (
        f"**{window.total:,}** matching actions · showing {window.first_shown:,}–"
        f"{window.last_shown:,}, newest first"
    )


def render_log_table(rows: Sequence[ActionRow], zone: ZoneInfo, signature: str) -> ActionRow | None:
    """The page of actions; returns the selected one."""
    key = table_key("audit.table", rows, signature)
    st.session_state[SK_AUDIT_TABLE_KEY] = key
    return render_actions_table(rows, zone, key=key, with_user=True)


def render_log_details(store: AuditStore, row: ActionRow | None, zone: ZoneInfo) -> None:
    """The selected action in words, then its outcome event field by field with the raw values
    and the other events of the same request."""
    if row is not None:
        with st.container(border=True):
            st.markdown("  \n".join(summary_lines(row, zone)))
            render_raw_events(row)
    render_event_detail(store, row.final if row is not None else None, zone)
