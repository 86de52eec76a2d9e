"""Bot preset page."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page

ctx = start_page(
    "Bot preset",
    caption="Validate, migrate and export the preset calendar bots take their configuration from.",
    requires=Action.READ_PRESET,
)
st.info("This page is not available yet.", icon=":material/construction:")
