"""The bot's status changes as a chart: one bar per status, from when it began to the next."""

from __future__ import annotations

from datetime import datetime, tzinfo

import altair as alt
import pandas as pd

from lib.bots.codes import status_words
from lib.recall.bots import Bot

# Trouble in warm colours, the normal path in the console's indigo and slate.
_COLOURS = {
    "waiting": "#F59E0B",
    "failed": "#DC2626",
    "recording": "#4F46E5",
    "in call": "#94A3B8",
    "ended": "#475569",
    "other": "#A855F7",
}
_PHASE = {
    "ready": "other",
    "joining_call": "in call",
    "in_waiting_room": "waiting",
    "in_call_not_recording": "in call",
    "recording_permission_allowed": "in call",
    "recording_permission_denied": "failed",
    "in_call_recording": "recording",
    "call_ended": "ended",
    "recording_done": "ended",
    "done": "ended",
    "fatal": "failed",
}


def _wall(when: datetime, tz: tzinfo) -> pd.Timestamp:
    # Wall-clock time in the viewer's zone without an offset: Vega-Lite would otherwise shift
    # it into the browser's zone.
    return pd.Timestamp(when).tz_convert(tz).tz_localize(None)


def timeline_frame(bot: Bot, tz: tzinfo, now: datetime) -> pd.DataFrame:
    """One row per status change: when it began and ended (the next change, or now)."""
    rows = []
    changes = [c for c in bot.status_changes if c.created_at is not None]
    for index, change in enumerate(changes):
        begin = change.created_at
        end = changes[index + 1].created_at if index + 1 < len(changes) else None
        if end is None:
            end = begin if change.code in ("done", "fatal", "call_ended") else max(begin, now)
        rows.append(
            {
                "step": f"{index + 1}. {change.code}",
                "status": change.code,
                "words": status_words(change.code),
                "sub_code": change.sub_code or "",
                "phase": _PHASE.get(change.code, "other"),
                "begin": _wall(begin, tz),
                "end": _wall(end, tz),
            }
        )
    return pd.DataFrame(
        rows, columns=["step", "status", "words", "sub_code", "phase", "begin", "end"]
    )


def timeline_chart(frame: pd.DataFrame) -> alt.Chart:
    order = list(frame["step"])
    return (
        alt.Chart(frame)
        .mark_bar(size=14, cornerRadius=2)
        .encode(
            x=alt.X("begin:T", title=None, axis=alt.Axis(format="%H:%M")),
            x2="end:T",
            y=alt.Y("step:N", sort=order, title=None),
            color=alt.Color(
                "phase:N",
                scale=alt.Scale(domain=list(_COLOURS), range=list(_COLOURS.values())),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("words:N", title="Status"),
                alt.Tooltip("sub_code:N", title="Sub code"),
                alt.Tooltip("begin:T", title="From", format="%H:%M:%S"),
                alt.Tooltip("end:T", title="To", format="%H:%M:%S"),
            ],
        )
        .properties(height=max(80, 26 * len(frame)))
    )
