"""Drawing actions: the table (one row per action) and the selected action's details, with the
raw events behind a "Raw events" control."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import streamlit as st

from lib.ui.audit.rows import ActionRow, State, action_words, actions_frame
from lib.ui.audit_display import format_moment
from lib.ui.text import plain

_STATE_ICONS = {
    State.DONE: ":material/check_circle:",
    State.REFUSED: ":material/block:",
    State.FAILED: ":material/error:",
    State.PENDING: ":material/pending:",
}


def table_key(prefix: str, rows: Sequence[ActionRow], signature: str = "") -> str:
    """A selection is a row position, so the key changes whenever the rows do and a selection
    never points at a different action than the one clicked."""
    ids = ",".join(str(row.newest_id) for row in rows)
    return f"{prefix}.{hashlib.sha256(f'{signature}|{ids}'.encode()).hexdigest()[:12]}"


def render_actions_table(
    rows: Sequence[ActionRow], zone: ZoneInfo, *, key: str, with_user: bool
) -> ActionRow | None:
    """The actions, newest first; returns the one whose row is selected."""
    frame = actions_frame(rows, zone, with_user=with_user)
    selection = st.dataframe(
        frame,
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        column_config={
            # The event number matters in the whole log (the chain names it), not per account.
            "ID": st.column_config.NumberColumn("#", format="%d", width="small")
            if with_user
            else None,
            "Time": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss"),
            "Target": st.column_config.TextColumn(width="medium"),
            "What changed": st.column_config.TextColumn(width="large"),
            "Outcome": st.column_config.TextColumn(width="large"),
            "Reason": st.column_config.TextColumn(width="medium"),
        },
    )
    picked = selection.selection.rows if selection is not None else []
    return rows[picked[0]] if picked and picked[0] < len(rows) else None


def summary_lines(row: ActionRow, zone: ZoneInfo) -> list[str]:
    """Who did what to which target, when, why, and how it ended — as markdown lines."""
    final = row.final
    lines = [
        f"{_STATE_ICONS[row.state]} **{plain(action_words(final.action))}** · "
        f"{plain(row.outcome_words(), limit=None)}",
        f"**When** {format_moment(row.first.time, zone)}",
        f"**Who** {plain(final.actor_email)} ({plain(final.actor_role)})",
    ]
    target = row.target_words(zone)
    if target:
        lines.append(f"**Target** {plain(target, limit=None)}")
    change = row.change_words()
    if change:
        label = "Changed" if row.state is State.DONE else "Asked for"
        lines.append(f"**{label}** {plain(change, limit=None)}")
    if final.reason:
        lines.append(f"**Reason** {plain(final.reason, limit=None)}")
    if final.ticket:
        lines.append(f"**Ticket** {plain(final.ticket)}")
    return lines


def render_raw_events(row: ActionRow) -> None:
    """Every event of the action as recorded (ids, request id, hashes), behind an expander."""
    count = len(row.events)
    with st.expander(f"Raw events ({count})", icon=":material/data_object:"):
        for event in row.events:
            st.json(event.to_record(), expanded=False)


def render_action_details(row: ActionRow | None, zone: ZoneInfo) -> None:
    """The selected action in words, then its raw events."""
    with st.container(border=True):
        if row is None:
            st.caption(
                ":material/touch_app: Select a row to see the whole action and its raw events."
            )
            return
        st.markdown("  \n".join(summary_lines(row, zone)))
        render_raw_events(row)
