"""Status page, admins only: who is signed in, and ending a staff session everywhere (audited)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from lib.staff import Action
from lib.staff.sessions import SessionStore, StaffSession
from lib.ui.audit_display import format_moment
from lib.ui.context import PageContext, record_event
from lib.ui.state import SK_SESSIONS_CHOSEN, SK_SESSIONS_NOTICE, SK_SESSIONS_REASON
from lib.ui.text import plain

REVOKE_ACTION = "staff_session.revoke"
METHOD_WORDS = {"sso": "Company SSO", "local": "Password", "demo": "Demo account"}


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_words(user_agent: str | None) -> str:
    """ "Chrome on Linux" from a User-Agent header; the raw header is noise in a table."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or ("Other" if agent else "")


def sessions_frame(
    sessions: list[StaffSession], max_age: timedelta, zone: ZoneInfo
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Name": s.name,
                "Email": s.email,
                "Role": s.role.label,
                "Signed in with": METHOD_WORDS.get(s.method, s.method),
                "Signed in": format_moment(s.signed_in_at, zone, seconds=False),
                "Last active": format_moment(s.last_seen_at, zone, seconds=False),
                "Ends": format_moment(s.expires_at(max_age), zone, seconds=False),
                "Session": s.ref,
                "Browser": browser_words(s.client),
            }
            for s in sessions
        ],
        columns=[
            "Name",
            "Email",
            "Role",
            "Signed in with",
            "Signed in",
            "Last active",
            "Ends",
            "Session",
            "Browser",
        ],
    )


def end_sessions(
    ctx: PageContext, store: SessionStore, sessions: list[StaffSession], reason: str
) -> int:
    """End each session everywhere and record it; returns how many were still open."""
    if not ctx.can(Action.MANAGE_STAFF_SESSIONS):  # the section is hidden too; this is the lock
        raise PermissionError("only admins may end staff sessions")
    ended = 0
    for session in sessions:
        done = store.revoke(session.id, by=ctx.staff.email, reason=reason)
        ended += done
        record_event(
            ctx.audit,
            ctx.staff,
            REVOKE_ACTION,
            target=session.email,
            reason=reason,
            before={"session": session.ref, "role": session.role.value, "method": session.method},
            after={"ended": done},
        )
    return ended


def render_staff_sessions(
    ctx: PageContext, store: SessionStore, max_age: timedelta, zone: ZoneInfo
) -> None:
    if not ctx.can(Action.MANAGE_STAFF_SESSIONS):
        return
    st.subheader("Staff sessions")
    st.caption(
        f"Everyone signed in to this console (every replica). A session ends at sign-out or "
        f"{max_age.total_seconds() / 3600:g} hours after its sign-in, whatever happens in "
        "between; ending one here signs that person out of every tab at their next click."
    )
    notice = st.session_state.pop(SK_SESSIONS_NOTICE, None)
    if notice:
        st.success(plain(notice), icon=":material/logout:")
    sessions = store.active(max_age=max_age)
    if not sessions:
        st.info("Nobody is signed in.")
        return
    st.dataframe(sessions_frame(sessions, max_age, zone), hide_index=True)
    by_id = {s.id: s for s in sessions}
    with st.form("status.sessions.form", clear_on_submit=True):
        chosen = st.multiselect(
            "Sessions to end",
            options=list(by_id),
            format_func=lambda sid: (
                f"{by_id[sid].email} · {by_id[sid].role.label} · signed in "
                f"{format_moment(by_id[sid].signed_in_at, zone, seconds=False)} · {by_id[sid].ref}"
            ),
            key=SK_SESSIONS_CHOSEN,
        )
        reason = st.text_input("Reason (kept in the audit log)", key=SK_SESSIONS_REASON)
        submitted = st.form_submit_button("End the chosen sessions", icon=":material/logout:")
    if not submitted:
        return
    if not chosen:
        st.warning("Choose at least one session to end.")
    elif not reason.strip():
        st.warning("Say why these sessions are ended; the reason goes into the audit log.")
    else:
        picked = [by_id[sid] for sid in chosen if sid in by_id]
        ended = end_sessions(ctx, store, picked, reason.strip())
        st.session_state[SK_SESSIONS_NOTICE] = (
            f"Ended {ended} session{'s' if ended != 1 else ''}; "
            "they are signed out at their next click."
        )
        st.rerun()
