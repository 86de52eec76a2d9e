"""How audit data looks on screen: the display time zone, times, outcomes, hashes, and reads
of the audit database that fail in words instead of a traceback."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.audit import AuditError, Outcome
from lib.settings import Settings
from lib.ui.state import SK_DISPLAY_TZ
from lib.ui.text import plain

T = TypeVar("T")
logger = logging.getLogger(__name__)

OUTCOME_LABELS: dict[str, str] = {
    Outcome.OK.value: "ok",
    Outcome.ATTEMPT.value: "attempt (outcome pending)",
    Outcome.FAILED.value: "failed",
}


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``, or UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def display_zone(settings: Settings) -> ZoneInfo:
    """The zone staff chose for this session, else the configured default."""
    chosen = st.session_state.get(SK_DISPLAY_TZ)
    return zone_named(chosen if isinstance(chosen, str) else settings.display_timezone)


def format_moment(moment: dt.datetime, zone: ZoneInfo, *, seconds: bool = True) -> str:
    """``moment`` in ``zone`` as ``2026-11-24 10:40:12 CET``."""
    pattern = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return moment.astimezone(zone).strftime(pattern)


def outcome_label(outcome: Outcome | str) -> str:
    value = str(outcome)
    return OUTCOME_LABELS.get(value, value)


def short_hash(value: str, length: int = 12) -> str:
    return value[:length] + "…" if len(value) > length else value


def read_problem(error: Exception) -> str:
    """Staff-facing words for a failed audit database read (never the statement or the URL)."""
    if isinstance(error, AuditError):
        return str(error)
    # Driver messages can quote statements and host details; the log keeps the class only.
    logger.warning("audit store read failed: %s", type(error).__name__)
    return (
        "The audit database did not answer. Check that it is running and reachable, then try again."
    )


def guarded_read(what: str, load: Callable[[], T], *, retry_key: str) -> T | None:
    """Run an audit-store read; on failure show it in words with a Retry and return None."""
    try:
        return load()
    except (SQLAlchemyError, AuditError) as exc:
        st.error(
            f"**{plain(what)}** — {plain(read_problem(exc), limit=None)}", icon=":material/error:"
        )
        if st.button("Retry", key=retry_key, icon=":material/refresh:"):
            st.rerun()
        return None
