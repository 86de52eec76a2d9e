"""The top half of the presets screen: start from a template or a file, the editor with its
buttons, and beside it the findings, the summary and the save box."""

from __future__ import annotations

import streamlit as st

from lib.presets import TEMPLATES, provider_choices
from lib.presets.versions import MAX_NOTE_CHARS
from lib.ui.presets.actions import Checked, text_fingerprint
from lib.ui.presets.callbacks import (
    EDITOR_MAX_CHARS,
    on_format,
    on_migrate,
    on_save,
    on_text_change,
    on_undo,
    on_upload,
    on_use_template,
    on_validate,
)
from lib.ui.presets.screen import PresetScreen
from lib.ui.presets.session import editor_text, keep_text, show_notice
from lib.ui.presets.view import render_check, render_migration, render_summary
from lib.ui.state import (
    KEY_PRESET_FORMAT,
    KEY_PRESET_MIGRATE,
    KEY_PRESET_SAVE,
    KEY_PRESET_UNDO,
    KEY_PRESET_USE_TEMPLATE,
    KEY_PRESET_VALIDATE,
    SK_PRESET_CHECKED,
    SK_PRESET_MIGRATION,
    SK_PRESET_NOTE,
    SK_PRESET_PROVIDER,
    SK_PRESET_TEMPLATE,
    SK_PRESET_TEXT,
    SK_PRESET_UNDO,
    SK_PRESET_UPLOAD,
    SK_PRESET_WEBHOOK_URL,
)
from lib.ui.text import plain

PLACEHOLDER = (
    '{\n  "recording_config": {\n    "transcript": {"provider": {"recallai_streaming": {}}}\n  }\n}'
)


def render_start(screen: PresetScreen) -> None:
    """Templates and uploads, open while the editor is empty."""
    with st.expander(
        "Start from a template or a file",
        expanded=not editor_text().strip(),
        icon=":material/note_add:",
    ):
        template_column, upload_column = st.columns(2, gap="large")
        with template_column:
            template_key = st.selectbox(
                "Template",
                list(TEMPLATES),
                format_func=lambda key: TEMPLATES[key].title,
                key=SK_PRESET_TEMPLATE,
            )
            template = TEMPLATES[template_key]
            st.caption(template.description)
            if "provider" in template.parameters:
                labels = dict(provider_choices())
                st.selectbox(
                    "Transcription provider",
                    list(labels),
                    format_func=lambda key: f"{labels[key]} ({key})",
                    key=SK_PRESET_PROVIDER,
                )
            if "url" in template.parameters:
                st.text_input(
                    "Webhook URL",
                    placeholder="https://example.com/recall/transcript",
                    key=SK_PRESET_WEBHOOK_URL,
                )
            st.button(
                "Use template",
                icon=":material/auto_fix_high:",
                key=KEY_PRESET_USE_TEMPLATE,
                on_click=on_use_template,
                args=(screen.desk,),
                help="Replaces the editor text (Undo brings it back).",
            )
        with upload_column:
            st.file_uploader(
                "Upload a preset (.json)",
                type=["json"],
                key=SK_PRESET_UPLOAD,
                on_change=on_upload,
                args=(screen.desk,),
                help="Loaded into the editor and validated. Saved versions open from the list "
                "below.",
            )


def render_editor(screen: PresetScreen) -> str:
    """The editor, its buttons and the findings column; returns the editor text."""
    show_notice(screen.notice, "editor")
    editor, findings_column = st.columns([3, 2], gap="large")
    with editor:
        text = _editor(screen)
    checked = st.session_state.get(SK_PRESET_CHECKED)
    checked = checked if isinstance(checked, Checked) else None
    with findings_column:
        _findings(checked, text)
        if screen.can_manage:
            _save_box(screen, checked, text)
    return text


def _editor(screen: PresetScreen) -> str:
    st.text_area(
        "Preset JSON",
        key=SK_PRESET_TEXT,
        height=520,
        placeholder=PLACEHOLDER,
        max_chars=EDITOR_MAX_CHARS,
        on_change=on_text_change,
        help="Paste the Create Bot body the preset should use, then press Validate. "
        "At most 8 MiB, the same as uploads.",
    )
    text = editor_text()
    keep_text(text)
    buttons = st.container(horizontal=True)
    buttons.button(
        "Validate",
        type="primary",
        icon=":material/rule:",
        key=KEY_PRESET_VALIDATE,
        on_click=on_validate,
        args=(screen.desk,),
    )
    buttons.button(
        "Migrate to current",
        icon=":material/upgrade:",
        key=KEY_PRESET_MIGRATE,
        on_click=on_migrate,
        args=(screen.desk,),
        help="Rewrite v1.10 fields (transcription_options, real_time_transcription, …) in the "
        "current Create Bot shape.",
    )
    buttons.button(
        "Format",
        icon=":material/format_align_left:",
        key=KEY_PRESET_FORMAT,
        on_click=on_format,
        help="Indent and sort keys, as versions and exports are stored.",
    )
    undo = st.session_state.get(SK_PRESET_UNDO)
    if undo is not None:
        buttons.button(
            "Undo",
            icon=":material/undo:",
            key=KEY_PRESET_UNDO,
            on_click=on_undo,
            help=f"Bring back the text from before {plain(undo[0], limit=100)}.",
        )
    size = len(text.encode("utf-8", errors="surrogatepass"))
    lines = text.count(chr(10)) + 1 if text else 0
    target = screen.desk.target
    against = (
        f" · checked against Create Bot {target}, which this workspace's bots use" if target else ""
    )
    st.caption(f"{size:,} bytes · {lines:,} lines{against}")
    return text


def _findings(checked: Checked | None, text: str) -> None:
    if checked is None:
        st.info(
            "Paste a preset on the left, or start from a template or a file, then press "
            "**Validate**. Errors and warnings appear here with their paths, followed by what "
            "the preset makes bots do.",
            icon=":material/rule:",
        )
        return
    render_check(checked, text, stale=not checked.is_for(text))
    migration = st.session_state.get(SK_PRESET_MIGRATION)
    if migration is not None and migration[0] == text_fingerprint(text):
        render_migration(migration[1])
    render_summary(checked.summary, has_errors=not checked.report.ok)


def _save_box(screen: PresetScreen, checked: Checked | None, text: str) -> None:
    latest = screen.latest
    current = checked is not None and checked.is_for(text)
    with st.container(border=True):
        st.markdown("**Save as a version**")
        next_label = f"v{(latest.number if latest else 0) + 1}"
        same_as_latest = (
            current
            and checked is not None
            and latest is not None
            and checked.content_hash == latest.content_hash
        )
        ready = current and checked is not None and checked.report.ok and not same_as_latest
        if same_as_latest and latest is not None:
            st.caption(f"The editor holds exactly {latest.label}; nothing to save.")
        elif not current:
            st.caption("Validate the text first; only a preset without errors can be saved.")
        elif checked is not None and not checked.report.ok:
            st.caption("Fix the errors above before saving.")
        st.text_input(
            "Note",
            key=SK_PRESET_NOTE,
            max_chars=MAX_NOTE_CHARS,
            placeholder="What changed and why (e.g. switch transcription to Deepgram)",
        )
        st.button(
            f"Save as {next_label}",
            type="primary",
            icon=":material/save:",
            key=KEY_PRESET_SAVE,
            on_click=on_save,
            args=(screen.desk,),
            disabled=not ready,
        )
