"""Account page."""

import streamlit as st

st.title("Account")
st.caption(
    "One user's connected calendars, upcoming meetings and recording preferences, "
    "as the user sees them."
)
st.info("This page is not available yet.", icon=":material/construction:")
