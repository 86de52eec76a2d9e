"""The Activity tab: what the console has recorded about this account, newest first.

Staff viewing an account see its own history (who changed what and why), one row per action:
an attempt and its outcome are one row, a refusal says why in words, meetings are named by
title and time. The raw events stay behind the selected row's "Raw events" control; the whole
audit log stays with admins.
"""

from __future__ import annotations

import streamlit as st

from lib.ui.audit.rows import fold
from lib.ui.audit.table import render_action_details, render_actions_table, table_key
from lib.ui.audit_display import display_zone
from lib.ui.context import PageContext

SHOWN_ACTIONS = 50
TABLE_KEY_PREFIX = "account.activity"
# Where the table's current widget key is kept (it changes with the rows).
SK_ACTIVITY_TABLE_KEY = "account.activity.table_key"


def render_activity(ctx: PageContext, user_id: str) -> None:
    rows = fold(ctx.audit.query_actions(user_id=user_id, limit=SHOWN_ACTIONS))
    if not rows:
        st.info("Nothing has been recorded for this account yet.", icon=":material/history:")
        return
    zone = display_zone(ctx.settings)
    st.caption(
        f"The {len(rows)} most recent actions the console recorded for this user (views, "
        f"changes and refused attempts), one row each. Times in {zone.key}."
    )
    key = table_key(TABLE_KEY_PREFIX, rows, user_id)
    st.session_state[SK_ACTIVITY_TABLE_KEY] = key
    selected = render_actions_table(rows, zone, key=key, with_user=False)
    render_action_details(selected, zone)
