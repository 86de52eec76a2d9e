"""Find a bot: paste a bot id or a meeting link; see the bot(s), their outcome and whom they
served. A second tab shows bot outcomes across the workspace or a cohort for a date range."""

import streamlit as st

from lib.staff import Action
from lib.ui.bots.cohort import render_cohort_outcomes
from lib.ui.bots.find import render_find
from lib.ui.page import start_page

ctx = start_page(
    "Find a bot",
    caption="Paste a bot id or a meeting link to see what the bot did and whom it served.",
    requires=Action.FIND_BOT,
)
lookup_tab, cohort_tab = st.tabs(["Bot or meeting link", "Outcomes"])
with lookup_tab:
    render_find(ctx)
with cohort_tab:
    render_cohort_outcomes(ctx)
