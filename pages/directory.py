"""Find a user page."""

import streamlit as st

st.title("Find a user")
st.caption("Search the workspace's calendar users by user id or connected email.")
st.info("This page is not available yet.", icon=":material/construction:")
