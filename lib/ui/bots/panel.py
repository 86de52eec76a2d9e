"""Meeting details, "What happened": the calendar half and the bot half in one answer.

The bot is fetched on one click (not on every rerun of the details panel), so opening an account
costs no Bot API request and no audit event until someone asks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import pandas as pd
import streamlit as st

from lib.autorecord import decide
from lib.bots.codes import FIX_BY_WORDS
from lib.bots.outcome import CATEGORY_LABELS, Explanation, recording_words, what_happened
from lib.recall import NotFoundError, RecallError
from lib.recall.bots import Bot
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.ui.bots.audit import audit_bot_lookup
from lib.ui.bots.data import explorer_url, get_bot
from lib.ui.bots.timeline import timeline_chart, timeline_frame
from lib.ui.context import PageContext, current_view_as
from lib.ui.text import code, plain

SK_FOLLOWED = "bots.followed_meetings"
JOIN_LEAD = timedelta(minutes=2)


def scheduled_rule(user: CalendarUser, meeting: CalendarMeeting, now: datetime) -> str | None:
    """The rule that had Recall schedule the bot, decided as of the bot's join time."""
    email = next(
        (
            c.email
            for c in user.connections
            if c.platform == meeting.calendar_platform and c.connected
        ),
        None,
    )
    when = now
    if meeting.start_time is not None:
        when = min(now, meeting.start_time - JOIN_LEAD)
    decision = decide(meeting.to_v1(), user.preferences.flags(), now=when, connected_email=email)
    return decision.rule if decision.record else None


def follow(
    ctx: PageContext,
    bot_id: str,
    *,
    user_id: str | None,
    source: str,
    reason: str | None = None,
) -> tuple[Bot | None, str | None]:
    """Retrieve the bot and audit the lookup; (bot, None) or (None, a sentence why not).

    The reason on record is the open view-as session's, else ``reason`` (typed by staff).
    """
    session = current_view_as()
    reason = session.reason if session else (reason or "bot lookup")
    ticket = session.ticket if session else None
    try:
        bot = get_bot(ctx.backend, bot_id)
    except NotFoundError:
        audit_bot_lookup(
            ctx, bot_id, reason=reason, ticket=ticket, user_id=user_id, source=source,
            outcome="not_found",
        )  # fmt: skip
        return None, (
            "Recall no longer has this bot (HTTP 404): it was deleted, or it belongs to another "
            "region or workspace. The explorer link below may still find it."
        )
    except RecallError as exc:
        return None, f"Recall could not be asked about the bot: {exc.message}"
    audit_bot_lookup(
        ctx, bot_id, reason=reason, ticket=ticket, user_id=user_id, source=source,
        outcome="found",
    )  # fmt: skip
    return bot, None


def render_answer(
    ctx: PageContext, answer: Explanation, bot: Bot | None, bot_id: str, tz: tzinfo
) -> None:
    """The sentence, the fix's home, the timeline, the recording and the links."""
    failed = answer.outcome is not None and not answer.outcome.ok
    box = st.warning if failed else st.info
    box(plain(answer.sentence, limit=None), icon=":material/smart_toy:")
    if answer.preset_field:
        st.page_link(
            "pages/presets.py",
            label=f"Open the bot preset: change {answer.preset_field}",
            icon=":material/tune:",
            query_params={"field": answer.preset_field},
        )
    elif answer.fix_by in ("host", "platform", "event", "recall"):
        st.caption(f"Where the fix lives: {FIX_BY_WORDS[answer.fix_by]}, not the bot preset.")
    if bot is not None:
        now = datetime.now(UTC)
        frame = timeline_frame(bot, tz, now)
        if not frame.empty:
            st.markdown("**Status timeline**")
            st.altair_chart(timeline_chart(frame), width="stretch")
        st.markdown(f"**Recording:** {plain(recording_words(bot))}")
        others = [
            m.external_id
            for m in bot.calendar_meetings
            if m.external_id and m.external_id != _open_user()
        ]
        if others:
            st.markdown("**Other calendar users this bot served** (one de-duplicated bot)")
            for external_id in dict.fromkeys(others):
                st.page_link(
                    "pages/account.py",
                    label=f"Open {external_id}",
                    icon=":material/person:",
                    query_params={"user_id": external_id},
                )
        if answer.outcome is not None:
            st.caption(f"Outcome: {CATEGORY_LABELS[answer.outcome.category]}")
    st.link_button(
        "Open in Recall's explorer",
        explorer_url(ctx.settings, ctx.backend, bot_id),
        icon=":material/open_in_new:",
    )
    if ctx.backend.mode == "sandbox":
        st.caption("Sandbox mode: this bot exists only in the local emulator, not in Recall.")
    if bot is not None:
        with st.expander("Raw status changes", icon=":material/data_object:"):
            st.caption(f"Bot {code(bot_id)} · API shape {bot.shape}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Time": c.created_at.astimezone(tz) if c.created_at else None,
                            "Code": c.code,
                            "Sub code": c.sub_code or "",
                            "Message": c.message or "",
                        }
                        for c in bot.status_changes
                    ]
                ),
                hide_index=True,
                width="stretch",
            )


def _open_user() -> str | None:
    session = current_view_as()
    return session.user_id if session else None


def render_what_happened(
    ctx: PageContext, user: CalendarUser, meeting: CalendarMeeting, tz: tzinfo
) -> None:
    """The "What happened" section of the meeting details."""
    _what_happened(ctx, user, meeting, tz)


# A fragment: asking about the bot reruns this section only, not the whole account page.
@st.fragment
def _what_happened(
    ctx: PageContext, user: CalendarUser, meeting: CalendarMeeting, tz: tzinfo
) -> None:
    st.markdown("**What happened**")
    if not meeting.bot_id:
        answer = what_happened(None, tz=tz, bot_id=None)
        st.info(plain(answer.sentence, limit=None), icon=":material/smart_toy:")
        return
    followed: set[str] = st.session_state.setdefault(SK_FOLLOWED, set())
    if meeting.id not in followed:
        if not st.button(
            "Why did (or didn't) the bot join?",
            key=f"bots-follow-{meeting.id}",
            icon=":material/travel_explore:",
            help="Ask Recall's Bot API what this meeting's bot did; the lookup is audited.",
        ):
            return
        followed.add(meeting.id)
    rule = scheduled_rule(user, meeting, datetime.now(UTC))
    bot, problem = follow(ctx, meeting.bot_id, user_id=user.external_id, source="meeting_details")
    answer = what_happened(
        bot, tz=tz, bot_id=meeting.bot_id, scheduled_rule=rule, lookup_problem=problem
    )
    render_answer(ctx, answer, bot, meeting.bot_id, tz)
