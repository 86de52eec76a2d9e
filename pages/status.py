"""Status page (every role): which Recall the console uses and whether it answers, requests
against the rate limits, the audit store and its chain, and the console's version."""

import streamlit as st

from lib.staff import Action
from lib.ui.audit_display import display_zone
from lib.ui.backend import read_secrets
from lib.ui.page import start_page
from lib.ui.sessions.admin import render_staff_sessions
from lib.ui.sessions.tab import max_session_age, session_store
from lib.ui.state import SK_STATUS_CHECK_AGAIN
from lib.ui.status_checks import describe_target, forget_ping, get_ping
from lib.ui.status_view import render_audit_store, render_limits, render_overview, render_recall
from lib.version import version

ctx = start_page(
    "Status",
    caption="Which Recall this console talks to, whether it answers, how close it runs to "
    "Recall's rate limits, and the audit log's health.",
    requires=Action.VIEW_STATUS,
)
zone = display_zone(ctx.settings)
target = describe_target(ctx.backend)

# The button is drawn further down; its click is read here, before the ping is taken.
if st.session_state.get(SK_STATUS_CHECK_AGAIN):
    forget_ping()
ping = get_ping(ctx.backend, ctx.client)

overview = st.container()
render_recall(ctx.backend, target, ping, zone, ctx.settings.bot_api_version)
render_limits(ctx.client)
chain = render_audit_store(ctx.audit, ctx.settings, zone, can_open_log=ctx.can(Action.READ_AUDIT))
with overview:
    render_overview(target, ping, chain, version())
if ctx.can(Action.MANAGE_STAFF_SESSIONS):
    render_staff_sessions(ctx, session_store(ctx.settings), max_session_age(read_secrets()), zone)
