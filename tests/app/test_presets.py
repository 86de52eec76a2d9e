"""The bot preset page for admins and viewers: validate, migrate, save, mark sent, export."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from lib.audit import AuditStore, Outcome
from lib.audit.keys import sandbox_key
from lib.presets import canonical_json, content_hash
from lib.presets.versions import PresetVersions, export_file_name
from lib.staff import Role
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
    SK_PRESET_DIFF_FROM,
    SK_PRESET_DIFF_TO,
    SK_PRESET_NOTE,
    SK_PRESET_PROVIDER,
    SK_PRESET_SELECTED,
    SK_PRESET_SENT_ON,
    SK_PRESET_TAB,
    SK_PRESET_TEMPLATE,
    SK_PRESET_TEXT,
    SK_PRESET_UPLOAD,
    SK_PRESET_WEBHOOK_URL,
)
from tests.app.conftest import STAFF

PAGE = "pages/presets.py"
HOOK = "https://hooks.example.com/recall"
CAPTIONS = {"recording_config": {"transcript": {"provider": {"meeting_captions": {}}}}}
DEEPGRAM = {"recording_config": {"transcript": {"provider": {"deepgram_streaming": {}}}}}
LEGACY = {
    "transcription_options": {"provider": "deepgram"},
    "real_time_transcription": {"destination_url": HOOK, "partial_results": False},
}
INVALID = {
    "recording_config": {"video_mixed_layout": "sideways"},
    "automatic_leave": {"waiting_room_timeout": "soon"},
}


def texts(at) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [e.value for e in at.error]
        + [w.value for w in at.warning]
        + [i.value for i in at.info]
        + [s.value for s in at.success]
        + [c.value for c in at.caption]
    )


def unescape(text: str) -> str:
    """Markdown as the browser shows it (the page escapes data with backslashes)."""
    return text.replace("\\", "")


def db_url(data_dir) -> str:
    return f"sqlite:///{data_dir / 'console.db'}"


def seed(data_dir, *presets: dict) -> list:
    with PresetVersions(db_url(data_dir)) as store:
        return [
            store.save(p, author=STAFF[Role.ADMIN], note=f"seeded {n}")
            for n, p in enumerate(presets, start=1)
        ]


def audit_events(data_dir, action: str):
    with AuditStore(db_url(data_dir), key=sandbox_key(data_dir)) as store:
        return store.query(action=action, newest_first=False)


@pytest.fixture
def open_page(console_app):
    def _open(role: Role):
        at = console_app(role).run()
        at.switch_page(PAGE).run()
        assert not at.exception, at.exception
        return at

    return _open


def type_text(at, text: str):
    at.text_area(key=SK_PRESET_TEXT).input(text)
    return at


def open_tab(at, label: str):
    at.session_state[SK_PRESET_TAB] = label
    at.run()
    assert not at.exception, at.exception
    return at


def click(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


# -- validating --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER])
def test_pasted_preset_errors_are_shown_at_their_paths_and_audited(open_page, data_dir, role):
    at = open_page(role)
    assert "press **Validate**" in texts(at)
    click(type_text(at, json.dumps(INVALID)), KEY_PRESET_VALIDATE)
    (errors,) = [unescape(e.value) for e in at.error if "2 errors" in e.value]
    assert "`automatic_leave.waiting_room_timeout`" in errors
    assert "`recording_config.video_mixed_layout`" in errors
    assert "sideways" in errors
    (event,) = audit_events(data_dir, "preset.validate")
    assert event.actor_email == STAFF[role].email
    assert (event.after["errors"], event.after["trigger"]) == (2, "button")


def test_a_syntax_error_shows_the_line_with_a_caret(open_page):
    at = open_page(Role.VIEWER)
    click(type_text(at, '{\n  "bot_name": "Notes",\n}'), KEY_PRESET_VALIDATE)
    assert "line 3, column 1" in unescape(texts(at))
    assert '2 |   "bot_name": "Notes",\n3 | }\n  | ^' in [c.value for c in at.code]
    assert "Fix the JSON so it can be read" in texts(at)


def test_a_valid_preset_gets_its_summary(open_page):
    at = open_page(Role.VIEWER)
    preset = {
        "recording_config": {
            "transcript": {"provider": {"deepgram_streaming": {}}},
            "realtime_endpoints": [{"type": "webhook", "url": HOOK, "events": ["transcript.data"]}],
        },
        "automatic_leave": {"everyone_left_timeout": {"timeout": 30}},
    }
    click(type_text(at, json.dumps(preset)), KEY_PRESET_VALIDATE)
    shown = unescape(texts(at))
    assert "No errors." in shown
    assert "Bots transcribe with Deepgram (deepgram_streaming)." in shown
    assert f"Send transcript.data to {HOOK} (webhook)." in shown
    assert "Leave after 30 s alone in the meeting." in shown


def test_editing_after_validation_marks_the_findings_stale(open_page, data_dir):
    at = open_page(Role.VIEWER)
    click(type_text(at, json.dumps(CAPTIONS)), KEY_PRESET_VALIDATE)
    assert "changed since it was last validated" not in texts(at)
    type_text(at, json.dumps(DEEPGRAM)).run()
    assert "changed since it was last validated" in texts(at)
    # Typing alone records nothing; only pressing Validate does.
    assert len(audit_events(data_dir, "preset.validate")) == 1


def test_hostile_input_is_refused_quickly(open_page):
    at = open_page(Role.VIEWER)
    started = time.monotonic()
    click(type_text(at, "[" * 20_000 + "]" * 20_000), KEY_PRESET_VALIDATE)
    assert time.monotonic() - started < 10
    assert "64 levels" in unescape(texts(at))


# -- migrating, formatting, templates, uploads, undo -------------------------------------------


def test_a_legacy_preset_is_migrated_in_the_editor(open_page, data_dir):
    at = open_page(Role.VIEWER)
    click(type_text(at, json.dumps(LEGACY)), KEY_PRESET_VALIDATE)
    assert "v1.10 format" in unescape(texts(at))
    click(at, KEY_PRESET_MIGRATE)
    migrated = json.loads(at.text_area(key=SK_PRESET_TEXT).value)
    recording = migrated["recording_config"]
    assert recording["transcript"]["provider"] == {"deepgram_streaming": {}}
    assert recording["realtime_endpoints"][0]["url"] == HOOK
    assert "transcription_options" not in migrated
    shown = unescape(texts(at))
    assert "Migrated to the current format" in shown
    assert "`real_time_transcription.partial_results`" in shown
    assert "No errors." in shown and "v1.10 format" not in shown
    assert [e.after["trigger"] for e in audit_events(data_dir, "preset.validate")] == [
        "button",
        "migrate",
    ]
    # Undo brings back the legacy text as it was typed.
    click(at, KEY_PRESET_UNDO)
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == LEGACY


def test_migrating_unreadable_or_current_text_says_why_nothing_happened(open_page):
    at = open_page(Role.VIEWER)
    click(type_text(at, '{"transcription_options": '), KEY_PRESET_MIGRATE)
    assert "Migrate needs readable JSON" in unescape(texts(at))
    click(type_text(at, json.dumps(CAPTIONS)), KEY_PRESET_MIGRATE)
    assert "already in the current format" in texts(at)
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == CAPTIONS


def test_format_sorts_and_indents_and_keeps_the_validation(open_page):
    at = open_page(Role.VIEWER)
    text = '{"recording_config":{"video_mixed_layout":"gallery_view","retention":null}}'
    click(click(type_text(at, text), KEY_PRESET_VALIDATE), KEY_PRESET_FORMAT)
    assert at.text_area(key=SK_PRESET_TEXT).value == canonical_json(text)
    assert "changed since it was last validated" not in texts(at)


def test_template_with_a_webhook_needs_a_url_then_fills_the_editor(open_page):
    at = open_page(Role.VIEWER)
    type_text(at, json.dumps(CAPTIONS))
    at.selectbox(key=SK_PRESET_TEMPLATE).select("realtime_transcript_webhook").run()
    at.selectbox(key=SK_PRESET_PROVIDER).select("deepgram_streaming")
    at.text_input(key=SK_PRESET_WEBHOOK_URL).input("ftp://nope")
    click(at, KEY_PRESET_USE_TEMPLATE)
    assert "must be an http(s) URL" in unescape(texts(at))
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == CAPTIONS
    at.text_input(key=SK_PRESET_WEBHOOK_URL).input(HOOK)
    click(at, KEY_PRESET_USE_TEMPLATE)
    preset = json.loads(at.text_area(key=SK_PRESET_TEXT).value)
    assert preset["recording_config"]["realtime_endpoints"][0]["url"] == HOOK
    assert preset["recording_config"]["transcript"]["provider"] == {"deepgram_streaming": {}}
    assert "No errors." in texts(at)
    click(at, KEY_PRESET_UNDO)
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == CAPTIONS


def test_an_uploaded_file_is_loaded_and_validated(open_page, data_dir):
    at = open_page(Role.VIEWER)
    raw = b"\xef\xbb\xbf" + json.dumps(LEGACY).encode()
    at.file_uploader(key=SK_PRESET_UPLOAD).upload("preset.json", raw, "application/json").run()
    assert not at.exception
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == LEGACY
    assert "v1.10 format" in unescape(texts(at))
    assert audit_events(data_dir, "preset.validate")[-1].after["trigger"] == "upload"


def test_a_utf16_upload_is_refused_in_words(open_page):
    at = open_page(Role.VIEWER)
    raw = json.dumps(CAPTIONS).encode("utf-16")
    at.file_uploader(key=SK_PRESET_UPLOAD).upload("preset.json", raw, "application/json").run()
    assert "preset.json was not loaded" in unescape(texts(at))
    assert "save it as UTF-8" in unescape(texts(at))
    assert at.text_area(key=SK_PRESET_TEXT).value in ("", None)


# -- saving and marking sent (admin) -----------------------------------------------------------


def test_admin_saves_a_validated_preset_with_a_note(open_page, data_dir):
    at = open_page(Role.ADMIN)
    assert at.button(key=KEY_PRESET_SAVE).disabled  # nothing validated yet
    click(type_text(at, json.dumps(DEEPGRAM)), KEY_PRESET_VALIDATE)
    assert not at.button(key=KEY_PRESET_SAVE).disabled
    click(at, KEY_PRESET_SAVE)  # without a note
    assert "Add a note" in texts(at)
    at.text_input(key=SK_PRESET_NOTE).input("Deepgram for everyone")
    click(at, KEY_PRESET_SAVE)
    with PresetVersions(db_url(data_dir)) as store:
        (version,) = store.list()
    assert version.content == canonical_json(DEEPGRAM)
    assert (version.author, version.note) == (STAFF[Role.ADMIN].email, "Deepgram for everyone")
    assert f"Saved v1 (hash {version.short_hash})" in unescape(texts(at))
    assert at.text_input(key=SK_PRESET_NOTE).value == ""
    assert "exactly v1; nothing to save" in texts(at)
    assert at.button(key=KEY_PRESET_SAVE).disabled
    saves = audit_events(data_dir, "preset.save")
    assert [(e.outcome, e.error_class) for e in saves] == [
        (Outcome.FAILED, "NoteRequiredError"),
        (Outcome.OK, None),
    ]


def test_an_edit_sent_with_the_save_click_is_shown_before_it_is_saved(open_page, data_dir):
    at = open_page(Role.ADMIN)
    click(type_text(at, json.dumps(CAPTIONS)), KEY_PRESET_VALIDATE)
    at.text_input(key=SK_PRESET_NOTE).input("captions")
    # The browser sends a last edit together with the click that blurred the editor.
    click(type_text(at, json.dumps(DEEPGRAM)), KEY_PRESET_SAVE)
    with PresetVersions(db_url(data_dir)) as store:
        assert store.count() == 0
    assert "changed since it was validated; review the findings" in texts(at)
    assert "Bots transcribe with Deepgram" in unescape(texts(at))
    click(at, KEY_PRESET_SAVE)
    with PresetVersions(db_url(data_dir)) as store:
        assert store.latest().content == canonical_json(DEEPGRAM)


def test_a_preset_with_errors_cannot_be_saved(open_page, data_dir):
    at = open_page(Role.ADMIN)
    click(type_text(at, json.dumps(INVALID)), KEY_PRESET_VALIDATE)
    assert at.button(key=KEY_PRESET_SAVE).disabled
    assert "Fix the errors above before saving." in texts(at)
    # Text changed after a clean validation: Save waits for the next Validate.
    click(type_text(at, json.dumps(CAPTIONS)), KEY_PRESET_VALIDATE)
    type_text(at, json.dumps(INVALID)).run()
    assert at.button(key=KEY_PRESET_SAVE).disabled
    assert "Validate the text first" in texts(at)


def test_admin_marks_a_version_sent(open_page, data_dir):
    seed(data_dir, CAPTIONS, DEEPGRAM)
    at = open_page(Role.ADMIN)
    assert "Nothing recorded as sent yet." in texts(at)
    at.selectbox(key=SK_PRESET_SELECTED).select(1).run()
    sent_on = dt.datetime.now(dt.UTC).date()
    at.date_input(key=SK_PRESET_SENT_ON).set_value(sent_on)
    click(at, KEY_PRESET_MARK_SENT)
    assert f"v1 was sent to Recall on {sent_on.isoformat()}" in unescape(texts(at))
    with PresetVersions(db_url(data_dir)) as store:
        assert [m.sent_on for m in store.get(1).sent] == [sent_on]
        assert store.get(2).sent == ()
    # The strip says what Recall should be running, and that the latest is not it.
    assert "v2 has not been sent yet." in texts(at)
    (event,) = audit_events(data_dir, "preset.mark_sent")
    assert (event.target, event.after["sent_on"]) == ("v1", sent_on.isoformat())
    # The same day again is refused, in words, beside the button that was pressed.
    click(at, KEY_PRESET_MARK_SENT)
    assert f"v1 is already marked as sent on {sent_on.isoformat()}" in unescape(texts(at))
    outcomes = [e.outcome for e in audit_events(data_dir, "preset.mark_sent")]
    assert outcomes == [Outcome.OK, Outcome.FAILED]


# -- reading versions (everyone) ---------------------------------------------------------------


def test_viewer_reads_versions_and_compares_them_but_cannot_change_them(open_page, data_dir):
    first, second = seed(data_dir, CAPTIONS, DEEPGRAM)
    at = open_page(Role.VIEWER)
    shown = unescape(texts(at))
    assert "saving versions and marking them sent needs an admin" in shown
    (table,) = at.dataframe
    assert list(table.value["Version"]) == ["v2", "v1"]
    assert list(table.value["Hash"]) == [second.short_hash, first.short_hash]
    # No control that writes: no Save, no note, no Mark sent, no sent date.
    keys = {w.key for w in [*at.button, *at.text_input, *at.date_input]}
    assert not keys & {KEY_PRESET_SAVE, SK_PRESET_NOTE, KEY_PRESET_MARK_SENT, SK_PRESET_SENT_ON}
    # The comparison defaults to the two newest versions.
    open_tab(at, "Compare")
    assert at.selectbox(key=SK_PRESET_DIFF_FROM).value == 1
    assert at.selectbox(key=SK_PRESET_DIFF_TO).value == 2
    diff = next(c.value for c in at.code if c.value.startswith("--- v1"))
    assert '-        "meeting_captions": {}' in diff.splitlines()
    assert '+        "deepgram_streaming": {}' in diff.splitlines()
    # Opening a version puts it in the editor to validate or adapt.
    open_tab(at, "Versions")
    at.selectbox(key=SK_PRESET_SELECTED).select(1).run()
    click(at, KEY_PRESET_OPEN_VERSION)
    assert at.text_area(key=SK_PRESET_TEXT).value == first.content
    assert "No errors." in texts(at)


def test_compare_the_editor_text_with_a_version(open_page, data_dir):
    seed(data_dir, CAPTIONS)
    at = open_page(Role.VIEWER)
    open_tab(type_text(at, json.dumps(DEEPGRAM)), "Compare")
    # With one version, the comparison is from the editor text to it.
    diff = next(c.value for c in at.code if c.value.startswith("--- editor"))
    assert '+        "meeting_captions": {}' in diff.splitlines()


def test_empty_history_explains_itself(open_page):
    at = open_page(Role.VIEWER)
    assert "No versions saved yet; an admin saves them from this page." in texts(at)
    open_tab(at, "Compare")
    assert "Save a version to compare it" in texts(at)
    open_tab(at, "Export for Recall")
    assert "exports always carry a version number and hash" in texts(at)
    assert not at.download_button


# -- exporting (everyone) ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER])
def test_every_export_is_an_audit_event(open_page, data_dir, role):
    _, version = seed(data_dir, CAPTIONS, DEEPGRAM)
    at = open_tab(open_page(role), "Export for Recall")
    (download,) = at.download_button
    assert download.label == f"Download {export_file_name(version)}"
    download.click().run()
    assert not at.exception
    click(at, KEY_PRESET_SHOW_MESSAGE)
    message = next(c.value for c in at.code if c.value.startswith("Hi Recall team"))
    assert f"SHA-256 of the canonical JSON: {version.content_hash}" in message
    assert version.content_hash == content_hash(DEEPGRAM)
    assert version.content.rstrip("\n") in message
    events = audit_events(data_dir, "preset.export")
    assert [(e.actor_email, e.after["format"], e.target) for e in events] == [
        (STAFF[role].email, "json", "v2"),
        (STAFF[role].email, "message", "v2"),
    ]
    with AuditStore(db_url(data_dir), key=sandbox_key(data_dir)) as store:
        assert store.verify().ok


def test_download_button_uses_the_registered_key(open_page, data_dir):
    seed(data_dir, CAPTIONS)
    at = open_tab(open_page(Role.VIEWER), "Export for Recall")
    assert at.download_button(key=KEY_PRESET_DOWNLOAD).label.endswith(".json")


# -- the workspace's Create Bot version --------------------------------------------------------


def test_a_v1_10_preset_is_an_error_for_a_v1_11_workspace_until_migrated(open_page, data_dir):
    at = open_page(Role.ADMIN)  # recall.bot_api_version defaults to v1.11
    click(type_text(at, json.dumps(LEGACY)), KEY_PRESET_VALIDATE)
    shown = unescape(texts(at))
    assert "No errors." not in shown
    assert "this workspace's bots use Create Bot v1.11, which refuses it" in shown
    errors = unescape("\n".join(e.value for e in at.error))
    assert "`transcription_options`" in errors and "Migrate to current" in errors
    assert at.button(key=KEY_PRESET_SAVE).disabled
    assert "Fix the errors above before saving." in texts(at)
    (event,) = audit_events(data_dir, "preset.validate")
    assert (event.after["api_version"], event.after["ok"]) == ("v1.11", False)
    click(at, KEY_PRESET_MIGRATE)
    assert "No errors." in texts(at)
    assert not at.button(key=KEY_PRESET_SAVE).disabled


def test_an_older_v1_10_workspace_may_save_a_v1_10_preset_with_a_warning(console_app, data_dir):
    at = console_app(Role.ADMIN, recall={"bot_api_version": "v1.10"}).run()
    at.switch_page(PAGE).run()
    click(type_text(at, json.dumps(LEGACY)), KEY_PRESET_VALIDATE)
    assert "No errors." in texts(at)
    assert "checked against Create Bot v1.10, which this workspace's bots use" in texts(at)
    warnings = unescape("\n".join(w.value for w in at.warning))
    assert "deprecated: this workspace's v1.10 bots accept it" in warnings
    at.text_input(key=SK_PRESET_NOTE).input("still on v1.10")
    click(at, KEY_PRESET_SAVE)
    with PresetVersions(db_url(data_dir)) as store:
        assert store.latest().content == canonical_json(LEGACY)
