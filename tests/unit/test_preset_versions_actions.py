"""The presets page's operations and what they leave in the audit log; export texts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from lib.actions import PermissionDeniedError
from lib.audit import AuditStore, Outcome
from lib.presets import MAX_DOCUMENT_BYTES, Finding, canonical_json, summarize
from lib.presets.versions import (
    MESSAGE_INLINE_LIMIT,
    DuplicateVersionError,
    InvalidPresetError,
    PresetVersions,
    Version,
    export_file_name,
    recall_message,
)
from lib.staff import Role, StaffMember
from lib.ui.presets.actions import PresetActions, check, error_lines, read_upload, text_fingerprint
from lib.ui.presets.view import shorten_for_screen
from tests.audit_key import TEST_AUDIT_KEY

NOW = dt.datetime.now(dt.UTC)
ADMIN = StaffMember("ada@console.example", "Ada", Role.ADMIN, "demo", NOW)
VIEWER = StaffMember("vera@console.example", "Vera", Role.VIEWER, "demo", NOW)
HOOK = "https://hooks.example.com/recall?token=s3cret-value"
WEBHOOK = {
    "recording_config": {
        "transcript": {"provider": {"deepgram_streaming": {}}},
        "realtime_endpoints": [{"type": "webhook", "url": HOOK, "events": ["transcript.data"]}],
    }
}


@pytest.fixture
def audit(tmp_path):
    with AuditStore(f"sqlite:///{tmp_path / 'console.db'}", key=TEST_AUDIT_KEY) as store:
        yield store


@pytest.fixture
def versions(audit):
    return PresetVersions(audit.engine)


def desk_for(staff, versions, audit) -> PresetActions:
    return PresetActions(staff=staff, versions=versions, audit=audit)


def events(audit: AuditStore, action: str):
    return audit.query(action=action, newest_first=False)


# -- validation --------------------------------------------------------------------------------


def test_validating_records_counts_and_hash_but_not_the_preset(audit, versions):
    text = json.dumps(WEBHOOK | {"recording_config": {"video_mixed_layout": "sideways"}})
    checked = desk_for(VIEWER, versions, audit).validate(text)
    (event,) = events(audit, "preset.validate")
    assert event.actor_email == VIEWER.email and event.outcome is Outcome.OK
    assert event.after["ok"] is False
    assert event.after["errors"] == len(checked.report.errors) == 1
    assert event.after["error_codes"] == ["schema.enum"]
    assert event.after["trigger"] == "button"
    assert event.after["content_hash"] == checked.content_hash
    assert event.after["bytes"] == len(text.encode())
    assert "sideways" not in json.dumps(event.after)


def test_a_check_remembers_the_exact_text_it_was_for():
    text = json.dumps(WEBHOOK)
    checked = check(text)
    assert checked.is_for(text)
    assert not checked.is_for(text + " ")
    assert checked.content_hash == hashlib.sha256(canonical_json(text).encode()).hexdigest()
    assert checked.summary == tuple(summarize(text))
    # The summary never shows the webhook's token.
    assert not any("s3cret" in line for line in checked.summary)


def test_unreadable_text_has_findings_but_no_summary_or_hash():
    checked = check('{"recording_config": {,}}')
    assert not checked.report.ok
    assert checked.summary is None and checked.content_hash is None
    assert checked.report.errors[0].line == 1


# -- saving and marking sent -------------------------------------------------------------------


def test_a_save_is_recorded_with_version_hash_and_note(audit, versions):
    version = desk_for(ADMIN, versions, audit).save(json.dumps(WEBHOOK), note="webhook to Acme")
    (event,) = events(audit, "preset.save")
    assert event.outcome is Outcome.OK
    assert event.target == "v1"
    assert event.reason == "webhook to Acme"
    assert event.after == {"version": 1, "content_hash": version.content_hash}


def test_a_viewer_save_is_refused_and_the_attempt_recorded(audit, versions):
    desk = desk_for(VIEWER, versions, audit)
    with pytest.raises(PermissionDeniedError):
        desk.save(json.dumps(WEBHOOK), note="crafted")
    with pytest.raises(PermissionDeniedError):
        desk.mark_sent(1, sent_on=NOW.date())
    assert versions.count() == 0
    (save,) = events(audit, "preset.save")
    (mark,) = events(audit, "preset.mark_sent")
    for event in (save, mark):
        assert event.outcome is Outcome.FAILED
        assert event.error_class == "PermissionDeniedError"
        assert event.actor_role == "viewer"
    assert (
        save.after["content_hash"] == hashlib.sha256(canonical_json(WEBHOOK).encode()).hexdigest()
    )


def test_refused_saves_name_the_reason_in_the_log(audit, versions):
    desk = desk_for(ADMIN, versions, audit)
    with pytest.raises(InvalidPresetError):
        desk.save('{"recording_config": []}', note="broken")
    desk.save(json.dumps(WEBHOOK), note="good")
    with pytest.raises(DuplicateVersionError):
        desk.save(json.dumps(WEBHOOK, indent=8), note="same again")
    outcomes = [(e.outcome, e.error_class) for e in events(audit, "preset.save")]
    assert outcomes == [
        (Outcome.FAILED, "InvalidPresetError"),
        (Outcome.OK, None),
        (Outcome.FAILED, "DuplicateVersionError"),
    ]


def test_marking_sent_is_recorded(audit, versions):
    desk = desk_for(ADMIN, versions, audit)
    version = desk.save(json.dumps(WEBHOOK), note="webhook")
    desk.mark_sent(1, sent_on=NOW.date())
    (event,) = events(audit, "preset.mark_sent")
    assert event.target == "v1"
    assert event.after == {
        "version": 1,
        "sent_on": NOW.date().isoformat(),
        "content_hash": version.content_hash,
    }


def test_each_export_is_recorded_with_its_format(audit, versions):
    version = desk_for(ADMIN, versions, audit).save(json.dumps(WEBHOOK), note="webhook")
    viewer = desk_for(VIEWER, versions, audit)
    viewer.record_export(version, kind="json")
    viewer.record_export(version, kind="message")
    recorded = events(audit, "preset.export")
    assert [(e.actor_email, e.after["format"]) for e in recorded] == [
        (VIEWER.email, "json"),
        (VIEWER.email, "message"),
    ]
    assert recorded[0].after["file_name"] == export_file_name(version)
    assert {e.after["content_hash"] for e in recorded} == {version.content_hash}
    assert audit.verify().ok


# -- uploads -----------------------------------------------------------------------------------


def test_an_upload_is_read_as_utf8_without_its_byte_order_mark():
    raw = "\ufeff" + json.dumps({"bot_name": "Notetaker ✓"}, ensure_ascii=False)
    assert read_upload(raw.encode()).text == json.dumps(
        {"bot_name": "Notetaker ✓"}, ensure_ascii=False
    )


def test_uploads_that_cannot_be_edited_are_refused_with_a_finding():
    utf16 = read_upload(json.dumps(WEBHOOK).encode("utf-16"))
    assert utf16.text is None and utf16.report.errors[0].code == "json.encoding"
    huge = read_upload(b" " * (MAX_DOCUMENT_BYTES + 1))
    assert huge.text is None and huge.report.errors[0].code == "json.too_large"


# -- showing where a syntax error is -----------------------------------------------------------


def test_error_lines_point_a_caret_at_the_column():
    text = '{\n  "bot_name": "x",\n}\n'
    (finding,) = check(text).report.errors
    assert (finding.line, finding.column) == (3, 1)
    assert error_lines([finding], text) == '2 |   "bot_name": "x",\n3 | }\n  | ^'


def test_error_lines_keep_the_neighbourhood_of_a_very_long_line():
    text = '{"bot_name": "' + "a" * 5000 + '" "x": 1}'
    (finding,) = check(text).report.errors
    assert finding.column == 5017
    excerpt = error_lines([finding], text)
    line, caret = excerpt.splitlines()
    assert len(line) < 200
    assert line[caret.index("^")] == '"'  # the caret sits on the key that needed a comma before it
    assert error_lines([Finding("a", "m", "error", "schema.type")], text) is None


# -- export texts ------------------------------------------------------------------------------


def make_version(content: dict | str, *, number: int = 3, note: str = "switch to Deepgram"):
    canonical = canonical_json(content)
    return Version(
        number=number,
        created_at=dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC),
        author="ada@console.example",
        note=note,
        content=canonical,
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def test_export_file_name_carries_version_and_short_hash():
    version = make_version(WEBHOOK)
    assert export_file_name(version) == f"recall-bot-preset-v3-{version.content_hash[:12]}.json"


def test_the_message_for_recall_holds_the_hash_summary_and_the_json():
    version = make_version(WEBHOOK, note="switch to\nDeepgram")
    message = recall_message(version, summarize(version.content))
    assert f"SHA-256 of the canonical JSON: {version.content_hash}" in message
    assert "Preset version: 3 (saved 2026-03-10 15:30 UTC by ada@console.example)" in message
    assert "Change: switch to Deepgram" in message
    assert "- Bots transcribe with Deepgram (deepgram_streaming)." in message
    body = message.split("```\n", 1)[1].split("\n```", 1)[0]
    assert body + "\n" == version.content
    assert hashlib.sha256((body + "\n").encode()).hexdigest() == version.content_hash


def test_a_long_summary_is_cut_in_the_message():
    version = make_version(WEBHOOK)
    message = recall_message(version, [f"Send it to endpoint {n}." for n in range(100)])
    assert "- Send it to endpoint 39." in message
    assert "endpoint 40." not in message
    assert "- … and 60 more (see the JSON)" in message


def test_a_preset_too_long_for_a_message_is_named_as_an_attachment():
    image = "A" * (MESSAGE_INLINE_LIMIT + 10)
    version = make_version({"automatic_video_output": {"in_call_recording": {"b64_data": image}}})
    message = recall_message(version, [])
    assert image not in message
    assert export_file_name(version) in message
    assert version.content_hash in message


def test_long_lines_are_shortened_on_screen_only():
    text = '{\n  "b64_data": "' + "A" * 10_000 + '"\n}'
    shown, cut = shorten_for_screen(text)
    assert cut and "(10,016 characters)" in shown and len(shown) < 500
    short = canonical_json(WEBHOOK)
    assert shorten_for_screen(short) == (short.rstrip("\n"), False)
    many, cut = shorten_for_screen("\n".join(["x"] * 10), max_lines=4)
    assert cut and many.splitlines()[-1] == "… 6 more lines"


def test_fingerprint_tells_texts_apart_exactly():
    assert text_fingerprint("{}") != text_fingerprint("{} ")
    assert text_fingerprint("{}") == hashlib.sha256(b"{}").hexdigest()
