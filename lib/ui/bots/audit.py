"""A bot lookup is a read of customer data: it is audited like an account view.

Who looked, at which bot, on whose account and why (the reason of the open view-as session, or
the one given on the Find-bot page). One event per bot per reason and session, not per rerun.
"""

from __future__ import annotations

import streamlit as st

from lib.ui.context import PageContext, record_event

SK_BOT_LOOKUPS = "bots.audited_lookups"


def audit_bot_lookup(
    ctx: PageContext,
    bot_id: str,
    *,
    reason: str,
    ticket: str | None,
    user_id: str | None,
    source: str,
    outcome: str,
) -> None:
    seen: set[tuple[str, str, str | None]] = st.session_state.setdefault(SK_BOT_LOOKUPS, set())
    key = (bot_id, reason, user_id)
    if key in seen:
        return
    record_event(
        ctx.audit,
        ctx.staff,
        "bot.view",
        user_id=user_id,
        target=bot_id,
        reason=reason,
        ticket=ticket,
        after={"source": source, "outcome": outcome},
    )
    seen.add(key)
