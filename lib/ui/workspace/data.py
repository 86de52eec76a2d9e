"""Where the page finds the snapshot: the console's PostgreSQL (``DATABASE_URL``), or the
embedded one ``make run`` starts; none on a SQLite-only console."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from lib.db import make_engine, normalise_url
from lib.settings import Settings
from lib.ui.snapshot.start import embedded_wanted


def snapshot_url(settings: Settings) -> str | None:
    """The snapshot's database URL, or None when this console has no snapshot."""
    configured = settings.database_url.get_secret_value().strip() if settings.database_url else ""
    if configured:
        backend = normalise_url(configured).get_backend_name()
        return configured if backend == "postgresql" else None
    if embedded_wanted(settings):
        from lib.snapshot.embedded import embedded_postgres_url

        return embedded_postgres_url(Path(settings.data_dir))
    return None


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url)


def snapshot_engine(settings: Settings) -> Engine | None:
    url = snapshot_url(settings)
    return None if url is None else _engine(url)
