"""Account page: one user's calendars, meetings and preferences, as the user sees them."""

import streamlit as st

from lib.account_view import preferences_label
from lib.audit import Outcome
from lib.staff import Action
from lib.ui.account.unreadable import render_unreadable
from lib.ui.account_activity import render_activity
from lib.ui.account_calendars import render_calendars
from lib.ui.account_flash import render_flash
from lib.ui.account_meetings import render_meetings
from lib.ui.account_open import (
    checked_account_id,
    render_lookup,
    render_open_form,
    requested_user_id,
)
from lib.ui.account_preferences import render_preferences
from lib.ui.context import current_view_as
from lib.ui.data import get_account, get_meetings_table, refresh_account
from lib.ui.errors import attempt
from lib.ui.page import start_page
from lib.ui.text import code, plain

ctx = start_page(
    "Account",
    caption="Calendars, upcoming meetings and recording preferences, as the user sees them.",
    requires=Action.VIEW_ACCOUNT,
)

render_flash()

requested = requested_user_id()
if not requested:
    render_lookup(ctx)
    st.stop()
checked = checked_account_id(ctx, requested)
if checked is None:
    st.stop()
user_id, directory = checked
session = current_view_as()
if session is None or session.user_id != user_id:
    render_open_form(ctx, user_id)
    st.stop()
st.query_params["user_id"] = user_id

account = attempt(
    "Could not load this account from Recall",
    lambda: get_account(ctx.backend, user_id),
    retry_key="account-retry",
)
if account is None:
    st.stop()
user, meetings = account.user, account.meetings

changes = ctx.audit.query(user_id=user_id, action="preferences.update", outcome=Outcome.OK, limit=1)
table = get_meetings_table(ctx.backend, account, directory, changes[0].time if changes else None)
upcoming = table[table["end"].isna() | (table["end"] >= account.fetched_at)]

header, refresh = st.columns([5, 1], vertical_alignment="bottom")
header.markdown(f"### {code(user_id)}")
header.caption(
    f"Recall id {code(user.id)} · loaded {account.fetched_at:%H:%M:%S} UTC · preferences: "
    f"{plain(preferences_label(user.preferences.flags()))}"
)
if refresh.button("Reload", icon=":material/refresh:", help="Read the account from Recall again"):
    refresh_account(ctx.backend, user_id)
    st.rerun()

metrics = st.columns(5)
metrics[0].metric("Calendars connected", len(user.connected_platforms))
metrics[1].metric("Upcoming meetings", len(upcoming))
metrics[2].metric("Recall will record", int(upcoming["recall_will_record"].sum()))
metrics[3].metric(
    "Rules disagree",
    int(table["mismatch"].sum()),
    help="Meetings where Recall's will_record differs from the documented rules",
)
metrics[4].metric("Bot name", user.preferences.bot_name or "—")
same_email_as = [u for u in str(directory.frame.loc[user_id, "duplicate_of"]).split(", ") if u]
if same_email_as:
    st.warning(
        "The same calendar account is connected under another user id too ("
        f"{plain(directory.frame.loc[user_id, 'duplicate_of'])}); shared meetings can get two "
        "bots. The product should use one user id per person.",
        icon=":material/content_copy:",
    )

render_unreadable(ctx, account.unreadable, "meeting")
render_unreadable(ctx, user.unreadable_connections, "calendar connection")

meetings_tab, preferences_tab, calendars_tab, activity_tab = st.tabs(
    ["Meetings", "Preferences", "Calendars", "Activity"]
)
with meetings_tab:
    render_meetings(ctx, user, meetings, table)
with preferences_tab:
    render_preferences(ctx, user, meetings)
with calendars_tab:
    render_calendars(ctx, user, same_email_as=same_email_as)
with activity_tab:
    render_activity(ctx, user_id)
