"""Auto-record preview page."""

import streamlit as st

st.title("Auto-record preview")
st.caption("What changes in auto-recording under other preferences, for one user or a cohort.")
st.info("This page is not available yet.", icon=":material/construction:")
