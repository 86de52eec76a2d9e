"""Cached access to the saved preset versions, in the same database as the audit log."""

from __future__ import annotations

import streamlit as st

from lib.presets.versions import PresetVersions
from lib.ui.data import get_database_engine


@st.cache_resource(show_spinner=False)
def _preset_versions(url: str) -> PresetVersions:
    # One connection pool per database, shared with the audit store.
    return PresetVersions(get_database_engine(url))


def get_preset_versions(url: str) -> PresetVersions:
    """The version store for the database at ``url`` (shared by every session; it holds no
    per-user state, and every read goes to the database so replicas agree)."""
    return _preset_versions(url)
