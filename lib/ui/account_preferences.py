"""The Preferences tab: the six recording preferences and the bot name, a preset to start from,
the diff and its effect on upcoming meetings, and a save with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from lib.account_view import preference_effect, preferences_label
from lib.actions import (
    EDITABLE_PREFERENCES,
    ActionError,
    ConflictError,
    WriteFailedError,
    preference_diff,
)
from lib.autorecord import PREFERENCE_KEYS, PRESETS
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.staff import Action
from lib.ui.account_flash import set_flash
from lib.ui.context import PageContext
from lib.ui.data import refresh_account
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


def _preset_key(user_id: str, generation: int) -> str:
    return f"prefs-preset-{user_id}-{generation}"


def _bot_name_key(user_id: str, generation: int) -> str:
    return f"prefs-bot-name-{user_id}-{generation}"


def _basis_key(user_id: str, generation: int) -> str:
    return f"prefs-basis-{user_id}-{generation}"


def _edits(user_id: str, generation: int, basis: Mapping[str, Any]) -> dict[str, Any]:
    """What staff changed in this editor generation: a preset, cells of the "new" column and
    the bot name. Only the "new" column of known rows counts: the editor does not enforce
    disabled columns, so anything else in its state is ignored."""
    edits: dict[str, Any] = {}
    preset = st.session_state.get(_preset_key(user_id, generation)) or KEEP
    if preset in PRESETS:
        edits.update(PRESETS[preset])
    state = st.session_state.get(_editor_key(user_id, preset, generation)) or {}
    for position, change in state.get("edited_rows", {}).items():
        try:
            row = int(position)
        except (TypeError, ValueError):
            continue
        new = change.get("new") if isinstance(change, Mapping) else None
        if 0 <= row < len(PREFERENCE_KEYS) and isinstance(new, bool):
            edits[PREFERENCE_KEYS[row]] = new
    # The text box keeps what it was created with even when Recall's name changes, so only a
    # name that differs from that is an edit.
    name = st.session_state.get(_bot_name_key(user_id, generation))
    if isinstance(name, str) and name != (basis.get("bot_name") or ""):
        edits["bot_name"] = name
    return edits


def _generation(user_id: str, fresh: Mapping[str, Any]) -> int:
    """The editor generation to draw. Each remembers the values its edits started from (its
    basis); a new one starts when Recall's values changed while nothing was being edited."""
    generation = st.session_state.get(f"prefs-generation-{user_id}", 0)
    basis = st.session_state.get(_basis_key(user_id, generation))
    if basis is not None and basis != fresh:
        edits = _edits(user_id, generation, basis)
        if not any(basis.get(k) != v for k, v in edits.items() if k in EDITABLE_PREFERENCES):
            st.session_state.pop(_basis_key(user_id, generation), None)
            generation += 1
            st.session_state[f"prefs-generation-{user_id}"] = generation
            basis = None
    if basis is None:
        st.session_state[_basis_key(user_id, generation)] = dict(fresh)
    return generation


def _rebase(user_id: str, generation: int, values: Mapping[str, Any]) -> None:
    """Measure the pending edits against these values Recall now holds."""
    key = _basis_key(user_id, generation)
    st.session_state[key] = {**st.session_state.get(key, {}), **values}


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
    loaded = {**current, "bot_name": user.preferences.bot_name}
    generation = _generation(user_id, loaded)
    basis = st.session_state[_basis_key(user_id, generation)]
    preset = KEEP
    if can_edit:
        preset = st.selectbox(
            "Start from a documented preset",
            [KEEP, *PRESETS],
            key=_preset_key(user_id, generation),
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
        disabled=["_index", "meaning", "current"] if can_edit else True,
        column_config={
            "_index": st.column_config.TextColumn("Preference"),
            "meaning": st.column_config.TextColumn("What it does", width="large"),
            "current": st.column_config.CheckboxColumn("Now"),
            "new": st.column_config.CheckboxColumn("New" if can_edit else "New (read-only)"),
        },
        width="stretch",
        num_rows="fixed",
    )
    st.text_input(
        "Bot name",
        value=user.preferences.bot_name or "",
        max_chars=100,
        disabled=not can_edit,
        key=_bot_name_key(user_id, generation),
        help="Shown in the meeting; a change can take a few minutes to reach scheduled bots.",
    )
    if not can_edit:
        st.caption("Your role can read preferences but not change them.")
        return

    edits = _edits(user_id, generation, basis)
    wanted = {**loaded, **edits}
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
            # The edited fields are compared with the values the edits started from, not with
            # a snapshot someone else's save has refreshed since: their change is then a
            # conflict here, never silently overwritten.
            started_from = {**loaded, **{k: basis.get(k) for k in edits}}
            try:
                ctx.actions().update_preferences(
                    user_id, loaded=started_from, wanted=wanted, reason=reason, ticket=ticket
                )
            except ConflictError as exc:
                refresh_account(ctx.backend, user_id)
                # The edit stays, now measured against Recall's value: saving it again is a
                # decision taken with the other change in view.
                _rebase(user_id, generation, {c.field: c.current for c in exc.conflicts})
                st.error(plain(exc.message, limit=None), icon=":material/sync_problem:")
                return
            except WriteFailedError as exc:
                # The write may have reached Recall before it failed: show what Recall holds,
                # and keep pending only what it does not hold yet.
                refresh_account(ctx.backend, user_id)
                if isinstance(exc.current, Mapping):
                    _rebase(
                        user_id,
                        generation,
                        {k: exc.current[k] for k in edits if k in exc.current},
                    )
                set_flash(
                    f"The preferences were not saved as asked. {exc.message} This page shows "
                    "what Recall holds now.",
                    warning=True,
                )
                st.rerun()
            except ActionError as exc:
                st.error(plain(exc.message, limit=None), icon=":material/error:")
                return
            refresh_account(ctx.backend, user_id)
            st.session_state[f"prefs-generation-{user_id}"] = generation + 1
            set_flash(
                f"Preferences saved: {starts} upcoming meeting(s) start being recorded, "
                f"{stops} stop."
            )
            st.rerun()


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "—" if value is None else str(value)
