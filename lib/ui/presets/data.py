"""Cached access to the saved preset versions, in the same database as the audit log."""

from __future__ import annotations

import streamlit as st

from lib.presets.versions import PresetVersions
from lib.ui.data import get_audit_store


@st.cache_resource(show_spinner=False)
def _preset_versions(url: str) -> PresetVersions:
    # One connection pool per database: the version store borrows the audit store's engine.
    return PresetVersions(get_audit_store(url).engine)


def get_preset_versions(url: str) -> PresetVersions:
    """The version store for the database at ``url`` (shared by every session; it holds no
    per-user state, and every read goes to the database so replicas agree)."""
    return _preset_versions(url)
