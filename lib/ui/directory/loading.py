"""How far the user list has loaded: progress while it loads, and Retry when a page failed."""

from __future__ import annotations

import streamlit as st

from lib.directory_load import LoadProgress
from lib.ui.backend import Backend
from lib.ui.data import DirectorySnapshot, directory_progress, retry_directory
from lib.ui.text import plain

KEY_LOAD_RETRY = "directory.load.retry"
KEY_LOAD_SHOW = "directory.load.show"
POLL_SECONDS = 1.0


def render_load_state(backend: Backend, snapshot: DirectorySnapshot) -> None:
    """Above the directory: nothing for a complete list; otherwise how much is loaded and what
    staff can do about the rest."""
    progress = snapshot.progress
    if progress is None:
        current = directory_progress(backend)
        if current.status == "loading":
            _watch(backend, current, reloading=True)
        elif current.status == "failed":
            st.warning(
                f"Reloading the list stopped at page {current.failed_page}: "
                f"{plain(current.problem or '', limit=None)} The list below is the previous "
                "complete one.",
                icon=":material/sync_problem:",
            )
            _retry_button(backend, current)
        return
    if progress.status == "failed":
        st.error(
            f"**Loaded {progress.counted}; loading failed at page {progress.failed_page}.** "
            f"{plain(progress.problem or '', limit=None)} The table shows the users loaded "
            "before that page; searches and counts cover only them.",
            icon=":material/error:",
        )
        _retry_button(backend, progress)
        return
    _watch(backend, progress, reloading=False)


def _retry_button(backend: Backend, progress: LoadProgress) -> None:
    if st.button(
        f"Retry from page {progress.failed_page}", key=KEY_LOAD_RETRY, icon=":material/refresh:"
    ):
        retry_directory(backend)
        st.rerun()


@st.fragment(run_every=POLL_SECONDS)
def _watch(backend: Backend, shown: LoadProgress, *, reloading: bool) -> None:
    """Polls the load; the whole page reruns once it completes or fails."""
    now = directory_progress(backend)
    if now.status != "loading":
        st.rerun()
    if reloading:
        st.caption(f":material/sync: Reloading the list in the background: {now.counted} so far.")
        return
    label = (
        f"Loaded {now.counted}, still loading (page {now.pages + 1} next). The table shows "
        f"the {shown.loaded:,} loaded when the page was drawn; searches and counts cover "
        "only them."
    )
    if now.fraction is not None:
        st.progress(now.fraction, text=label)
    else:
        st.info(label, icon=":material/hourglass_top:")
    if now.loaded > shown.loaded and st.button(
        f"Show the {now.loaded:,} users loaded so far", key=KEY_LOAD_SHOW
    ):
        st.rerun()
