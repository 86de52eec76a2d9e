"""Deep links survive sign-in.

A new browser session (a reload, a shared link) first runs the sign-in gate, which stops before
``st.navigation`` is called, and Streamlit then forgets the requested page. The page path and
query are remembered before the gate and restored once staff are signed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import streamlit as st

from lib.ui.state import SK_PAGE_NOT_FOUND, SK_REQUESTED_PAGE, SK_STAFF
from lib.ui.text import plain


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
    if requested:
        page_path, query = requested
        if page_path and page_path != current.url_path:
            for page in pages:
                if page.url_path == page_path:
                    st.switch_page(page, query_params=query)
            # Not registered for this role: say so rather than silently showing another page.
            st.session_state[SK_PAGE_NOT_FOUND] = (page_path, current.url_path)
    notice = st.session_state.get(SK_PAGE_NOT_FOUND)
    if notice and notice[1] == current.url_path:
        st.warning(
            f"Page not found: {plain(notice[0])} is not a page your role can open, so the "
            "default page is shown.",
            icon=":material/block:",
        )
    elif notice:
        st.session_state.pop(SK_PAGE_NOT_FOUND, None)
