"""The strip at the top of every page that says which Recall the console is talking to."""

from __future__ import annotations

import streamlit as st

from lib.ui.backend import Backend


def render_backend_banner(backend: Backend) -> None:
    if backend.mode == "sandbox":
        st.info(
            f"**Sandbox mode** — this console is connected to a local Recall Calendar V1 "
            f"emulator at `{backend.base_url}` with seeded demo data. No real calendars, "
            "users or bots are affected. Configure a Recall API key to go live.",
            icon=":material/science:",
        )
    else:
        st.caption(f":material/cloud: Connected to {backend.label}")
