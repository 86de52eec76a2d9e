"""What each control on the presets screen does. Every change to the editor text comes from an
explicit action (a template, a file, a saved version, Migrate, Format), and each keeps the text
it replaced for one Undo, so no edit is lost."""

from __future__ import annotations

import dataclasses

import streamlit as st

from lib.presets import (
    MAX_DOCUMENT_BYTES,
    TEMPLATES,
    PresetParseError,
    canonical_json,
    migrate_with_report,
)
from lib.presets.versions import Version
from lib.ui.presets.actions import Checked, PresetActions, read_upload, text_fingerprint
from lib.ui.presets.session import editor_text, guarded, kept_text, notice, replace_text
from lib.ui.state import (
    SK_PRESET_CHECKED,
    SK_PRESET_EXPORT_VERSION,
    SK_PRESET_MESSAGE_FOR,
    SK_PRESET_MIGRATION,
    SK_PRESET_NOTE,
    SK_PRESET_PROVIDER,
    SK_PRESET_SELECTED,
    SK_PRESET_SENT_ON,
    SK_PRESET_TEMPLATE,
    SK_PRESET_TEXT,
    SK_PRESET_UNDO,
    SK_PRESET_UPLOAD,
    SK_PRESET_WEBHOOK_URL,
)

# The browser's own limit on the editor, one character over the upload limit: a text that
# reaches it was cut short by the browser or by Streamlit, so it is over the limit either way.
EDITOR_MAX_CHARS = MAX_DOCUMENT_BYTES + 1


def over_size_limit(text: str) -> int | None:
    """The text's size in bytes when the editor must refuse it, else ``None``."""
    if len(text) < EDITOR_MAX_CHARS and len(text) * 4 <= MAX_DOCUMENT_BYTES:
        return None  # cheap: too few characters to be too many bytes
    size = len(text.encode("utf-8", errors="surrogatepass"))
    return size if size > MAX_DOCUMENT_BYTES else None


def on_text_change() -> None:
    """Refuse an editor text over the upload limit, on the server, whatever the browser sent:
    the text from before comes back, so the oversized one is not resent with every click."""
    text = editor_text()
    size = over_size_limit(text)
    if size is None:
        return
    st.session_state[SK_PRESET_TEXT] = kept_text()
    limit = MAX_DOCUMENT_BYTES // 1_048_576
    notice(
        "error",
        f"The pasted text is at least {size / 1_048_576:.1f} MiB; the editor takes at most "
        f"{limit} MiB, the same as uploads. It was not kept, and the editor shows the text "
        "from before. Check that the right preset was copied.",
    )


@guarded()
def on_validate(desk: PresetActions) -> None:
    st.session_state[SK_PRESET_CHECKED] = desk.validate(editor_text(), trigger="button")


@guarded()
def on_use_template(desk: PresetActions) -> None:
    template = TEMPLATES[st.session_state.get(SK_PRESET_TEMPLATE) or next(iter(TEMPLATES))]
    arguments: dict[str, str] = {}
    if "provider" in template.parameters:
        arguments["provider"] = st.session_state.get(SK_PRESET_PROVIDER) or "recallai_streaming"
    if "url" in template.parameters:
        arguments["url"] = str(st.session_state.get(SK_PRESET_WEBHOOK_URL) or "").strip()
    try:
        preset = template.build(**arguments)
    except ValueError as exc:
        notice("error", str(exc))
        return
    text = canonical_json(preset)
    replace_text(text, f"the {template.title} template")
    st.session_state[SK_PRESET_CHECKED] = desk.validate(text, trigger="template")


@guarded()
def on_upload(desk: PresetActions) -> None:
    uploaded = st.session_state.get(SK_PRESET_UPLOAD)
    if uploaded is None:
        return
    upload = read_upload(uploaded.getvalue())
    if upload.text is None:
        problem = upload.report.errors[0].message if upload.report and upload.report.errors else ""
        notice("error", f"{uploaded.name} was not loaded. {problem}")
        return
    replace_text(upload.text, uploaded.name)
    st.session_state[SK_PRESET_CHECKED] = desk.validate(upload.text, trigger="upload")


@guarded()
def on_migrate(desk: PresetActions) -> None:
    text = editor_text()
    try:
        migrated, findings = migrate_with_report(text)
        before = canonical_json(text)
    except PresetParseError as exc:
        notice("error", f"Migrate needs readable JSON; fix this first — {exc}")
        return
    after = canonical_json(migrated)
    if after == before and not findings:
        notice("info", "This preset is already in the current format; nothing to migrate.")
        return
    replace_text(after, "Migrate to current")
    st.session_state[SK_PRESET_MIGRATION] = (text_fingerprint(after), findings)
    st.session_state[SK_PRESET_CHECKED] = desk.validate(after, trigger="migrate")


def on_format() -> None:
    text = editor_text()
    try:
        formatted = canonical_json(text)
    except PresetParseError as exc:
        notice("error", f"Format needs readable JSON; fix this first — {exc}")
        return
    checked = st.session_state.get(SK_PRESET_CHECKED)
    replace_text(formatted, "Format")
    # Same JSON, new layout: a validation of the old text still holds for the new one.
    if isinstance(checked, Checked) and checked.is_for(text) and checked.content_hash:
        fingerprint = text_fingerprint(formatted)
        st.session_state[SK_PRESET_CHECKED] = dataclasses.replace(checked, text_sha=fingerprint)


def on_undo() -> None:
    saved = st.session_state.pop(SK_PRESET_UNDO, None)
    if saved is not None:
        st.session_state[SK_PRESET_TEXT] = saved[1]
        st.session_state.pop(SK_PRESET_MIGRATION, None)


@guarded()
def on_save(desk: PresetActions) -> None:
    text = editor_text()
    checked = st.session_state.get(SK_PRESET_CHECKED)
    if not (isinstance(checked, Checked) and checked.is_for(text)):
        # The click carried an edit made after the last validation: show it before saving it.
        notice("info", "The text changed since it was validated; review the findings, then save.")
        st.session_state[SK_PRESET_CHECKED] = desk.validate(text, trigger="button")
        return
    version = desk.save(text, note=st.session_state.get(SK_PRESET_NOTE))
    st.session_state[SK_PRESET_NOTE] = ""
    st.session_state[SK_PRESET_SELECTED] = version.number
    st.session_state[SK_PRESET_EXPORT_VERSION] = version.number
    notice("success", f"Saved {version.label} (hash {version.short_hash}).")


@guarded("versions")
def on_open_version(desk: PresetActions, version: Version) -> None:
    replace_text(version.content, version.label)
    st.session_state[SK_PRESET_CHECKED] = desk.validate(version.content, trigger="version")
    notice("info", f"Opened {version.label} in the editor above.", "versions")


@guarded("versions")
def on_mark_sent(desk: PresetActions, number: int) -> None:
    sent_on = st.session_state.get(SK_PRESET_SENT_ON)
    version = desk.mark_sent(number, sent_on=sent_on)
    notice("success", f"Recorded that {version.label} was sent to Recall on {sent_on}.", "versions")


@guarded("export")
def on_download(desk: PresetActions, version: Version) -> None:
    desk.record_export(version, kind="json")


@guarded("export")
def on_show_message(desk: PresetActions, version: Version) -> None:
    desk.record_export(version, kind="message")
    st.session_state[SK_PRESET_MESSAGE_FOR] = (version.number, version.content_hash)
