"""Status page: which Recall the console uses and whether it answers."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page
from lib.version import version

ctx = start_page("Status", requires=Action.VIEW_STATUS)
left, right = st.columns(2)
left.metric("Recall", "Sandbox" if ctx.backend.mode == "sandbox" else ctx.settings.recall_region)
right.metric("Console version", version())
st.write(f"Base URL: `{ctx.backend.base_url}`")
