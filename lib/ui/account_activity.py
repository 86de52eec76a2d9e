"""The Activity tab: what the console has recorded about this account, newest first.

Staff viewing an account see its own history (who changed what and why); the whole audit log
stays with admins.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.ui.context import PageContext

SHOWN_EVENTS = 50


def render_activity(ctx: PageContext, user_id: str) -> None:
    events = ctx.audit.query(user_id=user_id, limit=SHOWN_EVENTS, newest_first=True)
    if not events:
        st.info("Nothing has been recorded for this account yet.", icon=":material/history:")
        return
    st.caption(
        f"The {len(events)} most recent events the console recorded for this user "
        "(views, changes and refused attempts)."
    )
    frame = pd.DataFrame(
        [
            {
                "When": e.time,
                "Who": e.actor_email,
                "Role": e.actor_role,
                "Action": e.action,
                "Outcome": e.outcome.value + (f" ({e.error_class})" if e.error_class else ""),
                "Target": e.target or "",
                "Before": "" if e.before is None else str(e.before),
                "After": "" if e.after is None else str(e.after),
                "Reason": e.reason or "",
                "Ticket": e.ticket or "",
            }
            for e in events
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "When": st.column_config.DatetimeColumn(format="D MMM HH:mm:ss"),
            "Action": st.column_config.TextColumn(width="medium"),
        },
    )
