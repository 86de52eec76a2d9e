"""Audit log page."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page

ctx = start_page(
    "Audit log",
    caption="Every change made through the console, who made it and why.",
    requires=Action.READ_AUDIT,
)
st.info("This page is not available yet.", icon=":material/construction:")
