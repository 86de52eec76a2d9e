"""The sections of the status page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from lib.audit import AuditStore
from lib.db import safe_url
from lib.recall import RecallClient
from lib.settings import Settings
from lib.ui.audit_chain import ChainView, chain_headline, render_chain_state
from lib.ui.audit_display import format_moment
from lib.ui.backend import Backend
from lib.ui.state import SK_STATUS_CHECK_AGAIN, SK_STATUS_VERIFY
from lib.ui.status_checks import (
    PING_TTL_SECONDS,
    PingResult,
    RecallTarget,
    buckets_frame,
    endpoints_frame,
    limits_frame,
    speed_words,
)
from lib.ui.text import code, plain

_BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_SHARE = st.column_config.ProgressColumn(
    "Share of limit", format="percent", min_value=0.0, max_value=1.0
)


def render_overview(
    target: RecallTarget, ping: PingResult, chain: ChainView | None, version: str
) -> None:
    """Four figures across the top."""
    recall, answer, audit, release = st.columns(4)
    with recall.container(border=True):
        st.metric("Recall", target.headline)
    with answer.container(border=True):
        if ping.ok and ping.seconds is not None:
            st.metric("Response time", f"{ping.seconds * 1000:,.0f} ms")
        else:
            st.metric("Response time", "No answer")
    with audit.container(border=True):
        st.metric("Audit chain", chain_headline(chain) if chain else "Unreadable")
    with release.container(border=True):
        st.metric("Console version", version)


def render_recall(
    backend: Backend,
    target: RecallTarget,
    ping: PingResult,
    zone: ZoneInfo,
    bot_api_version: str | None = None,
) -> None:
    """Where requests go, which Create Bot version bots use, and whether the last ping got an
    answer."""
    st.subheader(":material/cloud: Recall", anchor=False)
    with st.container(border=True):
        st.markdown(f"{plain(target.detail)}  \nBase URL: {code(backend.base_url)}")
        if bot_api_version:
            st.markdown(
                f"Bots use Create Bot API {code(bot_api_version)} (setting "
                f"{code('recall.bot_api_version')}); the Bot preset page checks presets "
                "against it."
            )
        checked = format_moment(ping.checked_at, zone)
        if ping.ok and ping.seconds is not None:
            st.success(
                f"**{speed_words(ping.seconds)}** — a users lookup took "
                f"{ping.seconds * 1000:,.0f} ms (checked {checked}).",
                icon=":material/check_circle:",
            )
            label = "Check again"
        else:
            st.error(
                f"**Recall did not answer** — {plain(ping.problem, limit=None)} "
                f"(checked {checked}).",
                icon=":material/cloud_off:",
            )
            label = "Retry"
        st.button(
            label,
            key=SK_STATUS_CHECK_AGAIN,
            icon=":material/refresh:",
            help=f"Views within {PING_TTL_SECONDS} s share one check, because each check "
            "counts against the users-list rate limit.",
        )


def render_limits(client: RecallClient) -> None:
    """Requests in the current window against each documented limit, and per-endpoint counts."""
    st.subheader(":material/speed: Rate limits", anchor=False)
    limiter = client.limiter
    summary = limiter.summary()
    with st.container(border=True):
        if not summary:
            st.info("This console does not pace its requests (rate limiting is off).")
        else:
            usage = limiter.usage()
            st.caption(
                f"Requests this console sent in the last {limiter.window_s:g} s, per documented "
                "Recall limit. Other apps using the same workspace count against the same limits; "
                "the console waits for a free slot instead of exceeding one."
            )
            st.dataframe(
                limits_frame(summary, usage),
                hide_index=True,
                width="stretch",
                column_config={"Share": _SHARE},
            )
            if usage:
                with st.expander(f"Every bucket in use ({len(usage)})"):
                    st.dataframe(
                        buckets_frame(usage),
                        hide_index=True,
                        width="stretch",
                        column_config={"Share": _SHARE},
                    )
        stats = client.stats()
        total = sum(item.requests for item in stats.values())
        st.markdown(f"**Requests per endpoint** since the console started: {total:,} in all")
        st.dataframe(endpoints_frame(stats), hide_index=True, width="stretch")
        st.button("Refresh figures", key="status.refresh", icon=":material/refresh:")


def render_audit_store(
    store: AuditStore, settings: Settings, zone: ZoneInfo, *, can_open_log: bool
) -> ChainView | None:
    """Which database holds the audit log, and whether its chain verifies."""
    st.subheader(":material/policy: Audit store", anchor=False)
    with st.container(border=True):
        name = _BACKEND_NAMES.get(store.backend, store.backend)
        st.markdown(
            f"**{name}** at {code(safe_url(settings.database_url_or_default), limit=None)} · "
            f"events kept {settings.audit_retention_days} days"
        )
        view = render_chain_state(store, key=SK_STATUS_VERIFY, zone=zone)
        if can_open_log:
            st.page_link("pages/audit.py", label="Open the audit log", icon=":material/policy:")
    return view
