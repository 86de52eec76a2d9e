"""Bot preset page: validate, migrate and describe a preset; save versions; export for Recall.

Everyone may validate and export; saving a version and marking one as sent to Recall need an
admin (``Action.MANAGE_PRESET``, checked again by the version store). The screen's pieces are in
``lib/ui/presets/``.
"""

from __future__ import annotations

import streamlit as st

from lib.staff import Action
from lib.ui.bots.preset_hint import render_preset_field_hint
from lib.ui.page import start_page
from lib.ui.presets.editor import render_editor, render_start
from lib.ui.presets.overview import render_overview
from lib.ui.presets.screen import load_screen
from lib.ui.presets.tabs import render_tabs

ctx = start_page(
    "Bot preset",
    caption="Validate, migrate and export the preset calendar bots take their configuration from.",
    requires=Action.READ_PRESET,
)
render_preset_field_hint()
screen = load_screen(ctx)
render_overview(screen)
render_start(screen)
text = render_editor(screen)
st.divider()
render_tabs(screen, text)
