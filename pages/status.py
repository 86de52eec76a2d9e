"""Status page: which Recall the console uses and whether it answers."""

import streamlit as st

from lib.ui.backend import get_backend, get_settings
from lib.version import version

settings = get_settings()
backend = get_backend(settings)

st.title("Status")
left, right = st.columns(2)
left.metric("Recall", "Sandbox" if backend.mode == "sandbox" else settings.recall_region)
right.metric("Console version", version())
st.write(f"Base URL: `{backend.base_url}`")
