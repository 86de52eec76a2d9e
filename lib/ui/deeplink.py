"""Deep links survive sign-in.

A new browser session (a reload, a shared link) first runs the sign-in gate, which stops before
``st.navigation`` is called, and Streamlit then forgets the requested page. The page path and
query are remembered before the gate and restored once staff are signed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import streamlit as st

from lib.ui.state import SK_REQUESTED_PAGE, SK_STAFF


def remember_requested_page() -> None:
    """Before the sign-in gate: note the page and query this session was opened with."""
    if SK_STAFF in st.session_state or SK_REQUESTED_PAGE in st.session_state:
        return
    path = urlsplit(st.context.url or "").path.strip("/")
    # The last path segment is the page; anything before it is a reverse-proxy prefix.
    page = path.rsplit("/", 1)[-1] if path else ""
    st.session_state[SK_REQUESTED_PAGE] = (page, st.query_params.to_dict())


def restore_requested_page(pages: Iterable[st.Page], current: st.Page) -> None:
    """After sign-in: go to the remembered page if this role may open it."""
    requested = st.session_state.pop(SK_REQUESTED_PAGE, None)
    if not requested:
        return
    page_path, query = requested
    if not page_path or page_path == current.url_path:
        return
    for page in pages:
        if page.url_path == page_path:
            st.switch_page(page, query_params=query)
