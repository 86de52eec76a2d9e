"""The audit log's paging, and the details of one event (the outcome of the selected action)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from lib.audit import AuditStore, StoredEvent
from lib.ui.audit_diff import Change, counts, diff_frame, diff_values, unified_json_diff
from lib.ui.audit_display import format_moment, guarded_read, outcome_label, short_hash
from lib.ui.state import (
    SK_AUDIT_PAGE,
    SK_AUDIT_PAGE_GENERATION,
    SK_AUDIT_PAGE_SIZE,
    SK_AUDIT_SHOW_UNCHANGED,
    SK_AUDIT_VIEW_SIGNATURE,
)
from lib.ui.text import code, plain

PAGE_SIZES: tuple[int, ...] = (25, 50, 100, 250)
DEFAULT_PAGE_SIZE = 50
# Events sharing a request id: an attempt and its outcome, rarely more.
RELATED_LIMIT = 20

_CHANGE_COLOURS = {
    Change.ADDED.value: "background-color: rgba(33, 195, 84, 0.15)",
    Change.REMOVED.value: "background-color: rgba(255, 43, 43, 0.15)",
    Change.CHANGED.value: "background-color: rgba(255, 189, 69, 0.2)",
}


@dataclass(frozen=True)
class PageWindow:
    """Which slice of the matching events is on screen."""

    page: int
    pages: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first_shown(self) -> int:
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_shown(self) -> int:
        return min(self.total, self.offset + self.size)


def page_window(total: int, size: int, requested: int) -> PageWindow:
    """The page to show, clamped to the pages that exist (at least one, even when empty)."""
    pages = max(1, math.ceil(total / size))
    return PageWindow(page=min(max(1, requested), pages), pages=pages, size=size, total=total)


def events_frame(events: Sequence[StoredEvent], zone: ZoneInfo) -> pd.DataFrame:
    """Events as table rows (newest first, as given), times in ``zone``."""
    rows = [
        {
            "ID": event.id,
            "Time": event.time.astimezone(zone),
            "Actor": event.actor_email,
            "Role": event.actor_role,
            "Action": event.action,
            "Outcome": outcome_label(event.outcome),
            "User id": event.user_id or "",
            "Target": event.target or "",
            "Reason": event.reason or "",
            "Ticket": event.ticket or "",
            "Error": event.error_class or "",
        }
        for event in events
    ]
    columns = ["ID", "Time", "Actor", "Role", "Action", "Outcome", "User id", "Target"]
    columns += ["Reason", "Ticket", "Error"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class PagerState:
    window: PageWindow
    # The page widget's key: it changes whenever the page is set from code (back to page 1
    # after new filters, or clamped after a prune), the way a widget's value is reset.
    key: str


def current_window(total: int, signature: str) -> PagerState:
    """The page to show: the chosen one, or page 1 after new filters or a new page size."""
    state = st.session_state
    size = int(state.get(SK_AUDIT_PAGE_SIZE) or DEFAULT_PAGE_SIZE)
    generation = int(state.get(SK_AUDIT_PAGE_GENERATION) or 0)
    key = f"{SK_AUDIT_PAGE}.{generation}"
    chosen = state.get(key)
    requested = chosen if isinstance(chosen, int) else 1
    view = f"{signature}|{size}"
    if state.get(SK_AUDIT_VIEW_SIGNATURE) != view:
        state[SK_AUDIT_VIEW_SIGNATURE] = view
        requested = 1
    window = page_window(total, size, requested)
    if isinstance(chosen, int) and chosen != window.page:
        generation += 1
        state[SK_AUDIT_PAGE_GENERATION] = generation
        key = f"{SK_AUDIT_PAGE}.{generation}"
    return PagerState(window, key)


def render_pager(pager: PagerState) -> None:
    """Page buttons and the page size, under the table."""
    pages, per_page = st.columns([5, 1], vertical_alignment="bottom")
    with pages:
        st.pagination(
            pager.window.pages, default=pager.window.page, key=pager.key, max_visible_pages=9
        )
    per_page.selectbox(
        "Per page",
        PAGE_SIZES,
        index=PAGE_SIZES.index(DEFAULT_PAGE_SIZE),
        key=SK_AUDIT_PAGE_SIZE,
        label_visibility="collapsed",
        format_func=lambda n: f"{n} per page",
    )


def _facts(event: StoredEvent, zone: ZoneInfo) -> list[str]:
    lines = [
        f"**When** {format_moment(event.time, zone)}",
        f"**Who** {plain(event.actor_email)} ({plain(event.actor_role)})",
    ]
    if event.user_id:
        lines.append(f"**User** {code(event.user_id)}")
    if event.target:
        lines.append(f"**Target** {plain(event.target)}")
    if event.reason:
        lines.append(f"**Reason** {plain(event.reason, limit=None)}")
    if event.ticket:
        lines.append(f"**Ticket** {plain(event.ticket)}")
    if event.error_class:
        lines.append(f"**Error** {code(event.error_class)}")
    lines.append(f"**Request** {code(event.request_id)}")
    lines.append(
        f"**Hash** {code(short_hash(event.hash))} follows {code(short_hash(event.prev_hash))}"
    )
    return lines


def _render_diff(event: StoredEvent) -> None:
    rows = diff_values(event.before, event.after)
    if not rows:
        st.caption("This event records no before or after values.")
        return
    tally = counts(rows)
    changed = sum(n for kind, n in tally.items() if kind is not Change.UNCHANGED)
    header, toggle = st.columns([3, 2], vertical_alignment="center")
    header.markdown(
        f"**Before → after** · {tally[Change.CHANGED]} changed, {tally[Change.ADDED]} added, "
        f"{tally[Change.REMOVED]} removed, {tally[Change.UNCHANGED]} unchanged"
    )
    show_all = toggle.toggle("Show unchanged fields", key=SK_AUDIT_SHOW_UNCHANGED)
    frame = diff_frame(rows, include_unchanged=show_all)
    if frame.empty:
        st.caption("No field changed.")
    else:
        styled = frame.style.apply(
            lambda row: [_CHANGE_COLOURS.get(row["Change"], "")] * len(row), axis=1
        )
        st.dataframe(styled, hide_index=True, width="stretch")
    if changed:
        with st.expander("As a JSON diff"):
            st.code(unified_json_diff(event.before, event.after) or "(identical)", language="diff")
    with st.expander("Raw values"):
        left, right = st.columns(2)
        left.caption("Before")
        left.json(event.before if event.before is not None else {}, expanded=True)
        right.caption("After")
        right.json(event.after if event.after is not None else {}, expanded=True)


def _render_related(store: AuditStore, event: StoredEvent, zone: ZoneInfo) -> None:
    related = guarded_read(
        "Loading the events of the same request",
        lambda: store.query(request_id=event.request_id, limit=RELATED_LIMIT, newest_first=False),
        retry_key="audit.related.retry",
    )
    others = [other for other in related or [] if other.id != event.id]
    if not others:
        return
    st.markdown("**Same request**")
    st.dataframe(
        events_frame(others, zone)[["ID", "Time", "Action", "Outcome", "Error"]],
        hide_index=True,
        width="stretch",
        column_config={
            "ID": st.column_config.NumberColumn(format="%d", width="small"),
            "Time": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        },
    )


def render_event_detail(store: AuditStore, event: StoredEvent | None, zone: ZoneInfo) -> None:
    """Who did what and why, the before/after difference, and the rest of its request."""
    with st.container(border=True):
        if event is None:
            st.caption(
                ":material/touch_app: Select a row in the table to see that event's details "
                "and its before/after."
            )
            return
        st.markdown(
            f"#### Event #{event.id} · {code(event.action)} · {outcome_label(event.outcome)}"
        )
        facts, changes = st.columns([2, 3])
        facts.markdown("  \n".join(_facts(event, zone)))
        with changes:
            _render_diff(event)
        _render_related(store, event, zone)
