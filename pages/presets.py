"""Bot preset page: validate, migrate and describe a preset; save versions; export for Recall.

Everyone may validate and export; saving a version and marking one as sent to Recall need an
admin (``Action.MANAGE_PRESET``, checked again by the version store). Every change to the editor
text comes from an explicit action (a template, a file, a saved version, Migrate, Format), and
each keeps the text it replaced for one Undo, so no edit is lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.actions import ActionError
from lib.audit import AuditError
from lib.presets import (
    TEMPLATES,
    PresetParseError,
    canonical_json,
    migrate_with_report,
    provider_choices,
    summarize,
)
from lib.presets.versions import (
    MAX_NOTE_CHARS,
    SentMark,
    Version,
    diff_texts,
    export_file_name,
    recall_message,
)
from lib.staff import Action
from lib.ui.bots.preset_hint import render_preset_field_hint
from lib.ui.page import start_page
from lib.ui.presets_actions import Checked, PresetActions, read_upload, text_fingerprint
from lib.ui.presets_data import get_preset_versions
from lib.ui.presets_view import (
    display_zone,
    local_time,
    render_check,
    render_diff,
    render_migration,
    render_summary,
    shorten_for_screen,
    version_choice_label,
    versions_frame,
)
from lib.ui.state import (
    KEY_PRESET_DOWNLOAD,
    KEY_PRESET_FORMAT,
    KEY_PRESET_MARK_SENT,
    KEY_PRESET_MIGRATE,
    KEY_PRESET_OPEN_VERSION,
    KEY_PRESET_SAVE,
    KEY_PRESET_SHOW_MESSAGE,
    KEY_PRESET_UNDO,
    KEY_PRESET_USE_TEMPLATE,
    KEY_PRESET_VALIDATE,
    SK_PRESET_CHECKED,
    SK_PRESET_DIFF_FROM,
    SK_PRESET_DIFF_TO,
    SK_PRESET_EXPORT_VERSION,
    SK_PRESET_MESSAGE_FOR,
    SK_PRESET_MIGRATION,
    SK_PRESET_NOTE,
    SK_PRESET_NOTICE,
    SK_PRESET_PROVIDER,
    SK_PRESET_SELECTED,
    SK_PRESET_SENT_ON,
    SK_PRESET_TAB,
    SK_PRESET_TEMPLATE,
    SK_PRESET_TEXT,
    SK_PRESET_UNDO,
    SK_PRESET_UPLOAD,
    SK_PRESET_WEBHOOK_URL,
)
from lib.ui.text import code, plain

logger = logging.getLogger(__name__)

TAB_VERSIONS, TAB_COMPARE, TAB_EXPORT = "Versions", "Compare", "Export for Recall"
EDITOR_TEXT = 0  # the "version" number that stands for the editor text in the diff pickers
PLACEHOLDER = (
    '{\n  "recording_config": {\n    "transcript": {"provider": {"recallai_streaming": {}}}\n  }\n}'
)

# -- state helpers (all run inside callbacks, before any widget is drawn) ----------------------


def _notice(kind: str, message: str, where: str = "editor") -> None:
    """A message for the next run, shown where the action was taken (the editor or the
    versions tab), so it is seen without scrolling."""
    st.session_state[SK_PRESET_NOTICE] = (where, kind, message)


def _show_notice(pending: tuple[str, str, str] | None, where: str) -> None:
    if pending is None or pending[0] != where:
        return
    _, kind, message = pending
    show = {"error": st.error, "success": st.success}.get(kind, st.info)
    show(plain(message, limit=2000))


def _text() -> str:
    value = st.session_state.get(SK_PRESET_TEXT)
    return value if isinstance(value, str) else ""


def _replace_text(new_text: str, source: str) -> None:
    """Put ``new_text`` in the editor, keeping the text it replaces for Undo."""
    current = _text()
    if current.strip() and current != new_text:
        st.session_state[SK_PRESET_UNDO] = (source, current)
    st.session_state[SK_PRESET_TEXT] = new_text
    st.session_state.pop(SK_PRESET_MIGRATION, None)


def _guarded(where: str = "editor") -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A callback whose failure becomes words beside the control, never a traceback."""

    def wrap(callback: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any) -> None:
            try:
                callback(*args)
            except ActionError as exc:
                _notice("error", exc.message, where)
            except (SQLAlchemyError, AuditError):
                logger.exception("preset page: database operation failed")
                _notice(
                    "error",
                    "The console's database could not be reached, so nothing was recorded. "
                    "Try again in a moment.",
                    where,
                )

        return run

    return wrap


# -- callbacks ---------------------------------------------------------------------------------


@_guarded()
def _on_validate(desk: PresetActions) -> None:
    st.session_state[SK_PRESET_CHECKED] = desk.validate(_text(), trigger="button")


@_guarded()
def _on_use_template(desk: PresetActions) -> None:
    template = TEMPLATES[st.session_state.get(SK_PRESET_TEMPLATE) or next(iter(TEMPLATES))]
    arguments: dict[str, str] = {}
    if "provider" in template.parameters:
        arguments["provider"] = st.session_state.get(SK_PRESET_PROVIDER) or "recallai_streaming"
    if "url" in template.parameters:
        arguments["url"] = str(st.session_state.get(SK_PRESET_WEBHOOK_URL) or "").strip()
    try:
        preset = template.build(**arguments)
    except ValueError as exc:
        _notice("error", str(exc))
        return
    text = canonical_json(preset)
    _replace_text(text, f"the {template.title} template")
    st.session_state[SK_PRESET_CHECKED] = desk.validate(text, trigger="template")


@_guarded()
def _on_upload(desk: PresetActions) -> None:
    uploaded = st.session_state.get(SK_PRESET_UPLOAD)
    if uploaded is None:
        return
    upload = read_upload(uploaded.getvalue())
    if upload.text is None:
        problem = upload.report.errors[0].message if upload.report and upload.report.errors else ""
        _notice("error", f"{uploaded.name} was not loaded. {problem}")
        return
    _replace_text(upload.text, uploaded.name)
    st.session_state[SK_PRESET_CHECKED] = desk.validate(upload.text, trigger="upload")


@_guarded()
def _on_migrate(desk: PresetActions) -> None:
    text = _text()
    try:
        migrated, findings = migrate_with_report(text)
        before = canonical_json(text)
    except PresetParseError as exc:
        _notice("error", f"Migrate needs readable JSON; fix this first — {exc}")
        return
    after = canonical_json(migrated)
    if after == before and not findings:
        _notice("info", "This preset is already in the current format; nothing to migrate.")
        return
    _replace_text(after, "Migrate to current")
    st.session_state[SK_PRESET_MIGRATION] = (text_fingerprint(after), findings)
    st.session_state[SK_PRESET_CHECKED] = desk.validate(after, trigger="migrate")


def _on_format() -> None:
    text = _text()
    try:
        formatted = canonical_json(text)
    except PresetParseError as exc:
        _notice("error", f"Format needs readable JSON; fix this first — {exc}")
        return
    checked = st.session_state.get(SK_PRESET_CHECKED)
    _replace_text(formatted, "Format")
    # Same JSON, new layout: a validation of the old text still holds for the new one.
    if isinstance(checked, Checked) and checked.is_for(text) and checked.content_hash:
        fingerprint = text_fingerprint(formatted)
        st.session_state[SK_PRESET_CHECKED] = dataclasses.replace(checked, text_sha=fingerprint)


def _on_undo() -> None:
    saved = st.session_state.pop(SK_PRESET_UNDO, None)
    if saved is not None:
        st.session_state[SK_PRESET_TEXT] = saved[1]
        st.session_state.pop(SK_PRESET_MIGRATION, None)


@_guarded()
def _on_save(desk: PresetActions) -> None:
    text = _text()
    checked = st.session_state.get(SK_PRESET_CHECKED)
    if not (isinstance(checked, Checked) and checked.is_for(text)):
        # The click carried an edit made after the last validation: show it before saving it.
        _notice("info", "The text changed since it was validated; review the findings, then save.")
        st.session_state[SK_PRESET_CHECKED] = desk.validate(text, trigger="button")
        return
    version = desk.save(text, note=st.session_state.get(SK_PRESET_NOTE))
    st.session_state[SK_PRESET_NOTE] = ""
    st.session_state[SK_PRESET_SELECTED] = version.number
    st.session_state[SK_PRESET_EXPORT_VERSION] = version.number
    _notice("success", f"Saved {version.label} (hash {version.short_hash}).")


@_guarded("versions")
def _on_open_version(desk: PresetActions, version: Version) -> None:
    _replace_text(version.content, version.label)
    st.session_state[SK_PRESET_CHECKED] = desk.validate(version.content, trigger="version")
    _notice("info", f"Opened {version.label} in the editor above.", "versions")


@_guarded("versions")
def _on_mark_sent(desk: PresetActions, number: int) -> None:
    sent_on = st.session_state.get(SK_PRESET_SENT_ON)
    version = desk.mark_sent(number, sent_on=sent_on)
    _notice(
        "success", f"Recorded that {version.label} was sent to Recall on {sent_on}.", "versions"
    )


@_guarded("export")
def _on_download(desk: PresetActions, version: Version) -> None:
    desk.record_export(version, kind="json")


@_guarded("export")
def _on_show_message(desk: PresetActions, version: Version) -> None:
    desk.record_export(version, kind="message")
    st.session_state[SK_PRESET_MESSAGE_FOR] = (version.number, version.content_hash)


# -- page --------------------------------------------------------------------------------------

ctx = start_page(
    "Bot preset",
    caption="Validate, migrate and export the preset calendar bots take their configuration from.",
    requires=Action.READ_PRESET,
)
render_preset_field_hint()
can_manage = ctx.can(Action.MANAGE_PRESET)
zone = display_zone(ctx.settings.display_timezone)
store = get_preset_versions(ctx.settings.database_url_or_default)
desk = PresetActions(staff=ctx.staff, versions=store, audit=ctx.audit)

versions: list[Version] = []
last_sent: tuple[Version, SentMark] | None = None
try:
    versions = store.list()
    last_sent = store.last_sent()
except SQLAlchemyError:
    logger.exception("preset page: could not read saved versions")
    st.error(
        "**Saved versions could not be read** — the console's database did not answer. "
        "Validation still works; reload to try again.",
        icon=":material/error:",
    )
by_number = {v.number: v for v in versions}
latest = versions[0] if versions else None

# -- where things stand ------------------------------------------------------------------------

with st.container(border=True):
    first, second, third = st.columns(3)
    first.metric("Saved versions", len(versions))
    second.metric("Latest", latest.label if latest else "—")
    if latest:
        second.caption(
            f"{local_time(latest.created_at, zone)} by {plain(latest.author)} · "
            f"hash {code(latest.short_hash)}"
        )
    third.metric("Sent to Recall", last_sent[0].label if last_sent else "—")
    if last_sent:
        third.caption(
            f"on {last_sent[1].sent_on.isoformat()} · marked by {plain(last_sent[1].marked_by)}"
        )
        if latest and last_sent[0].number != latest.number:
            third.caption(f":orange[{latest.label} has not been sent yet.]")
    else:
        third.caption("Nothing recorded as sent yet.")
    if not can_manage:
        st.caption(
            ":material/lock: Your role can validate and export presets; saving versions and "
            "marking them sent needs an admin."
        )

# -- start from a template or a file -----------------------------------------------------------

text_now = _text()
with st.expander(
    "Start from a template or a file", expanded=not text_now.strip(), icon=":material/note_add:"
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
            on_click=_on_use_template,
            args=(desk,),
            help="Replaces the editor text (Undo brings it back).",
        )
    with upload_column:
        st.file_uploader(
            "Upload a preset (.json)",
            type=["json"],
            key=SK_PRESET_UPLOAD,
            on_change=_on_upload,
            args=(desk,),
            help="Loaded into the editor and validated. Saved versions open from the list below.",
        )

# -- editor and findings -----------------------------------------------------------------------

notice = st.session_state.pop(SK_PRESET_NOTICE, None)
_show_notice(notice, "editor")

editor, findings_column = st.columns([3, 2], gap="large")
with editor:
    st.text_area(
        "Preset JSON",
        key=SK_PRESET_TEXT,
        height=520,
        placeholder=PLACEHOLDER,
        help="Paste the Create Bot body the preset should use, then press Validate.",
    )
    text = _text()
    buttons = st.container(horizontal=True)
    buttons.button(
        "Validate",
        type="primary",
        icon=":material/rule:",
        key=KEY_PRESET_VALIDATE,
        on_click=_on_validate,
        args=(desk,),
    )
    buttons.button(
        "Migrate to current",
        icon=":material/upgrade:",
        key=KEY_PRESET_MIGRATE,
        on_click=_on_migrate,
        args=(desk,),
        help="Rewrite v1.10 fields (transcription_options, real_time_transcription, …) in the "
        "current Create Bot shape.",
    )
    buttons.button(
        "Format",
        icon=":material/format_align_left:",
        key=KEY_PRESET_FORMAT,
        on_click=_on_format,
        help="Indent and sort keys, as versions and exports are stored.",
    )
    undo = st.session_state.get(SK_PRESET_UNDO)
    if undo is not None:
        buttons.button(
            "Undo",
            icon=":material/undo:",
            key=KEY_PRESET_UNDO,
            on_click=_on_undo,
            help=f"Bring back the text from before {plain(undo[0], limit=100)}.",
        )
    size = len(text.encode("utf-8", errors="surrogatepass"))
    st.caption(f"{size:,} bytes · {text.count(chr(10)) + 1 if text else 0:,} lines")

checked = st.session_state.get(SK_PRESET_CHECKED)
checked = checked if isinstance(checked, Checked) else None
current = checked is not None and checked.is_for(text)
with findings_column:
    if checked is None:
        st.info(
            "Paste a preset on the left, or start from a template or a file, then press "
            "**Validate**. Errors and warnings appear here with their paths, followed by what "
            "the preset makes bots do.",
            icon=":material/rule:",
        )
    else:
        render_check(checked, text, stale=not current)
        migration = st.session_state.get(SK_PRESET_MIGRATION)
        if migration is not None and migration[0] == text_fingerprint(text):
            render_migration(migration[1])
        render_summary(checked.summary, has_errors=not checked.report.ok)

    if can_manage:
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
                on_click=_on_save,
                args=(desk,),
                disabled=not ready,
            )

# -- versions, comparison, export --------------------------------------------------------------


def _versions_tab(versions: list[Version]) -> None:
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
    st.dataframe(versions_frame(versions, zone), hide_index=True, width="stretch")
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
        st.markdown(
            f"**{chosen.label}** saved {local_time(chosen.created_at, zone)} by "
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
        left, right = st.columns(2, gap="large")
        _show_notice(notice, "versions")
        left.button(
            "Open in editor",
            icon=":material/edit_note:",
            key=KEY_PRESET_OPEN_VERSION,
            on_click=_on_open_version,
            args=(desk, chosen),
            help="Loads this version into the editor above (Undo brings back your text).",
        )
        if can_manage:
            with right:
                today = dt.datetime.now(zone).date()
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
                    on_click=_on_mark_sent,
                    args=(desk, chosen.number),
                )


def _compare_side(number: int, text: str) -> tuple[str, str]:
    if number != EDITOR_TEXT:
        version = by_number[number]
        return version.content, f"{version.label} ({version.short_hash})"
    try:
        return canonical_json(text), "editor"
    except PresetParseError:
        return text, "editor (not readable JSON, compared as typed)"


def _compare_tab(versions: list[Version], text: str) -> None:
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
    (before, before_label), (after, after_label) = (
        _compare_side(start, text),
        _compare_side(end, text),
    )
    render_diff(diff_texts(before, after, before_label=before_label, after_label=after_label))


def _export_tab(versions: list[Version]) -> None:
    if not versions:
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
    _show_notice(notice, "export")
    left.download_button(
        f"Download {export_file_name(exported)}",
        data=exported.content,
        file_name=export_file_name(exported),
        mime="application/json",
        icon=":material/download:",
        key=KEY_PRESET_DOWNLOAD,
        on_click=_on_download,
        args=(desk, exported),
        disabled=not exported.intact,
    )
    right.button(
        "Write a message for Recall",
        icon=":material/forum:",
        key=KEY_PRESET_SHOW_MESSAGE,
        on_click=_on_show_message,
        args=(desk, exported),
        disabled=not exported.intact,
    )
    if st.session_state.get(SK_PRESET_MESSAGE_FOR) == (exported.number, exported.content_hash):
        st.caption("Copy it with the button at the top right of the block.")
        try:
            summary = summarize(exported.content)
        except PresetParseError:
            summary = []
        st.code(recall_message(exported, summary), language=None)


st.divider()
# Tracked tabs: the open tab survives reruns (a download, a save), and hidden tabs do no work.
versions_tab, compare_tab, export_tab = st.tabs(
    [TAB_VERSIONS, TAB_COMPARE, TAB_EXPORT], key=SK_PRESET_TAB, on_change="rerun"
)
with versions_tab:
    if versions_tab.open:
        _versions_tab(versions)
with compare_tab:
    if compare_tab.open:
        _compare_tab(versions, text)
with export_tab:
    if export_tab.open:
        _export_tab(versions)
