"""The top of every page: backend banner, view-as banner, title, and the page's permission.

Each page calls ``start_page`` first, so every page shows which Recall it talks to and whose
account is open, however it was reached.
"""

from __future__ import annotations

import streamlit as st

from lib.staff import Action
from lib.ui.auth import sign_out
from lib.ui.backend import read_secrets
from lib.ui.banner import render_backend_banner
from lib.ui.context import PageContext, page_context, render_view_as_banner
from lib.ui.events import record_sign_out
from lib.ui.text import plain


def start_page(title: str, *, caption: str | None = None, requires: Action) -> PageContext:
    ctx = page_context()
    with st.sidebar:
        st.markdown(f"**{plain(ctx.staff.name)}**  \n{plain(ctx.staff.email)}")
        st.caption(f"Role: {ctx.staff.role.label}")
        if st.button("Sign out", icon=":material/logout:", key="console.sign_out"):
            sign_out(ctx.settings, read_secrets(), record_sign_out)
    render_backend_banner(ctx.backend)
    render_view_as_banner(ctx)
    st.title(title)
    if caption:
        st.caption(caption)
    if not ctx.can(requires):
        # Navigation already hides pages a role may not open; this is the second lock.
        st.error("Your role does not allow this page.", icon=":material/block:")
        st.stop()
    return ctx
