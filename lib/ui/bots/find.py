"""The Find-a-bot page: a bot id or a meeting link -> the bot(s), outcome, whom they served.

A lookup reads customer data, so it needs a reason (the open view-as session's, or one typed
here) and is audited. Each calendar user a bot served links to their account, which asks for
its own reason as usual.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import pandas as pd
import streamlit as st

from lib.bots.links import MeetingLink, parse_meeting_link
from lib.bots.outcome import what_happened
from lib.recall import RecallError
from lib.recall.bot_api import is_bot_id
from lib.recall.bots import Bot
from lib.ui.account_meetings import viewer_timezone
from lib.ui.bots.audit import audit_bot_lookup
from lib.ui.bots.data import list_bots
from lib.ui.bots.panel import follow, render_answer
from lib.ui.context import PageContext, current_view_as
from lib.ui.text import code, plain
from lib.viewas import MIN_REASON_CHARS

SK_FIND = "bots.find_query"
MAX_BOTS_SHOWN = 20


def _served_table(bot: Bot, tz: tzinfo) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "User id": m.external_id or "(unknown)",
                "Meeting start": m.start_time.astimezone(tz) if m.start_time else None,
                "Meeting end": m.end_time.astimezone(tz) if m.end_time else None,
            }
            for m in bot.calendar_meetings
        ],
        columns=["User id", "Meeting start", "Meeting end"],
    )


def _render_bot(
    ctx: PageContext, bot: Bot | None, bot_id: str, problem: str | None, tz: tzinfo
) -> None:
    with st.container(border=True):
        if bot is None:
            st.warning(plain(problem or "Recall has no such bot.", limit=None))
            return
        answer = what_happened(bot, tz=tz, bot_id=bot_id)
        render_answer(ctx, answer, bot, bot_id, tz)
        if bot.calendar_meetings:
            st.markdown("**Calendar users and meetings it served**")
            st.dataframe(
                _served_table(bot, tz),
                hide_index=True,
                width="stretch",
                column_config={
                    "Meeting start": st.column_config.DatetimeColumn(format="ddd D MMM, HH:mm"),
                    "Meeting end": st.column_config.DatetimeColumn(format="HH:mm"),
                },
            )
            for external_id in dict.fromkeys(bot.external_ids()):
                st.page_link(
                    "pages/account.py",
                    label=f"Open the account of {external_id}",
                    icon=":material/person:",
                    query_params={"user_id": external_id},
                )
        else:
            st.caption(
                "Recall lists no calendar meetings for this bot: it was not scheduled through "
                "Calendar V1."
            )


def render_find(ctx: PageContext) -> None:
    session = current_view_as()
    with st.form("bots-find", border=True):
        typed = st.text_input(
            "Bot id or meeting link",
            placeholder="e.g. 6e1f…-… or https://meet.google.com/abc-defg-hij",
        )
        if session is None:
            reason = st.text_input(
                "Reason", max_chars=500, placeholder="e.g. SUP-1234: the bot missed a call"
            )
        else:
            reason = session.reason
            st.caption(f"Reason (from the open account view): {plain(session.reason)}")
        submitted = st.form_submit_button("Find", type="primary", icon=":material/search:")
    if submitted:
        if len(reason.strip()) < MIN_REASON_CHARS:
            st.error(
                f"Give a reason of at least {MIN_REASON_CHARS} characters: a bot lookup is "
                "audited like an account view."
            )
            return
        st.session_state[SK_FIND] = (typed.strip(), reason.strip())
    query = st.session_state.get(SK_FIND)
    if not query:
        return
    text, reason = query
    tz = viewer_timezone(ctx.settings.display_timezone)
    if is_bot_id(text):
        _find_by_id(ctx, text.lower(), reason, tz)
    elif (link := parse_meeting_link(text)) is not None:
        _find_by_link(ctx, link, reason, tz)
    else:
        st.warning(
            "That is neither a bot id (a UUID such as 6e1f8a3c-2b4d-4e5f-9a7b-1c2d3e4f5a6b) nor "
            "a Zoom, Google Meet, Microsoft Teams or Webex meeting link. Nothing was looked up."
        )


def _find_by_id(ctx: PageContext, bot_id: str, reason: str, tz: tzinfo) -> None:
    bot, problem = follow(ctx, bot_id, user_id=None, source="find_bot", reason=reason)
    if bot is None and problem and "404" in problem:
        problem = (
            f"Recall has no bot with the id {bot_id} in this workspace's region: it was "
            "deleted, never existed, or belongs to another region or workspace."
        )
    _render_bot(ctx, bot, bot_id, problem, tz)


def _find_by_link(ctx: PageContext, link: MeetingLink, reason: str, tz: tzinfo) -> None:
    try:
        page = list_bots(
            ctx.backend,
            after=datetime(2000, 1, 1, tzinfo=UTC),
            before=datetime(2100, 1, 1, tzinfo=UTC),
            meeting_url=link.url,
        )
    except RecallError as exc:
        st.error(f"Recall could not list the bots for this link: {plain(exc.message)}")
        return
    session = current_view_as()
    audit_bot_lookup(
        ctx,
        f"{link.platform}:{link.meeting_id}",
        reason=session.reason if session else reason,
        ticket=None,
        user_id=None,
        source="find_bot_link",
        outcome=f"{len(page.bots)} bots",
    )
    if not page.bots:
        st.info(
            f"Recall has no bot for this {link.platform_name} meeting ({code(link.meeting_id)}). "
            "Either no bot was scheduled for it, or its bots are older than Recall keeps the "
            "meeting link (a few days after the call)."
        )
        return
    st.caption(
        f"{len(page.bots)} bot{'s' if len(page.bots) != 1 else ''} for this "
        f"{link.platform_name} meeting, newest last."
    )
    for bot in page.bots[-MAX_BOTS_SHOWN:]:
        _render_bot(ctx, bot, bot.id, None, tz)
