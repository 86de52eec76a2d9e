"""Bot outcomes across the workspace or a cohort of users, for a date range.

One List Bots pass over the ``join_at`` window (following every page), filtered to the cohort
by the calendar users each bot served; the request count is shown against the 60/min limit.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import altair as alt
import streamlit as st

from lib.bots.rates import OutcomeRates, outcome_rates
from lib.recall import RecallError
from lib.recall.ratelimit import DEFAULT_LIMITS
from lib.ui.bots.data import list_bots
from lib.ui.context import PageContext, record_event
from lib.ui.text import plain

SK_COHORT = "bots.cohort_query"
MAX_RANGE_DAYS = 31


def parse_user_ids(text: str) -> list[str]:
    return list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text) if part))


def rates_chart(rates: OutcomeRates) -> alt.Chart:
    return (
        alt.Chart(rates.by_reason)
        .mark_bar(color="#DC2626")
        .encode(
            x=alt.X("share:Q", title="Share of finished bots", axis=alt.Axis(format="%")),
            y=alt.Y("why:N", sort="-x", title=None),
            tooltip=["why:N", "meaning:N", "bots:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=max(60, 24 * len(rates.by_reason)))
    )


def render_cohort_outcomes(ctx: PageContext) -> None:
    today = datetime.now(UTC).date()
    with st.form("bots-cohort", border=True):
        dates = st.date_input("Bots that joined between", value=(today - timedelta(days=7), today))
        users = st.text_area(
            "Cohort (user ids, one per line; empty for the whole workspace)", height=90
        )
        submitted = st.form_submit_button("Show outcomes", icon=":material/insights:")
    if submitted:
        if not (isinstance(dates, tuple | list) and len(dates) == 2):
            st.error("Choose a first and a last day.")
            return
        first, last = dates
        if (last - first).days > MAX_RANGE_DAYS:
            st.error(f"Choose at most {MAX_RANGE_DAYS} days: longer ranges list too many bots.")
            return
        st.session_state[SK_COHORT] = (first, last, tuple(parse_user_ids(users)))
    query = st.session_state.get(SK_COHORT)
    if not query:
        return
    first, last, cohort = query
    after = datetime.combine(first, time.min, UTC)
    before = datetime.combine(last, time.max, UTC)
    try:
        page = list_bots(ctx.backend, after, before)
    except RecallError as exc:
        st.error(f"Recall could not list the bots: {plain(exc.message)}")
        return
    record_event(
        ctx.audit,
        ctx.staff,
        "bot.outcomes",
        target=f"{first.isoformat()}..{last.isoformat()}",
        after={"users": len(cohort), "bots": len(page.bots), "requests": page.requests},
    )
    rates = outcome_rates(page.bots, cohort or None)
    who = f"{len(cohort)} users" if cohort else "the whole workspace"
    st.caption(
        f"{page.requests} List Bots request{'s' if page.requests != 1 else ''} "
        f"(Recall allows {DEFAULT_LIMITS['bot_list']} per minute per workspace) · "
        f"{len(page.bots)} bots in the range, {rates.bots} of them for {who}."
    )
    metrics = st.columns(4)
    metrics[0].metric("Finished bots", rates.finished)
    metrics[1].metric("Recorded", rates.recorded)
    metrics[2].metric("Failed", rates.failed)
    metrics[3].metric(
        "Failure rate", f"{rates.failed / rates.finished:.0%}" if rates.finished else "—"
    )
    headline = rates.headline()
    if headline is None:
        st.info("No finished bot failed in this range.")
        return
    st.markdown(f"**{plain(headline, limit=None)}**")
    st.altair_chart(rates_chart(rates), width="stretch")
    st.dataframe(
        rates.by_reason,
        hide_index=True,
        width="stretch",
        column_config={
            "why": "Sub code",
            "meaning": "Meaning",
            "bots": "Bots",
            "share": st.column_config.ProgressColumn(
                "Share", format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )
