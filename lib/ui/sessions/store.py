"""The session store, one per process and database URL."""

from __future__ import annotations

import streamlit as st

from lib.staff.sessions import SessionStore


# cache_resource: one engine (connection pool) per database for the whole process; the store is
# thread-safe and keyed by the URL it depends on.
@st.cache_resource(show_spinner=False)
def get_session_store(url: str) -> SessionStore:
    return SessionStore(url)
