"""Preferences of the current page of users side by side; editors change them here.

Edits are read from the editor's state and whitelisted (``lib/ui/directory_edits.py``), shown
as a diff, and written only on Save, with a reason, one user at a time through the action layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from lib.directory import rows_for
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.data import refresh_directory
from lib.ui.directory_edits import (
    FLAG_HELP,
    FLAG_LABELS,
    CollectedEdits,
    SaveReport,
    UserEdit,
    collect_edits,
    diff_rows,
    has_edits,
    preferences_table,
    save_edits,
)
from lib.ui.directory_results import table_height
from lib.ui.directory_search import notify
from lib.ui.state import (
    SK_DIR_EDIT_BASIS,
    SK_DIR_EDITOR,
    SK_DIR_EDITOR_GENERATION,
    SK_DIR_EDITOR_ROWS,
    SK_DIR_PREFS_REASON,
    SK_DIR_PREFS_TICKET,
)
from lib.ui.text import code, plain
from lib.viewas import ReasonError, clean_reason

KEY_DIR_SAVE = "directory.prefs_save"
KEY_DIR_DISCARD = "directory.prefs_discard"


def editor_key(generation: int | None = None) -> str:
    """The editor's widget key; a new generation is a fresh editor (how edits are discarded,
    since an editor's state cannot be set from code)."""
    if generation is None:
        generation = int(st.session_state.get(SK_DIR_EDITOR_GENERATION, 0))
    return f"{SK_DIR_EDITOR}.{generation}"


def _basis() -> dict[str, dict[str, Any]]:
    """This editor's record of the values each user's edit was made against."""
    generation = int(st.session_state.get(SK_DIR_EDITOR_GENERATION, 0))
    return st.session_state.setdefault(f"{SK_DIR_EDIT_BASIS}.{generation}", {})


def _remember_basis(edits: Sequence[UserEdit]) -> None:
    """Keep the values each user's edit was made against, until the edit is gone."""
    basis = _basis()
    for edit in edits:
        basis.setdefault(edit.user_id, dict(edit.loaded))
    for user_id in [u for u in basis if u not in {e.user_id for e in edits}]:
        basis.pop(user_id)


def _against_basis(edits: Sequence[UserEdit]) -> tuple[UserEdit, ...]:
    """Each edit compared with the values shown when it was made, not with a list another
    session's save has reloaded since: that change is then a conflict, never overwritten."""
    basis = _basis()
    return tuple(
        replace(
            edit, loaded={**edit.loaded, **{k: basis[edit.user_id].get(k) for k in edit.wanted}}
        )
        if edit.user_id in basis
        else edit
        for edit in edits
    )


def _reason_key(name: str) -> str:
    return f"{name}.{st.session_state.get(SK_DIR_EDITOR_GENERATION, 0)}"


def _column_config() -> dict[str, object]:
    config: dict[str, object] = {
        "_index": st.column_config.TextColumn("User id", pinned=True, width=110),
        "preferences": st.column_config.TextColumn(
            "Loaded preset",
            help="The preset these flags matched when the list was loaded.",
            width=150,
        ),
        "bot_name": st.column_config.TextColumn(
            "Bot name", max_chars=100, validate=r"\S", width="medium"
        ),
    }
    for flag, label in FLAG_LABELS.items():
        config[flag] = st.column_config.CheckboxColumn(label, help=FLAG_HELP[flag], width=85)
    return config


def pending_edits(ctx: PageContext, frame: pd.DataFrame) -> CollectedEdits:
    """Unsaved edits from the last run, before the page's controls are drawn (they are locked
    while edits are pending). Viewers have no editor, so their state is never read."""
    if not ctx.can(Action.CHANGE_PREFERENCES):
        return CollectedEdits()
    state = st.session_state.get(editor_key())
    ids = st.session_state.get(SK_DIR_EDITOR_ROWS)
    if not has_edits(state) or not ids:
        return CollectedEdits()
    rows = rows_for(frame, list(ids))
    if rows is None:
        return CollectedEdits()
    return collect_edits(preferences_table(rows), state)


def render_preferences(ctx: PageContext, rows: pd.DataFrame) -> None:
    """The side-by-side table over ``rows`` (the current page of results)."""
    if rows.empty:
        st.info("No users on this page.", icon=":material/search_off:")
        return
    table = preferences_table(rows)
    if not ctx.can(Action.CHANGE_PREFERENCES):
        st.caption(
            "Read-only: your role can compare preferences but not change them. "
            "Ask an editor to change a user's preferences."
        )
        st.dataframe(
            table,
            column_config=_column_config(),
            width="stretch",
            height=table_height(len(table)),
        )
        return
    st.caption(
        "Tick or untick flags and edit bot names for the users on this page. Nothing is "
        "written until you press Save with a reason; each user is saved on their own."
    )
    key = editor_key()
    try:
        st.data_editor(
            table,
            key=key,
            num_rows="fixed",
            disabled=["preferences"],
            column_config=_column_config(),
            column_order=["preferences", *FLAG_LABELS, "bot_name"],
            width="stretch",
            height=table_height(len(table)),
        )
    except (KeyError, IndexError, ValueError, TypeError):
        # Streamlit applies the edit state before drawing, and a crafted state naming a column
        # or row the table does not have makes that fail; start a fresh editor instead.
        _new_editor()
        notify(
            "warning",
            "The table's edits did not match its columns, so they were discarded and nothing "
            "was saved.",
        )
        st.rerun()
    st.session_state[SK_DIR_EDITOR_ROWS] = tuple(table.index)
    collected = collect_edits(table, st.session_state.get(key))
    _remember_basis(collected.edits)
    for message in collected.ignored:
        st.warning(plain(message), icon=":material/block:")
    if not collected.edits:
        if has_edits(st.session_state.get(key)):
            _discard_button()
        return
    _render_save(ctx, collected)


def _discard_button() -> None:
    if st.button("Discard edits", key=KEY_DIR_DISCARD, icon=":material/undo:"):
        _new_editor()
        st.rerun()


def _new_editor() -> None:
    st.session_state[SK_DIR_EDITOR_GENERATION] = (
        int(st.session_state.get(SK_DIR_EDITOR_GENERATION, 0)) + 1
    )


def _render_save(ctx: PageContext, collected: CollectedEdits) -> None:
    count = len(collected.edits)
    with st.container(border=True):
        st.markdown(f"**Unsaved changes for {count} user{'s' if count != 1 else ''}**")
        st.dataframe(
            diff_rows(collected.edits),
            hide_index=True,
            width="stretch",
            column_config={
                "user_id": st.column_config.TextColumn("User id"),
                "field": st.column_config.TextColumn("Preference"),
                "before": st.column_config.TextColumn("Now"),
                "after": st.column_config.TextColumn("After saving"),
            },
        )
        left, right = st.columns([3, 1])
        reason = left.text_input(
            "Reason (goes on the audit record)",
            key=_reason_key(SK_DIR_PREFS_REASON),
            placeholder="e.g. Customer asked to stop recording internal meetings (ticket 123)",
        )
        ticket = right.text_input("Ticket (optional)", key=_reason_key(SK_DIR_PREFS_TICKET))
        buttons = st.columns([1, 1, 3])
        save = buttons[0].button(
            f"Save {count} user{'s' if count != 1 else ''}",
            key=KEY_DIR_SAVE,
            type="primary",
            icon=":material/save:",
        )
        with buttons[1]:
            _discard_button()
        if not save:
            return
        try:
            clean_reason(reason, ticket)
        except ReasonError as exc:
            st.error(plain(str(exc)), icon=":material/edit_note:")
            return
        bar = st.progress(0.0, text="Saving…")

        def progress(done: int, user_id: str) -> None:
            text = f"Saving {user_id} ({done + 1} of {count})…" if user_id else "Saved."
            bar.progress(done / count, text=text)

        report = save_edits(
            ctx.actions(),
            _against_basis(collected.edits),
            reason=reason,
            ticket=ticket or None,
            progress=progress,
        )
    _finish(report)


def _finish(report: SaveReport) -> None:
    if report.applied or report.conflicts:
        # The list now differs from Recall; reload it so the table shows what was saved and
        # a conflicting edit is compared with the value Recall holds now.
        refresh_directory()
        for user_id in report.conflicts:
            _basis().pop(user_id, None)
    if report.applied:
        listed = ", ".join(code(uid) for uid in report.applied[:10])
        more = f" and {len(report.applied) - 10} more" if len(report.applied) > 10 else ""
        notify("success", f"Saved preferences for {listed}{plain(more)}.")
    for uid, message in report.conflicts.items():
        notify("warning", f"{code(uid)} was not changed: {plain(message, limit=None)}")
    for uid, message in report.failures.items():
        notify("error", f"{code(uid)} was not changed: {plain(message, limit=None)}")
    if report.stopped:
        notify("error", f"Nothing more was saved: {plain(report.stopped, limit=None)}")
    if not (report.conflicts or report.failures or report.stopped):
        # Everything was applied: start a fresh editor. Otherwise the edits stay, so the ones
        # that did not apply can be reviewed against the reloaded values and saved again.
        _new_editor()
    st.rerun()
