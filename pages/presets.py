"""Bot preset page."""

import streamlit as st

st.title("Bot preset")
st.caption(
    "Validate, migrate and export the bot preset that calendar bots take their configuration from."
)
st.info("This page is not available yet.", icon=":material/construction:")
