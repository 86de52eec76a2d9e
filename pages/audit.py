"""Audit log page (admins): the chain's state, filtered actions a page at a time (an attempt and
its outcome in one row), the selected action's before/after, exports, and the retention setting."""

import streamlit as st

from lib.staff import Action
from lib.ui.audit.anchor import render_signed_head
from lib.ui.audit.log import actions_summary, render_log_details, render_log_table
from lib.ui.audit.rows import fold
from lib.ui.audit_chain import render_chain_state
from lib.ui.audit_display import display_zone, guarded_read
from lib.ui.audit_events import current_window, render_pager
from lib.ui.audit_export import render_export
from lib.ui.audit_filters import render_filters, seed_from_query_params
from lib.ui.audit_retention import render_retention
from lib.ui.page import start_page
from lib.ui.state import SK_AUDIT_VERIFY

ctx = start_page(
    "Audit log",
    caption="Every change made through the console: who made it, when, why, and what it changed.",
    requires=Action.READ_AUDIT,
)
zone = display_zone(ctx.settings)

render_chain_state(ctx.audit, key=SK_AUDIT_VERIFY, zone=zone)
render_signed_head(ctx.audit)

seed_from_query_params(st.query_params.to_dict())
filters = render_filters(zone.key)


def show_events() -> None:
    """The matching actions a page at a time, the export, and the selected action."""
    problem = filters.problem()
    if problem:
        st.warning(problem, icon=":material/date_range:")
        return
    totals = guarded_read(
        "Counting the matching actions",
        lambda: (
            ctx.audit.count_actions(**filters.query_args()),
            ctx.audit.count(**filters.query_args()),
        ),
        retry_key="audit.count.retry",
    )
    if totals is None:
        return
    total, total_events = totals
    signature = filters.signature()
    pager = current_window(total, signature)
    window = pager.window
    summary, export = st.columns([5, 1], vertical_alignment="center")
    summary.markdown(actions_summary(window))
    if ctx.can(Action.EXPORT_AUDIT):
        with export.popover("Export", icon=":material/download:", width="stretch"):
            render_export(ctx.audit, ctx.actions(), filters, total_events, zone)
    groups = guarded_read(
        "Loading actions",
        lambda: ctx.audit.query_actions(
            **filters.query_args(), limit=window.size, offset=window.offset
        ),
        retry_key="audit.events.retry",
    )
    if groups:
        rows = fold(groups)
        selected = render_log_table(rows, zone, signature)
        render_pager(pager)
        st.caption(
            f"One row per action: an attempt and its outcome together. Times in {zone.key}. "
            "Select a row to see the action's details and raw events below."
        )
        render_log_details(ctx.audit, selected, zone)
    elif groups is not None and filters.active:
        st.info(
            "No event matches these filters. Widen the dates or clear a filter.",
            icon=":material/filter_alt_off:",
        )
    elif groups is not None:
        st.info(
            "The audit log is empty. Sign-ins, account views and every change appear here.",
            icon=":material/inbox:",
        )


show_events()
render_retention(ctx.audit, ctx.settings, zone)
