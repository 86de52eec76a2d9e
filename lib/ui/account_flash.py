"""The account page's message about the last write ("Saved 2 overrides", a conflict, ...).

A write ends with ``st.rerun()``, so its message is kept in session state and shown on the runs
that follow. It stays for a few seconds rather than exactly one run: when a data editor is
replaced after a save (its key changes to drop the saved edits), the browser can send one more
rerun right away, and a message shown only once would vanish before anyone read it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import streamlit as st

from lib.ui.state import SK_ACCOUNT_FLASH
from lib.ui.text import plain

SHOWN_FOR_SECONDS = 8.0


@dataclass(frozen=True)
class Flash:
    message: str
    # A write that did not go entirely as asked (a conflict, a failure) must not look like
    # a success.
    warning: bool = False
    first_shown: float | None = None


def set_flash(message: str, *, warning: bool = False) -> None:
    """The message for the runs after this one."""
    st.session_state[SK_ACCOUNT_FLASH] = Flash(message, warning)


def render_flash(now: float | None = None) -> None:
    """Show the pending message, until it has been on screen for a few seconds."""
    flash = st.session_state.get(SK_ACCOUNT_FLASH)
    if not isinstance(flash, Flash):
        st.session_state.pop(SK_ACCOUNT_FLASH, None)
        return
    now = time.monotonic() if now is None else now
    if flash.first_shown is None:
        flash = replace(flash, first_shown=now)
        st.session_state[SK_ACCOUNT_FLASH] = flash
    elif now - flash.first_shown > SHOWN_FOR_SECONDS:
        st.session_state.pop(SK_ACCOUNT_FLASH, None)
        return
    text = plain(flash.message, limit=None)
    if flash.warning:
        st.warning(text, icon=":material/sync_problem:")
    else:
        st.success(text, icon=":material/check_circle:")
