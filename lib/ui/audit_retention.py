"""The retention setting and the exact command that applies it.

The console never deletes audit events itself: operators run ``python -m lib.audit prune`` on
a schedule. The command is shown for the database this console writes to; a URL holding a
password is never printed, the command then reads it from ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st

from lib.audit import AuditStore
from lib.db import safe_url
from lib.settings import Settings
from lib.ui.audit_display import format_moment, guarded_read
from lib.ui.text import code


@dataclass(frozen=True)
class PruneCommand:
    command: str
    # Set when the command reads the database URL from the environment.
    needs_database_url: bool
    target: str


def prune_command(settings: Settings) -> PruneCommand:
    """The command that prunes this console's audit log to ``audit_retention_days``."""
    url = settings.database_url_or_default
    masked = safe_url(url)
    base = f"python -m lib.audit prune --days {settings.audit_retention_days}"
    if masked == url:
        return PruneCommand(f"{base} --url {shlex.quote(url)}", False, masked)
    return PruneCommand(base, True, masked)


def retention_cutoff(settings: Settings, now: dt.datetime) -> dt.datetime:
    """Events recorded before this instant are deleted by the next prune."""
    return now - dt.timedelta(days=settings.audit_retention_days)


def render_retention(store: AuditStore, settings: Settings, zone: ZoneInfo) -> None:
    """How long events are kept, how many are due to go, and the command that removes them."""
    now = dt.datetime.now(dt.UTC)
    cutoff = retention_cutoff(settings, now)
    command = prune_command(settings)
    with st.container(border=True):
        st.markdown(f"#### :material/auto_delete: Retention: {settings.audit_retention_days} days")
        due = guarded_read(
            "Counting events past retention",
            lambda: store.count(until=cutoff),
            retry_key="audit.retention.retry",
        )
        oldest = guarded_read(
            "Finding the oldest event",
            lambda: store.query(limit=1, newest_first=False),
            retry_key="audit.retention.oldest.retry",
        )
        facts = [f"Events recorded before **{format_moment(cutoff, zone, seconds=False)}** "]
        facts.append("are deleted by the prune command; the console never deletes them itself.")
        if due is not None:
            if due:
                noun = "event is" if due == 1 else "events are"
                facts.append(f" **{due:,}** stored {noun} past that now.")
            else:
                facts.append(" No stored event is past that yet.")
        if oldest:
            facts.append(f" Oldest stored event: {format_moment(oldest[0].time, zone)}.")
        st.markdown("".join(facts))
        st.caption(
            "Run from the console's directory, daily (cron or a scheduled job). A prune first "
            "verifies the part it deletes and refuses on a broken chain; it records itself as "
            "`audit.prune`."
        )
        st.code(command.command, language="bash")
        if command.needs_database_url:
            st.caption(
                f"With `DATABASE_URL` set to this console's database ({code(command.target)}); "
                "the URL holds a password, so it is not shown here."
            )
        st.caption(
            "Change the period with `audit_retention_days` in the `[console]` section of "
            "the secrets file."
        )
