"""Write and remove the sign-in cookie from the page itself.

Streamlit has no server response in which to set a cookie, so a few lines of script on the page
set it. The writer is drawn on every run of a session that signed in with a password (not only
once): a run can be cut short (``st.switch_page`` after a deep link, a rerun), and a script that
never reached the browser would leave a sign-in that a reload forgets.
"""

from __future__ import annotations

import json
import re

import streamlit as st

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_VALUE = re.compile(r"^[A-Za-z0-9_.-]{0,300}$")
CONTAINER_KEY = "console-sign-in-cookie"


def _run_script(body: str) -> None:
    # The container is hidden (the script still runs), so the writer takes no room on the page.
    st.html(f"<style>.st-key-{CONTAINER_KEY} {{display: none;}}</style>")
    with st.container(key=CONTAINER_KEY):
        st.html(f"<script>{body}</script>", unsafe_allow_javascript=True)


def _attributes(max_age_s: int) -> str:
    secure = "; Secure" if (st.context.url or "").startswith("https:") else ""
    return f"; Path=/; Max-Age={max_age_s}; SameSite=Strict{secure}"


def write_cookie(name: str, value: str, *, max_age_s: int) -> None:
    """Set ``name=value`` for ``max_age_s`` seconds (the rest of the session's lifetime)."""
    if not _NAME.match(name) or not _VALUE.match(value):
        raise ValueError("cookie names and values are limited to URL-safe characters")
    cookie = f"{name}={value}{_attributes(max(0, max_age_s))}"
    _run_script(f"document.cookie = {json.dumps(cookie)};")


def drop_cookie(name: str) -> None:
    """Remove the cookie (a revoked session's cookie is useless anyway; this tidies up)."""
    if not _NAME.match(name):
        raise ValueError("cookie names are limited to URL-safe characters")
    _run_script(f"document.cookie = {json.dumps(f'{name}={_attributes(0)}')};")
