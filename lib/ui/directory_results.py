"""The page of matching users: page buttons, the table, and picking a row to open."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib.directory import DirectoryQuery, ResultPage, results_table
from lib.ui.directory_search import open_account, page_key, table_key
from lib.ui.text import code

KEY_DIR_OPEN_SELECTED = "directory.open_selected"
# Rows visible before the table scrolls; Streamlit's default row height is 35 px.
VISIBLE_ROWS = 20
ROW_PX = 35

RESULT_COLUMNS = {
    "user_id": st.column_config.TextColumn("User id", pinned=True, width=120),
    "google": st.column_config.TextColumn("Google calendar", width=250),
    "microsoft": st.column_config.TextColumn("Microsoft calendar", width=250),
    "preferences": st.column_config.TextColumn("Preferences", width=160),
    "bot_name": st.column_config.TextColumn("Bot name", width=160),
    "duplicate_of": st.column_config.TextColumn(
        "Same email as",
        help="Other user ids connected with the same calendar email: likely the same person, "
        "and the documented cause of two bots joining one call.",
        width="medium",
    ),
}


def table_height(rows: int) -> int:
    """Tall enough for ``VISIBLE_ROWS`` rows plus the header, then the table scrolls."""
    return (min(rows, VISIBLE_ROWS) + 1) * ROW_PX + 3


def render_page_nav(result: ResultPage, query: DirectoryQuery, *, locked: bool) -> None:
    """Which rows are shown and the page buttons; above the tabs, so both tabs page alike."""
    if not result.total:
        return
    left, right = st.columns([1, 2], vertical_alignment="center")
    left.caption(f"{result.label} users")
    if result.pages > 1:
        with right:
            st.pagination(
                result.pages,
                default=result.page,
                key=page_key(query),
                disabled=locked,
                max_visible_pages=7,
                width="stretch",
            )


def render_results(result: ResultPage, query: DirectoryQuery) -> str:
    """The results table with single-row selection and an Open button for the picked user;
    returns the picked user id ("" when none)."""
    if not result.total:
        st.info(
            "No users match. Clear the search or the filters to see everyone.",
            icon=":material/search_off:",
        )
        return ""
    table = results_table(result.rows)
    flagged = table["duplicate_of"] != ""
    table.loc[flagged, "duplicate_of"] = "⚠ " + table.loc[flagged, "duplicate_of"]
    event = st.dataframe(
        table,
        key=table_key(replace(query, page=result.page)),
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_config=RESULT_COLUMNS,
        width="stretch",
        height=table_height(len(table)),
    )
    picked = [row for row in event.selection.rows if 0 <= row < len(table)]
    uid = str(table["user_id"].iloc[picked[0]]) if picked else ""
    if not uid:
        st.caption("Pick a row to open that user's account.")
        return ""
    if st.button(
        f"Open {code(uid)}",
        key=KEY_DIR_OPEN_SELECTED,
        type="primary",
        icon=":material/open_in_new:",
    ):
        open_account(uid)
    return uid
