"""Failures shown to staff in words, with a way to try again; never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from lib.actions import ActionError
from lib.mint_gate import UserGoneError
from lib.recall import RecallError
from lib.ui.data import refresh_directory
from lib.ui.text import plain

T = TypeVar("T")


def show_failure(what: str, error: Exception, *, retry_key: str | None = None) -> None:
    """An error box naming what failed and why, plus a Retry button that reruns the page."""
    if isinstance(error, RecallError | ActionError):
        detail = error.message
    else:
        detail = "An unexpected error occurred; it has been logged. Try again."
    st.error(f"**{plain(what)}** — {plain(detail, limit=None)}", icon=":material/error:")
    if retry_key and st.button("Retry", key=retry_key, icon=":material/refresh:"):
        st.rerun()


def attempt(what: str, load: Callable[[], T], *, retry_key: str) -> T | None:
    """Run a Recall read; on failure show it and return None so the rest of the page renders."""
    try:
        return load()
    except UserGoneError as exc:
        # Not a failure to retry: the user is gone, and the cached user list should say so too.
        refresh_directory()
        st.warning(plain(exc.message, limit=None), icon=":material/person_off:")
        return None
    except RecallError as exc:
        show_failure(what, exc, retry_key=retry_key)
        return None
