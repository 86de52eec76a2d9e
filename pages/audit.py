"""Audit log page."""

import streamlit as st

st.title("Audit log")
st.caption("Every change made through the console, who made it and why.")
st.info("This page is not available yet.", icon=":material/construction:")
