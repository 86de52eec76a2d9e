"""Audit log page (admins): the chain's state, filtered events a page at a time, one event's
before/after, exports, and the retention setting."""

import streamlit as st

from lib.staff import Action
from lib.ui.audit_chain import render_chain_state
from lib.ui.audit_display import display_zone, guarded_read
from lib.ui.audit_events import (
    current_window,
    page_summary,
    render_event_detail,
    render_events_table,
    render_pager,
)
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

seed_from_query_params(st.query_params.to_dict())
filters = render_filters(zone.key)


def show_events() -> None:
    """The matching events a page at a time, the export, and the selected event."""
    problem = filters.problem()
    if problem:
        st.warning(problem, icon=":material/date_range:")
        return
    total = guarded_read(
        "Counting the matching events",
        lambda: ctx.audit.count(**filters.query_args()),
        retry_key="audit.count.retry",
    )
    if total is None:
        return
    signature = filters.signature()
    pager = current_window(total, signature)
    window = pager.window
    summary, export = st.columns([5, 1], vertical_alignment="center")
    summary.markdown(page_summary(window))
    if ctx.can(Action.EXPORT_AUDIT):
        with export.popover("Export", icon=":material/download:", width="stretch"):
            render_export(ctx.audit, ctx.actions(), filters, total, zone)
    events = guarded_read(
        "Loading events",
        lambda: ctx.audit.query(**filters.query_args(), limit=window.size, offset=window.offset),
        retry_key="audit.events.retry",
    )
    if events:
        selected = render_events_table(events, zone, signature)
        render_pager(pager)
        st.caption(f"Times in {zone.key}. Select a row to see the event's details below.")
        render_event_detail(ctx.audit, selected, zone)
    elif events is not None and filters.active:
        st.info(
            "No event matches these filters. Widen the dates or clear a filter.",
            icon=":material/filter_alt_off:",
        )
    elif events is not None:
        st.info(
            "The audit log is empty. Sign-ins, account views and every change appear here.",
            icon=":material/inbox:",
        )


show_events()
render_retention(ctx.audit, ctx.settings, zone)
