"""The candidate recording preferences of the preview page: a preset, or the six toggles.

Choosing a preset sets the toggles; changing a toggle shows the preset it now matches (or
"Custom"). The values live in session state under named keys and persist across pages, so a
preview set up, left and reopened is still there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from lib.autorecord import (
    BASE_PREFERENCES,
    FILTER_PREFERENCES,
    PRESETS,
    Preferences,
    preset_name,
    read_preferences,
)
from lib.ui.state import SK_PREVIEW_FLAG_PREFIX, SK_PREVIEW_PRESET

CUSTOM = "Custom"
DEFAULT_PRESET = "record all"

FLAG_LABELS: dict[str, str] = {
    "record_non_host": "Meetings someone else hosts",
    "record_external": "Meetings with external attendees",
    "record_internal": "Internal meetings",
    "record_recurring": "Recurring meetings",
    "record_confirmed": "Only meetings they accepted",
    "record_only_host": "Only meetings they host",
}
FLAG_HELP: dict[str, str] = {
    "record_non_host": "`record_non_host`: meetings the connected account does not host.",
    "record_external": "`record_external`: meetings with an attendee outside the organizer's "
    "domain.",
    "record_internal": "`record_internal`: meetings with no external attendee.",
    "record_recurring": "`record_recurring`: meetings that are part of a series.",
    "record_confirmed": "`record_confirmed`: narrows the above to meetings the connected account "
    "accepted (or hosts).",
    "record_only_host": "`record_only_host`: narrows the above to meetings the connected account "
    "hosts.",
}


def flag_key(name: str) -> str:
    return f"{SK_PREVIEW_FLAG_PREFIX}{name}"


def _set_flags(flags: Mapping[str, bool]) -> None:
    for name, value in flags.items():
        st.session_state[flag_key(name)] = bool(value)


def _current_flags() -> dict[str, bool]:
    return {
        name: bool(st.session_state.get(flag_key(name), False))
        for name in (*BASE_PREFERENCES, *FILTER_PREFERENCES)
    }


def _on_preset() -> None:
    chosen = st.session_state.get(SK_PREVIEW_PRESET)
    if chosen in PRESETS:
        _set_flags(PRESETS[chosen])


def _on_flag() -> None:
    st.session_state[SK_PREVIEW_PRESET] = preset_name(_current_flags()) or CUSTOM


def load_preferences(preferences: Mapping[str, Any] | Preferences | None) -> None:
    """Callback: make ``preferences`` (e.g. a user's current ones) the candidate."""
    flags = read_preferences(preferences).as_dict()
    _set_flags(flags)
    st.session_state[SK_PREVIEW_PRESET] = preset_name(flags) or CUSTOM


def _ensure_defaults() -> None:
    if SK_PREVIEW_PRESET not in st.session_state:
        st.session_state[SK_PREVIEW_PRESET] = DEFAULT_PRESET
        _set_flags(PRESETS[DEFAULT_PRESET])
    for name in (*BASE_PREFERENCES, *FILTER_PREFERENCES):
        st.session_state.setdefault(flag_key(name), False)


def candidate_picker() -> Preferences:
    """Draw the picker and return the candidate preferences it shows."""
    _ensure_defaults()
    with st.container(border=True):
        head, preset = st.columns([3, 2], vertical_alignment="bottom")
        head.markdown("**Candidate preferences**")
        head.caption(
            "What the preview compares each user's current preferences with. A meeting is "
            "recorded when any ticked kind selects it and every ticked filter passes."
        )
        preset.selectbox(
            "Preset",
            [*PRESETS, CUSTOM],
            key=SK_PREVIEW_PRESET,
            on_change=_on_preset,
            help="Recall's documented presets. Changing a toggle below makes it custom.",
            persist_state="session",
        )
        left, right = st.columns(2)
        left.caption("Record…")
        for name in BASE_PREFERENCES:
            left.toggle(
                FLAG_LABELS[name],
                key=flag_key(name),
                help=FLAG_HELP[name],
                on_change=_on_flag,
                persist_state="session",
            )
        right.caption("…but only")
        for name in FILTER_PREFERENCES:
            right.toggle(
                FLAG_LABELS[name],
                key=flag_key(name),
                help=FLAG_HELP[name],
                on_change=_on_flag,
                persist_state="session",
            )
    return read_preferences(_current_flags())


def describe(preferences: Preferences) -> str:
    """A short name for a set of preferences: the preset's name, or the flags that are on."""
    name = preset_name(preferences)
    if name:
        return f"“{name}”"
    enabled = [*preferences.enabled_base, *preferences.enabled_filters]
    return ", ".join(enabled) if enabled else "nothing on"
