"""Rows of an account that Recall sent in a shape the console cannot read.

The rest of the account renders; this says how many rows were set aside and why, in words, and
lets an admin open each row exactly as Recall sent it behind a "Raw data" control.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st

from lib.recall.rows import UnreadableRow
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.text import code, plain


def unreadable_summary(rows: Sequence[UnreadableRow], kind: str) -> str:
    """ "1 meeting could not be read" / "3 meetings could not be read"."""
    count = len(rows)
    noun = kind if count == 1 else f"{kind}s"
    return f"{count} {noun} could not be read"


def render_unreadable(ctx: PageContext, rows: Sequence[UnreadableRow], kind: str) -> None:
    """A warning naming each unreadable row and its reason; admins also get the raw JSON."""
    if not rows:
        return
    reasons = "\n".join(f"- {plain(row.label())}: {plain(row.reason)}" for row in rows[:20])
    more = f"\n- and {len(rows) - 20} more" if len(rows) > 20 else ""
    st.warning(
        f"{unreadable_summary(rows, kind)}: Recall sent it in a shape the console does not "
        f"understand, so it is left out below; everything else is shown.\n\n{reasons}{more}",
        icon=":material/report:",
    )
    if ctx.can(Action.VIEW_RAW_DATA):
        with st.expander("Raw data", icon=":material/data_object:"):
            for index, row in enumerate(rows[:20]):
                named = f" · id {code(row.id)}" if row.id else ""
                st.caption(f"{plain(row.label())}{named}")
                # A bare string would be taken for JSON text: serialise anything not a container.
                raw = row.raw if isinstance(row.raw, dict | list) else json.dumps(row.raw)
                st.json(raw, expanded=False)
                if index < len(rows[:20]) - 1:
                    st.divider()
    else:
        st.caption("An admin can open the raw data Recall sent for it.")
