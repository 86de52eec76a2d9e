"""Auto-record preview page."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page

ctx = start_page(
    "Auto-record preview",
    caption="What changes in auto-recording under other preferences, for one user or a cohort.",
    requires=Action.RUN_PREVIEW,
)
st.info("This page is not available yet.", icon=":material/construction:")
