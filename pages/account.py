"""Account page."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page

ctx = start_page(
    "Account",
    caption="Calendars, upcoming meetings and recording preferences, as the user sees them.",
    requires=Action.VIEW_ACCOUNT,
)
st.info("This page is not available yet.", icon=":material/construction:")
