"""On the bot preset page, name the field a bot's fix pointed to (``?field=`` in the link)."""

from __future__ import annotations

import streamlit as st

from lib.bots.codes import AUTOMATIC_LEAVE_DEFAULTS, SUB_CODES
from lib.ui.text import code

# Only fields the sub-code table names: the query parameter is never echoed otherwise.
PRESET_FIELDS: frozenset[str] = frozenset(
    info.preset_field for info in SUB_CODES.values() if info.preset_field
)


def render_preset_field_hint() -> None:
    field = st.query_params.get("field")
    if field not in PRESET_FIELDS:
        return
    leaf = field.removeprefix("automatic_leave.")
    default = AUTOMATIC_LEAVE_DEFAULTS.get(leaf) if field.startswith("automatic_leave.") else None
    since = f" Recall's default is {default} s." if default is not None else ""
    st.info(
        f"A bot's outcome points to {code(field)} in this preset.{since} Change it in the editor "
        "below, save a version, and send it to Recall: Recall applies preset changes on request.",
        icon=":material/tune:",
    )
