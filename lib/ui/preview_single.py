"""The one-user half of the preview page: pick a user, see what the candidate would change."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from lib.autorecord import read_preferences
from lib.cohort import (
    CHANGE_NONE,
    CHANGED_EXPORT_COLUMNS,
    impact_counts,
    local_days,
    meetings_by_day,
    preview_user,
)
from lib.recall.models import CalendarUser
from lib.ui.account_open import deleted_meanwhile, render_open_form
from lib.ui.context import PageContext, current_view_as
from lib.ui.data import get_account, get_directory, get_meetings_table
from lib.ui.errors import attempt
from lib.ui.preview.disagreements import render_disagreements
from lib.ui.preview_charts import timeline_chart
from lib.ui.preview_prefs import candidate_picker, describe, load_preferences
from lib.ui.preview_tables import changes_table, export_button, meetings_table, viewer_zone
from lib.ui.state import SK_PREVIEW_USER_ID
from lib.ui.text import code, plain
from lib.userids import check_user_id


def _chosen_user_id() -> str | None:
    """The id typed on the page, else the account open in view-as, else none."""
    view_as = current_view_as()
    if SK_PREVIEW_USER_ID not in st.session_state:
        from_url = st.query_params.get("user_id")
        st.session_state[SK_PREVIEW_USER_ID] = "" if view_as else (from_url or "")
    placeholder = view_as.user_id if view_as else "e.g. nw-000123"
    typed = st.text_input(
        "User id",
        key=SK_PREVIEW_USER_ID,
        placeholder=placeholder,
        help="The company's own id for the end user (the calendar user's external_id).",
        persist_state="session",
    )
    if typed.strip():
        return typed
    if view_as is not None:
        st.caption(f"Previewing the open account {code(view_as.user_id)}; type an id for another.")
        return view_as.user_id
    return None


def _connections(user: CalendarUser) -> str:
    parts = []
    for conn in user.connections:
        state = "connected" if conn.connected else "disconnected"
        parts.append(f"{conn.platform.capitalize()} {code(conn.email or '(no email)')} ({state})")
    return " · ".join(parts) or "no calendar connected"


def _metrics(frame: pd.DataFrame) -> None:
    counts = impact_counts(frame)
    cols = st.columns(5)
    cols[0].metric("Upcoming meetings", counts.meetings, help="Not ended, starting within 4 weeks.")
    cols[1].metric(
        "Recorded now",
        counts.recorded_before,
        help=f"Under the current preferences, by the rules. Recall's own will_record says "
        f"{counts.recall_will_record}.",
    )
    cols[2].metric(
        "With the candidate",
        counts.recorded_after,
        delta=counts.net or None,
        delta_color="off",
    )
    cols[3].metric("Start recording", counts.starts)
    cols[4].metric("Stop recording", counts.stops)
    notes = []
    if counts.overridden:
        notes.append(
            f"{counts.overridden} meeting(s) have a per-meeting override, which wins over any "
            "preferences, so they never change here."
        )
    if counts.recall_differs:
        notes.append(
            f"For {counts.recall_differs} meeting(s) Recall's current will_record differs from "
            "the rules; the Account page explains why."
        )
    for note in notes:
        st.caption(plain(note))


def _viewing(ctx: PageContext, user_id: str) -> bool:
    """Whether ``user_id`` may be shown: previewing one user shows their account (connected
    email, meeting titles), so it takes the same reason and leaves the same audit event as
    opening the account; the account already open in view-as needs nothing more."""
    session = current_view_as()
    if session is not None and session.user_id == user_id:
        return True
    st.caption(
        "Previewing one user shows their calendars and meetings, so, as on the Account page, "
        "it needs a reason that goes on the audit record."
    )
    render_open_form(ctx, user_id)
    return False


def render_single_user(ctx: PageContext) -> None:
    raw = _chosen_user_id()
    if raw is None:
        st.info(
            "Type a user id above, or open an account (Find a user → Account) and come back: "
            "the preview uses the open account.",
            icon=":material/person_search:",
        )
        return
    check = check_user_id(raw)
    if not check.ok:
        st.error(plain(check.problem), icon=":material/error:")
        return
    user_id = check.value
    for warning in check.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    directory = attempt(
        "Loading the workspace's users",
        lambda: get_directory(ctx.backend),
        retry_key="preview.single.directory_retry",
    )
    if directory is None:
        return
    if not directory.contains(user_id):
        st.warning(
            f"No calendar user has the id {code(user_id)} in this workspace, so nothing was "
            "fetched: looking it up would create it. Check the id on Find a user.",
            icon=":material/person_off:",
        )
        return
    if deleted_meanwhile(ctx, user_id):
        return
    if not _viewing(ctx, user_id):
        return
    account = attempt(
        "Loading the account",
        lambda: get_account(ctx.backend, user_id),
        retry_key="preview.single.account_retry",
    )
    if account is None:
        return
    current = read_preferences(account.user.preferences)
    with st.container(border=True):
        left, right = st.columns([4, 2], vertical_alignment="center")
        left.markdown(f"**{code(user_id)}** · {_connections(account.user)}")
        left.caption(f"Current preferences: {plain(describe(current))}")
        right.button(
            "Use their current preferences",
            key="preview.single.load_current",
            icon=":material/settings_backup_restore:",
            help="Start the candidate from this user's preferences, then change one thing.",
            on_click=load_preferences,
            args=(current,),
        )
    candidate = candidate_picker()
    now = datetime.now(UTC)
    try:
        frame = preview_user(account.user, account.meetings, candidate, now=now, user_id=user_id)
    except (TypeError, ValueError) as exc:
        st.error(
            f"**Recall sent a meeting the rules cannot read** — {plain(str(exc))}",
            icon=":material/error:",
        )
        return
    _metrics(frame)
    zone = viewer_zone(ctx)
    render_disagreements(get_meetings_table(ctx.backend, account, directory, None), zone)

    st.subheader("Next 4 weeks", divider="gray")
    by_day = meetings_by_day(frame, zone=zone, days=local_days(now, zone))
    st.altair_chart(timeline_chart(by_day), width="stretch")

    changed = frame.loc[frame["change"] != CHANGE_NONE]
    st.subheader(f"Meetings that change ({len(changed)})", divider="gray")
    if changed.empty:
        if current == candidate:
            st.info(
                "The candidate is the same as this user's current preferences. Change a toggle "
                "above to see what it would do.",
                icon=":material/info:",
            )
        else:
            st.success(
                "No upcoming meeting would start or stop being recorded with the candidate.",
                icon=":material/check_circle:",
            )
    else:
        changes_table(changed, zone, key="preview.single.changes")
        export_button(
            ctx,
            "Download changes (CSV)",
            changed,
            file_name=f"preview-{user_id}.csv",
            target="preview: one user's changed meetings",
            key="preview.single.export",
            columns=CHANGED_EXPORT_COLUMNS,
            user_id=user_id,
            details={"candidate": candidate.as_dict()},
        )
    with st.expander(f"All {len(frame)} upcoming meetings"):
        if frame.empty:
            st.caption("No upcoming meetings in the next 4 weeks.")
        else:
            meetings_table(frame, zone, key="preview.single.all")
    st.caption(
        f"Fetched {account.fetched_at:%H:%M:%S} UTC. The preview only reads; nothing is changed."
    )
