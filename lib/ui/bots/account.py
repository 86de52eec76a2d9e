"""Bot outcomes for one account: the last 7 days' bots, joined / recorded / failed and why.

Loaded on one click (one Retrieve Bot per bot, audited as one lookup), then a toggle narrows the
meetings table to the meetings whose bot failed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from lib.bots.outcome import CATEGORY_LABELS, outcome
from lib.recall import NotFoundError, RecallError
from lib.ui.bots.data import get_bot
from lib.ui.context import PageContext, current_view_as, record_event
from lib.ui.text import plain

OUTCOME_WINDOW = timedelta(days=7)
SK_LOADED = "bots.account_outcomes_loaded"
FAILURES_ONLY_KEY = "bots-failures-only"
GONE = "bot deleted (404)"


def recent_bots(table: pd.DataFrame, now: datetime) -> pd.Series:
    """bot_id per meeting id, for meetings that started in the last 7 days and have a bot."""
    starts = pd.to_datetime(table["start"], utc=True)
    mask = (table["bot_id"] != "") & (starts >= now - OUTCOME_WINDOW) & (starts <= now)
    return table.loc[mask, "bot_id"]


def outcomes_frame(ctx: PageContext, bot_ids: list[str]) -> pd.DataFrame:
    """One row per bot: category, whether it joined, recorded or failed, and why."""
    rows = []
    for bot_id in bot_ids:
        try:
            bot = get_bot(ctx.backend, bot_id)
        except NotFoundError:
            rows.append({"bot_id": bot_id, "category": "failed", "joined": False,
                         "recorded": False, "failed": True, "why": GONE})  # fmt: skip
            continue
        result = outcome(bot)
        rows.append(
            {
                "bot_id": bot_id,
                "category": result.category,
                "joined": "joining_call" in bot.codes and result.category != "failed",
                "recorded": result.category == "recorded",
                "failed": not result.ok,
                "why": result.reason_key,
            }
        )
    return pd.DataFrame(rows, columns=["bot_id", "category", "joined", "recorded", "failed", "why"])


def failures_chart(frame: pd.DataFrame) -> alt.Chart:
    counts = frame[frame["failed"]].groupby("why").size().reset_index(name="bots")
    return (
        alt.Chart(counts)
        .mark_bar(color="#DC2626")
        .encode(
            x=alt.X("bots:Q", title="Bots", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("why:N", sort="-x", title=None),
            tooltip=["why:N", "bots:Q"],
        )
        .properties(height=max(60, 24 * len(counts)))
    )


def bot_failure_filter(
    ctx: PageContext, user_id: str, table: pd.DataFrame, shown: pd.DataFrame
) -> pd.DataFrame:
    """Render the account's bot outcomes; return ``shown``, narrowed to failures if asked."""
    now = datetime.now(UTC)
    recent = recent_bots(table, now)
    if recent.empty:
        return shown
    bot_ids = list(dict.fromkeys(recent))
    loaded: set[str] = st.session_state.setdefault(SK_LOADED, set())
    with st.container(border=True, key="bots-outcomes"):
        st.markdown("**Bot outcomes, last 7 days**")
        if user_id not in loaded:
            if not st.button(
                f"Load the outcomes of {len(bot_ids)} bot{'s' if len(bot_ids) != 1 else ''}",
                key="bots-outcomes-load",
                icon=":material/insights:",
                help="One Retrieve Bot request per bot; the lookup is audited.",
            ):
                return shown
            loaded.add(user_id)
            session = current_view_as()
            record_event(
                ctx.audit,
                ctx.staff,
                "bot.view",
                user_id=user_id,
                target=f"{len(bot_ids)} bots of the last 7 days",
                reason=session.reason if session else "bot outcomes",
                ticket=session.ticket if session else None,
                after={"source": "account_outcomes", "bots": len(bot_ids)},
            )
        try:
            frame = outcomes_frame(ctx, bot_ids)
        except RecallError as exc:
            st.error(f"Recall could not be asked about the bots: {plain(exc.message)}")
            return shown
        metrics = st.columns(4)
        metrics[0].metric("Bots", len(frame))
        metrics[1].metric("Joined", int(frame["joined"].sum()))
        metrics[2].metric("Recorded", int(frame["recorded"].sum()))
        metrics[3].metric("Failed", int(frame["failed"].sum()))
        failed_ids = set(frame.loc[frame["failed"], "bot_id"])
        if failed_ids:
            st.altair_chart(failures_chart(frame), width="stretch")
            st.caption(
                "Why, by sub code. "
                + "; ".join(
                    f"{CATEGORY_LABELS.get(k, k)}: {v}"
                    for k, v in frame[frame["failed"]]["why"].value_counts().items()
                )
            )
        else:
            st.caption("No bot failed in the last 7 days.")
        only = st.toggle(
            "Only meetings whose bot failed",
            key=FAILURES_ONLY_KEY,
            disabled=not failed_ids,
        )
    if only and failed_ids:
        return shown[shown["bot_id"].isin(failed_ids)]
    return shown
