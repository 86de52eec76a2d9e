"""The Preferences tab: the six recording preferences and the bot name, a preset to start from,
the diff and its effect on upcoming meetings, and a save with a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from lib.account_view import preference_effect, preferences_label
from lib.actions import ActionError, ConflictError, preference_diff
from lib.autorecord import PREFERENCE_KEYS, PRESETS
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.staff import Action
from lib.ui.context import PageContext
from lib.ui.data import refresh_account
from lib.ui.state import SK_ACCOUNT_FLASH
from lib.ui.text import plain

MEANINGS: dict[str, str] = {
    "record_non_host": "Record meetings the user does not host",
    "record_external": "Record meetings with someone from another email domain",
    "record_internal": "Record meetings where everyone is from the host's domain",
    "record_recurring": "Record recurring meetings",
    "record_confirmed": "Filter: only meetings the user has accepted",
    "record_only_host": "Filter: only meetings the user hosts",
}
KEEP = "(keep current values)"


def _editor_key(user_id: str, preset: str, generation: int) -> str:
    return f"prefs-editor-{user_id}-{preset}-{generation}"


def render_preferences(
    ctx: PageContext, user: CalendarUser, meetings: tuple[CalendarMeeting, ...]
) -> None:
    user_id = user.external_id or ""
    current: dict[str, Any] = user.preferences.flags()
    st.caption(
        "The four “Record …” preferences add meetings (any one that matches is enough); the two "
        "filters then keep only accepted or hosted ones. Nothing on means nothing is recorded. "
        f"Current combination: **{plain(preferences_label(current))}**."
    )
    can_edit = ctx.can(Action.CHANGE_PREFERENCES)
    generation = st.session_state.get(f"prefs-generation-{user_id}", 0)
    preset = KEEP
    if can_edit:
        preset = st.selectbox(
            "Start from a documented preset",
            [KEEP, *PRESETS],
            key=f"prefs-preset-{user_id}-{generation}",
        )
    base = dict(current) if preset == KEEP else dict(PRESETS[preset])
    frame = pd.DataFrame(
        {
            "meaning": [MEANINGS[k] for k in PREFERENCE_KEYS],
            "current": [bool(current.get(k)) for k in PREFERENCE_KEYS],
            "new": [bool(base.get(k)) for k in PREFERENCE_KEYS],
        },
        index=pd.Index(list(PREFERENCE_KEYS), name="preference"),
    )
    key = _editor_key(user_id, preset, generation)
    st.data_editor(
        frame,
        key=key,
        disabled=["meaning", "current"] if can_edit else True,
        column_config={
            "meaning": st.column_config.TextColumn("What it does", width="large"),
            "current": st.column_config.CheckboxColumn("Now"),
            "new": st.column_config.CheckboxColumn("New" if can_edit else "New (read-only)"),
        },
        width="stretch",
        num_rows="fixed",
    )
    bot_name = st.text_input(
        "Bot name",
        value=user.preferences.bot_name or "",
        max_chars=100,
        disabled=not can_edit,
        key=f"prefs-bot-name-{user_id}-{generation}",
        help="Shown in the meeting; a change can take a few minutes to reach scheduled bots.",
    )
    if not can_edit:
        st.caption("Your role can read preferences but not change them.")
        return

    wanted = dict(base)
    # Only the "new" column of known preference rows counts: the editor does not enforce
    # disabled columns, so anything else in its state is ignored.
    for position, edits in st.session_state.get(key, {}).get("edited_rows", {}).items():
        try:
            row = int(position)
        except (TypeError, ValueError):
            continue
        if 0 <= row < len(PREFERENCE_KEYS) and isinstance(edits.get("new"), bool):
            wanted[PREFERENCE_KEYS[row]] = edits["new"]
    wanted["bot_name"] = bot_name
    loaded = {**current, "bot_name": user.preferences.bot_name}
    diff = preference_diff(loaded, wanted)
    if not diff:
        return
    now = datetime.now(UTC)
    flags = {k: wanted[k] for k in PREFERENCE_KEYS}
    starts, stops, changed = preference_effect(user, meetings, flags, now=now)
    with st.container(border=True):
        st.markdown("**Change to save**")
        st.dataframe(
            pd.DataFrame(
                [
                    {"Preference": k, "Now": _show(old), "New": _show(new)}
                    for k, (old, new) in diff.items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.markdown(
            f"Effect on upcoming meetings: **{starts}** start being recorded, "
            f"**{stops}** stop (overrides still win)."
        )
        if not changed.empty:
            with st.expander(f"{len(changed)} meeting(s) that change"):
                st.dataframe(changed, hide_index=True, width="stretch")
        with st.form("save-preferences", border=False):
            reason = st.text_input("Reason", max_chars=500, key="prefs-reason")
            ticket = st.text_input("Ticket (optional)", max_chars=100, key="prefs-ticket")
            left, right = st.columns(2)
            save = left.form_submit_button("Save preferences", type="primary")
            discard = right.form_submit_button("Discard changes")
        if discard:
            st.session_state[f"prefs-generation-{user_id}"] = generation + 1
            st.rerun()
        if save:
            try:
                ctx.actions().update_preferences(
                    user_id, loaded=loaded, wanted=wanted, reason=reason, ticket=ticket
                )
            except ConflictError as exc:
                refresh_account(ctx.backend, user_id)
                st.error(plain(exc.message, limit=None), icon=":material/sync_problem:")
                return
            except ActionError as exc:
                st.error(plain(exc.message, limit=None), icon=":material/error:")
                return
            refresh_account(ctx.backend, user_id)
            st.session_state[f"prefs-generation-{user_id}"] = generation + 1
            st.session_state[SK_ACCOUNT_FLASH] = (
                f"Preferences saved: {starts} upcoming meeting(s) start being recorded, "
                f"{stops} stop."
            )
            st.rerun()


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "—" if value is None else str(value)
