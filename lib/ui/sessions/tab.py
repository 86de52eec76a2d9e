"""This tab's staff session: the check on every run, the words when it ended, and the store.

The logic lives in ``lib.staff.sessions``; this is the Streamlit edge (session state, messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from lib.db import safe_url
from lib.settings import Settings
from lib.staff.config import StaffConfig, load_staff_config
from lib.staff.identity import StaffMember
from lib.staff.sessions import SessionCheck, SessionState, SessionStore
from lib.ui.sessions.store import get_session_store
from lib.ui.state import (
    SK_DROP_COOKIE,
    SK_SESSION,
    SK_SESSION_COOKIE,
    SK_SESSION_ENDED,
    SK_SESSION_TOUCHED,
    SK_STAFF,
)

# Keys streamlit-authenticator keeps in session state; cleared at sign-out so its form returns.
AUTHENTICATOR_KEYS = ("authentication_status", "username", "name", "email", "roles")
SIGNED_OUT = "You have signed out."


def session_store(settings: Settings) -> SessionStore:
    """The session store, or a message in words and a stopped run when it cannot be opened."""
    try:
        return get_session_store(settings.database_url_or_default)
    except Exception as exc:  # any driver error: nobody can be signed in without it
        st.error(
            f"The session store ({safe_url(settings.database_url_or_default)}) cannot be "
            f"opened ({type(exc).__name__}), so nobody can sign in. Check DATABASE_URL or the "
            "data directory, then reload.",
            icon=":material/database:",
        )
        st.stop()
        raise  # unreachable: st.stop() raises


def max_age(config: StaffConfig) -> timedelta:
    return timedelta(hours=config.max_session_hours)


def max_session_age(secrets: Mapping[str, Any]) -> timedelta:
    """How long a session lasts after its sign-in (``[staff] max_session_hours``)."""
    return max_age(load_staff_config(secrets))


def ended_words(check: SessionCheck) -> str:
    if check.state is SessionState.EXPIRED:
        return "Your session has expired; sign in again."
    session = check.session
    if check.state is SessionState.REVOKED and session is not None:
        if session.revoked_by == session.email:
            return "You signed out (in this or another tab or window); sign in again."
        return "An admin ended your session; sign in again."
    return "Your session has ended; sign in again."


def forget_sign_in() -> None:
    for key in (SK_STAFF, SK_SESSION, SK_SESSION_COOKIE, SK_SESSION_TOUCHED):
        st.session_state.pop(key, None)
    for key in AUTHENTICATOR_KEYS:
        st.session_state.pop(key, None)


def end_in_this_tab(words: str) -> None:
    forget_sign_in()
    st.session_state.setdefault(SK_SESSION_ENDED, words)
    st.session_state[SK_DROP_COOKIE] = True


def still_signed_in(store: SessionStore, config: StaffConfig) -> StaffMember | None:
    """This tab's staff member while their session is still valid; otherwise forget them."""
    staff = st.session_state.get(SK_STAFF)
    if not isinstance(staff, StaffMember):
        return None
    session_id = st.session_state.get(SK_SESSION)
    check = (
        store.check(session_id, max_age=max_age(config))
        if isinstance(session_id, str)
        else SessionCheck(SessionState.UNKNOWN)
    )
    if not check.ok:
        end_in_this_tab(ended_words(check))
        return None
    now = datetime.now(UTC)
    touched = st.session_state.get(SK_SESSION_TOUCHED)
    if not isinstance(touched, datetime) or now - touched > timedelta(minutes=1):
        store.touch(session_id)
        st.session_state[SK_SESSION_TOUCHED] = now
    return staff


def browser_client() -> str | None:
    agent = st.context.headers.get("User-Agent") if st.context.headers else None
    return str(agent) if agent else None


def signed_in(staff: StaffMember, session_id: str) -> StaffMember:
    st.session_state[SK_STAFF] = staff
    st.session_state[SK_SESSION] = session_id
    st.session_state[SK_SESSION_TOUCHED] = datetime.now(UTC)
    st.session_state.pop(SK_SESSION_ENDED, None)
    st.session_state.pop(SK_DROP_COOKIE, None)
    return staff


def show_ended_notice() -> None:
    # Kept until the next sign-in: the sign-in screen reruns on its own (the password form's
    # library component reports in), and the notice must survive that.
    words = st.session_state.get(SK_SESSION_ENDED)
    if words == SIGNED_OUT:
        st.success(words, icon=":material/logout:")
    elif words:
        st.warning(words, icon=":material/timer_off:")
