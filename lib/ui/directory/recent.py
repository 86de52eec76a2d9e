"""The signed-in staff member's recently opened accounts, one click from the directory."""

from __future__ import annotations

import streamlit as st

from lib.recent import recently_opened
from lib.ui.context import PageContext
from lib.ui.directory_search import open_account

RECENT_KEY = "directory.recent"


def recent_key(user_id: str) -> str:
    return f"{RECENT_KEY}.{user_id}"


def render_recent(ctx: PageContext) -> None:
    """A row of the accounts this staff member opened lately (nothing when there are none)."""
    recent = recently_opened(ctx.audit, ctx.staff.email)
    if not recent:
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(":material/history: Recently opened:")
        for user_id in recent:
            if st.button(user_id, key=recent_key(user_id), type="tertiary"):
                open_account(user_id)
