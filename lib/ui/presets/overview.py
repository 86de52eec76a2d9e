"""Where things stand: how many versions, the latest, and which one Recall was sent."""

from __future__ import annotations

import streamlit as st

from lib.ui.presets.screen import PresetScreen
from lib.ui.presets.view import local_time
from lib.ui.text import code, plain


def render_overview(screen: PresetScreen) -> None:
    latest, last_sent = screen.latest, screen.last_sent
    with st.container(border=True):
        first, second, third = st.columns(3)
        first.metric("Saved versions", len(screen.versions))
        second.metric("Latest", latest.label if latest else "—")
        if latest:
            second.caption(
                f"{local_time(latest.created_at, screen.zone)} by {plain(latest.author)} · "
                f"hash {code(latest.short_hash)}"
            )
        third.metric("Sent to Recall", last_sent[0].label if last_sent else "—")
        if last_sent:
            third.caption(
                f"on {last_sent[1].sent_on.isoformat()} · marked by {plain(last_sent[1].marked_by)}"
            )
            if latest and last_sent[0].number != latest.number:
                third.caption(f":orange[{latest.label} has not been sent yet.]")
        else:
            third.caption("Nothing recorded as sent yet.")
        if not screen.can_manage:
            st.caption(
                ":material/lock: Your role can validate and export presets; saving versions and "
                "marking them sent needs an admin."
            )
