"""Coverage (synced / stale / failing, platforms) and meeting search, from the snapshot."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from lib.snapshot.config import DEFAULT_MAX_AGE_HOURS
from lib.snapshot.queries import age_text, bots_per_day, coverage, search_meetings
from lib.ui.directory_search import open_account

KEY_SEARCH = "workspace.search"
KEY_OPEN = "workspace.open"
STALE_AFTER = dt.timedelta(hours=DEFAULT_MAX_AGE_HOURS)


def render_unavailable() -> None:
    st.info(
        "This console has no workspace snapshot: it needs PostgreSQL (`DATABASE_URL`), or the "
        "embedded default that `make run` starts. Account pages still read Recall live.",
        icon=":material/database:",
    )


def render_coverage(engine: Engine, now: dt.datetime) -> bool:
    """Coverage metrics; False when the snapshot cannot be read."""
    try:
        cov = coverage(engine, now=now, stale_after=STALE_AFTER)
    except SQLAlchemyError:
        st.warning(
            "The snapshot cannot be read right now (its database is starting or unreachable). "
            "Reload in a moment.",
            icon=":material/sync_problem:",
        )
        return False
    if cov.users == 0:
        st.info("The snapshot is still empty: the first sync round has not finished yet.")
        return True
    st.caption(
        f"Snapshot {age_text(cov.newest_sync, now)} (least recently read account "
        f"{age_text(cov.oldest_sync, now).removeprefix('as of ')})."
    )
    cols = st.columns(5)
    cols[0].metric("Accounts", f"{cov.users:,}")
    cols[1].metric("Synced", f"{cov.synced:,}")
    cols[2].metric("Stale", f"{cov.stale:,}", help=f"Not read for {STALE_AFTER} or more.")
    cols[3].metric("Failing", f"{cov.failing:,}")
    cols[4].metric("Not read yet", f"{cov.pending:,}")
    if cov.platforms:
        st.caption(
            "Connected calendars: "
            + ", ".join(
                f"{name.title()} {count:,}" for name, count in sorted(cov.platforms.items())
            )
        )
    render_bots_per_day(engine, now)
    if cov.failures:
        with st.expander(f"Failing accounts ({cov.failing:,})"):
            st.dataframe(
                pd.DataFrame(cov.failures, columns=["Account", "Why"]),
                hide_index=True,
                width="stretch",
            )
    return True


def render_bots_per_day(engine: Engine, now: dt.datetime) -> None:
    series = bots_per_day(engine, now=now, days=28)
    total = sum(n for _, n in series)
    st.markdown("**Bots per day, next 4 weeks** (as the snapshot reads Recall's decisions)")
    st.caption(f"{total:,} bots in the next 28 days; busiest day {max(n for _, n in series):,}.")
    frame = pd.DataFrame(
        {"Day": [d.isoformat() for d, _ in series], "Bots": [n for _, n in series]}
    )
    st.bar_chart(frame, x="Day", y="Bots", height=220)


def render_search(engine: Engine, now: dt.datetime) -> None:
    st.subheader("Find a meeting across the workspace")
    query = st.text_input(
        "Title, iCal UID, attendee email, meeting link or bot id",
        key=KEY_SEARCH,
        placeholder="e.g. Quarterly review, or an attendee's email",
    )
    if not query.strip():
        return
    try:
        hits = search_meetings(engine, query, limit=200)
    except SQLAlchemyError:
        st.warning("The snapshot cannot be searched right now. Reload in a moment.")
        return
    if not hits:
        st.info("No meeting in the snapshot matches.")
        return
    st.caption(f"{len(hits)} meeting(s){' (first 200)' if len(hits) == 200 else ''}.")
    frame = pd.DataFrame(
        {
            "Account": [h.user_id for h in hits],
            "Title": [h.title or "(no title)" for h in hits],
            "Starts (UTC)": [
                h.start_time.strftime("%Y-%m-%d %H:%M") if h.start_time else "" for h in hits
            ],
            "Bot will join": ["yes" if h.will_record else "no" for h in hits],
            "Read": [age_text(h.synced_at, now) for h in hits],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    accounts = list(dict.fromkeys(h.user_id for h in hits))
    chosen = st.selectbox("Open the account of", accounts, key=KEY_OPEN)
    # The account page asks for the reason before it shows anything, as from the directory.
    if chosen and st.button("Open account", type="primary"):
        open_account(chosen)
