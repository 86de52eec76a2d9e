"""Find a user page."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page

ctx = start_page(
    "Find a user",
    caption="Search the workspace's calendar users by user id or connected email.",
    requires=Action.FIND_USERS,
)
st.info("This page is not available yet.", icon=":material/construction:")
