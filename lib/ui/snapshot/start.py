"""Start the embedded snapshot (local PostgreSQL + one worker thread) once per console process.

Only in the embedded default (``CONSOLE_SNAPSHOT=embedded``, which ``make run`` sets, and no
``DATABASE_URL``): in production the snapshot lives in the shared PostgreSQL and workers run on
their own machines (``python -m lib.snapshot worker``). Starting happens in a background thread,
so the first page never waits for the database to come up.
"""

from __future__ import annotations

import logging
import os
import threading

import streamlit as st

from lib.settings import Settings
from lib.ui.backend import Backend

ENV_SWITCH = "CONSOLE_SNAPSHOT"
logger = logging.getLogger(__name__)


def embedded_wanted(settings: Settings) -> bool:
    """Whether this process should run the embedded snapshot."""
    if os.environ.get(ENV_SWITCH, "").strip().lower() != "embedded":
        return False
    url = settings.database_url.get_secret_value().strip() if settings.database_url else ""
    return not url


@st.cache_resource(show_spinner=False)
def _start(data_dir: str, base_url: str, _backend: Backend) -> threading.Thread:
    def run() -> None:
        from pathlib import Path

        from lib.snapshot import embedded

        try:
            embedded.start(
                Path(data_dir), recall_base_url=base_url, recall_api_key=_backend.api_key
            )
        except Exception:
            # Live pages do not need the snapshot; say so in the log and carry on.
            logger.exception("the embedded snapshot did not start")

    thread = threading.Thread(target=run, name="snapshot-start", daemon=True)
    thread.start()
    return thread


def start_embedded_snapshot(settings: Settings, backend: Backend) -> None:
    """Start the embedded snapshot in the background the first time; later calls do nothing."""
    if embedded_wanted(settings):
        _start(str(settings.data_dir.resolve()), backend.base_url, backend)
