"""The bottom half of the presets screen: saved versions, comparisons, and export for Recall."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib.presets import PresetParseError, canonical_json, summarize
from lib.presets.versions import Version, diff_texts, export_file_name, recall_message
from lib.ui.presets.callbacks import on_download, on_mark_sent, on_open_version, on_show_message
from lib.ui.presets.screen import PresetScreen
from lib.ui.presets.session import show_notice
from lib.ui.presets.view import (
    local_time,
    render_diff,
    shorten_for_screen,
    version_choice_label,
    versions_frame,
)
from lib.ui.state import (
    KEY_PRESET_DOWNLOAD,
    KEY_PRESET_MARK_SENT,
    KEY_PRESET_OPEN_VERSION,
    KEY_PRESET_SHOW_MESSAGE,
    SK_PRESET_DIFF_FROM,
    SK_PRESET_DIFF_TO,
    SK_PRESET_EXPORT_VERSION,
    SK_PRESET_MESSAGE_FOR,
    SK_PRESET_SELECTED,
    SK_PRESET_SENT_ON,
    SK_PRESET_TAB,
)
from lib.ui.text import code, plain

TAB_VERSIONS, TAB_COMPARE, TAB_EXPORT = "Versions", "Compare", "Export for Recall"
EDITOR_TEXT = 0  # the "version" number that stands for the editor text in the diff pickers


def render_tabs(screen: PresetScreen, text: str) -> None:
    """Tracked tabs: the open tab survives reruns (a download, a save), and hidden tabs do no
    work."""
    versions_tab, compare_tab, export_tab = st.tabs(
        [TAB_VERSIONS, TAB_COMPARE, TAB_EXPORT], key=SK_PRESET_TAB, on_change="rerun"
    )
    with versions_tab:
        if versions_tab.open:
            _versions_tab(screen)
    with compare_tab:
        if compare_tab.open:
            _compare_tab(screen, text)
    with export_tab:
        if export_tab.open:
            _export_tab(screen)


def _versions_tab(screen: PresetScreen) -> None:
    versions, by_number, can_manage = screen.versions, screen.by_number, screen.can_manage
    if not versions:
        st.info(
            "No versions saved yet. Validate a preset above and save it with a note."
            if can_manage
            else "No versions saved yet; an admin saves them from this page.",
            icon=":material/inventory_2:",
        )
        return
    what = "see it, open it in the editor or mark it sent" if can_manage else "see it or open it"
    st.caption(f"{len(versions)} saved, newest first. Pick one to {what}.")
    st.dataframe(versions_frame(versions, screen.zone), hide_index=True, width="stretch")
    if st.session_state.get(SK_PRESET_SELECTED) not in by_number:
        st.session_state.pop(SK_PRESET_SELECTED, None)
    number = st.selectbox(
        "Version",
        list(by_number),
        format_func=lambda n: version_choice_label(by_number[n]),
        key=SK_PRESET_SELECTED,
    )
    chosen = by_number[number]
    with st.container(border=True):
        _version_details(screen, chosen)
        left, right = st.columns(2, gap="large")
        show_notice(screen.notice, "versions")
        left.button(
            "Open in editor",
            icon=":material/edit_note:",
            key=KEY_PRESET_OPEN_VERSION,
            on_click=on_open_version,
            args=(screen.desk, chosen),
            help="Loads this version into the editor above (Undo brings back your text).",
        )
        if can_manage:
            with right:
                today = dt.datetime.now(screen.zone).date()
                st.date_input(
                    "Sent to Recall on",
                    value=today,
                    max_value=today,
                    key=SK_PRESET_SENT_ON,
                    format="YYYY-MM-DD",
                )
                st.button(
                    f"Mark {chosen.label} as sent",
                    icon=":material/outgoing_mail:",
                    key=KEY_PRESET_MARK_SENT,
                    on_click=on_mark_sent,
                    args=(screen.desk, chosen.number),
                )


def _version_details(screen: PresetScreen, chosen: Version) -> None:
    st.markdown(
        f"**{chosen.label}** saved {local_time(chosen.created_at, screen.zone)} by "
        f"{plain(chosen.author)}  \nNote: {plain(chosen.note)}  \n"
        f"SHA-256: {code(chosen.content_hash)}"
    )
    if not chosen.intact:
        st.error(
            "This version's content no longer matches the hash recorded when it was "
            "saved: the database was changed outside the console. Do not send it.",
            icon=":material/gpp_bad:",
        )
    if chosen.sent:
        st.caption(
            "Sent to Recall on "
            + ", ".join(
                f"{m.sent_on.isoformat()} (marked by {plain(m.marked_by)})" for m in chosen.sent
            )
        )
    shown, cut = shorten_for_screen(chosen.content)
    with st.expander("Content", expanded=False):
        st.code(shown, language="json")
        if cut:
            st.caption("Long lines are shortened here; the export holds the whole preset.")


def _compare_side(screen: PresetScreen, number: int, text: str) -> tuple[str, str]:
    if number != EDITOR_TEXT:
        version = screen.by_number[number]
        return version.content, f"{version.label} ({version.short_hash})"
    try:
        return canonical_json(text), "editor"
    except PresetParseError:
        return text, "editor (not readable JSON, compared as typed)"


def _compare_tab(screen: PresetScreen, text: str) -> None:
    versions, by_number = screen.versions, screen.by_number
    if not versions:
        st.info("Save a version to compare it with the editor text or other versions.")
        return
    options = [*by_number, EDITOR_TEXT]

    def label(n: int) -> str:
        return "Editor text (unsaved)" if n == EDITOR_TEXT else version_choice_label(by_number[n])

    for key in (SK_PRESET_DIFF_FROM, SK_PRESET_DIFF_TO):
        if st.session_state.get(key) not in options:
            st.session_state.pop(key, None)
    left, right = st.columns(2)
    # Newest change by default: the previous version (or the editor text) to the latest.
    default_from = versions[1].number if len(versions) > 1 else EDITOR_TEXT
    start = left.selectbox(
        "From",
        options,
        index=options.index(default_from),
        format_func=label,
        key=SK_PRESET_DIFF_FROM,
    )
    end = right.selectbox("To", options, format_func=label, key=SK_PRESET_DIFF_TO)
    before, before_label = _compare_side(screen, start, text)
    after, after_label = _compare_side(screen, end, text)
    render_diff(diff_texts(before, after, before_label=before_label, after_label=after_label))


def _export_tab(screen: PresetScreen) -> None:
    by_number = screen.by_number
    if not screen.versions:
        st.info("Save a version first: exports always carry a version number and hash.")
        return
    if st.session_state.get(SK_PRESET_EXPORT_VERSION) not in by_number:
        st.session_state.pop(SK_PRESET_EXPORT_VERSION, None)
    number = st.selectbox(
        "Version to export",
        list(by_number),
        format_func=lambda n: version_choice_label(by_number[n]),
        key=SK_PRESET_EXPORT_VERSION,
    )
    exported = by_number[number]
    st.caption(
        f"Pretty JSON with sorted keys; SHA-256 {code(exported.content_hash)}. "
        "Every download and message is recorded in the audit log."
    )
    left, right = st.columns(2)
    show_notice(screen.notice, "export")
    left.download_button(
        f"Download {export_file_name(exported)}",
        data=exported.content,
        file_name=export_file_name(exported),
        mime="application/json",
        icon=":material/download:",
        key=KEY_PRESET_DOWNLOAD,
        on_click=on_download,
        args=(screen.desk, exported),
        disabled=not exported.intact,
    )
    right.button(
        "Write a message for Recall",
        icon=":material/forum:",
        key=KEY_PRESET_SHOW_MESSAGE,
        on_click=on_show_message,
        args=(screen.desk, exported),
        disabled=not exported.intact,
    )
    if st.session_state.get(SK_PRESET_MESSAGE_FOR) == (exported.number, exported.content_hash):
        st.caption("Copy it with the button at the top right of the block.")
        try:
            summary = summarize(exported.content)
        except PresetParseError:
            summary = []
        st.code(recall_message(exported, summary), language=None)
