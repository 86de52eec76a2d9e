"""Where Recall's own ``will_record`` differs from the rules the preview is built on.

A preview is only as good as the rules; when Recall already decides some of this user's meetings
differently, the preview says so first, with the likely cause of each gap, so nobody reads a
forecast the live system contradicts as certain.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from lib.autorecord.consistency import CAUSE_LABELS
from lib.ui.text import plain

_ON_OFF = {True: "records", False: "no bot"}


def disagreement_rows(table: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """The disagreeing meetings of an account table, as the preview lists them."""
    rows = table[table["mismatch"].astype(bool)]
    start = pd.to_datetime(rows["start"], utc=True).dt.tz_convert(zone)
    return pd.DataFrame(
        {
            "start": start,
            "title": rows["title"],
            "recall": rows["recall_will_record"].map(_ON_OFF),
            "rules": rows["engine_record"].map(_ON_OFF),
            "likely cause": rows["mismatch_cause"],
        }
    )


def render_disagreements(table: pd.DataFrame, zone: ZoneInfo) -> None:
    """A warning with the count and an expander listing each gap and its likely cause."""
    rows = disagreement_rows(table, zone)
    if rows.empty:
        return
    count = len(rows)
    noun = "meeting" if count == 1 else "meetings"
    kinds = table.loc[table["mismatch"].astype(bool), "mismatch_kind"]
    labels = kinds[kinds != ""].map(lambda kind: CAUSE_LABELS.get(kind, kind))
    top = labels.value_counts().index[0] if not labels.empty else ""
    st.warning(
        f"Recall already decides {count} of this user's {noun} differently from the rules this "
        "preview uses, so read the preview with care. "
        + (f"Most common likely cause: {plain(top)}." if top else ""),
        icon=":material/rule:",
    )
    with st.expander(f"Where Recall and the rules disagree ({count})"):
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            column_config={
                "start": st.column_config.DatetimeColumn("Start", format="ddd D MMM HH:mm"),
                "likely cause": st.column_config.TextColumn("Likely cause", width="large"),
            },
        )
