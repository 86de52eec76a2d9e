"""Auto-record preview page: what would start or stop being recorded under other preferences,
for one user or a cohort. The preview only reads; it never changes anything in Recall."""

import streamlit as st

from lib.staff import Action
from lib.ui.page import start_page
from lib.ui.preview_cohort import render_cohort
from lib.ui.preview_single import render_single_user
from lib.ui.state import SK_PREVIEW_MODE

ONE_USER = "One user"
COHORT = "A cohort"

ctx = start_page(
    "Auto-record preview",
    caption="What changes in auto-recording under other preferences, for one user or a cohort.",
    requires=Action.RUN_PREVIEW,
)
mode = st.segmented_control(
    "Preview for",
    [ONE_USER, COHORT],
    default=ONE_USER,
    required=True,
    key=SK_PREVIEW_MODE,
    persist_state="session",
)
if mode == COHORT:
    render_cohort(ctx)
else:
    render_single_user(ctx)
