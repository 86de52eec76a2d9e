"""Broken and hostile preset JSON on the presets page, pasted or uploaded: refused or handled in
words within a bounded time, never a traceback, and keys from the preset shown as text."""

from __future__ import annotations

import json
import time

import pytest

from lib.presets import MAX_DOCUMENT_BYTES
from lib.staff import Role
from lib.ui.state import KEY_PRESET_VALIDATE, SK_PRESET_TEXT, SK_PRESET_UPLOAD
from tests.app.test_account_helpers import live_markup, markdown_values
from tests.app.test_faults_helpers import all_texts, assert_no_traceback, unescape

PAGE = "pages/presets.py"
TWENTY_MB = 20 * 1024 * 1024
CAPTIONS = {"recording_config": {"transcript": {"provider": {"meeting_captions": {}}}}}
# A page run that validates a hostile document, rendering included.
BOUND_S = 15

BROKEN = [
    ("nested 10,000 levels", "[" * 10_000 + "]" * 10_000, "nest more than 64 levels deep"),
    (
        "twenty megabytes",
        '{"metadata": {"b": "' + "A" * TWENTY_MB + '"}}',
        "the editor takes at most 8 MiB, the same as uploads",
    ),
    (
        "duplicate keys",
        '{"recording_config": {}, "recording_config": {"retention": null}}',
        'The key "recording_config" appears more than once',
    ),
    ("NaN", '{"automatic_leave": {"waiting_room_timeout": NaN}}', "NaN is not JSON"),
    ("Infinity", '{"automatic_leave": {"waiting_room_timeout": Infinity}}', "Infinity is not JSON"),
]


@pytest.fixture
def presets_page(console_app):
    at = console_app(Role.ADMIN).run()
    at.switch_page(PAGE).run()
    assert_no_traceback(at)
    return at


def validate_text(at, text: str):
    # set_value, not input: what a client ignoring the browser's max length would send.
    at.text_area(key=SK_PRESET_TEXT).set_value(text)
    at.button(key=KEY_PRESET_VALIDATE).click().run()
    assert_no_traceback(at)
    return at


def test_broken_json_is_refused_in_words_within_a_bounded_time(presets_page):
    at = presets_page
    for what, text, words in BROKEN:
        started = time.monotonic()
        validate_text(at, text)
        assert time.monotonic() - started < BOUND_S, what
        errors = "\n".join(unescape(e.value) for e in at.error)
        assert words in errors, (what, errors)
        assert "No errors." not in all_texts(at), what
        # Nothing broken can be saved.
        assert at.button(key="presets.save").disabled, what


def test_a_bom_is_ignored_with_a_note(presets_page):
    at = validate_text(presets_page, "\ufeff" + json.dumps(CAPTIONS))
    shown = unescape(all_texts(at))
    assert "No errors." in shown
    assert "byte-order mark; it was ignored" in shown


def test_a_twenty_megabyte_upload_is_refused_and_the_editor_kept(presets_page):
    at = validate_text(presets_page, json.dumps(CAPTIONS))
    huge = ('{"metadata": {"b": "' + "A" * TWENTY_MB + '"}}').encode()
    started = time.monotonic()
    at.file_uploader(key=SK_PRESET_UPLOAD).upload("big.json", huge, "application/json").run()
    assert time.monotonic() - started < BOUND_S
    assert_no_traceback(at)
    assert "big.json was not loaded" in unescape(all_texts(at))
    assert "limited to 8 MiB" in unescape(all_texts(at))
    # The text being worked on is not replaced by the refused file.
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == CAPTIONS


@pytest.mark.parametrize(
    ("what", "pasted"),
    [
        ("twenty megabytes", '{"metadata": {"b": "' + "A" * TWENTY_MB + '"}}'),
        # Under the character limit the browser enforces, over the byte limit the server does.
        ("ten megabytes of two-byte characters", '{"bot_name": "' + "é" * (5 * 1024 * 1024) + '"}'),
    ],
)
def test_an_oversized_paste_is_refused_on_the_server_and_the_text_before_kept(
    presets_page, data_dir, what, pasted
):
    at = validate_text(presets_page, json.dumps(CAPTIONS))
    editor = at.text_area(key=SK_PRESET_TEXT)
    # The browser stops a paste one character past the upload limit.
    assert editor.max_chars == MAX_DOCUMENT_BYTES + 1
    started = time.monotonic()
    editor.set_value(pasted).run()
    assert time.monotonic() - started < BOUND_S, what
    assert_no_traceback(at)
    shown = unescape(all_texts(at))
    assert "the editor takes at most 8 MiB, the same as uploads" in shown, what
    assert "It was not kept" in shown
    # The oversized text is gone from the session, so later clicks do not resend it.
    assert json.loads(at.text_area(key=SK_PRESET_TEXT).value) == CAPTIONS
    at.button(key=KEY_PRESET_VALIDATE).click().run()
    assert "No errors." in all_texts(at)


def test_deep_nesting_upload_is_refused(presets_page):
    at = presets_page
    deep = ("[" * 10_000 + "]" * 10_000).encode()
    at.file_uploader(key=SK_PRESET_UPLOAD).upload("deep.json", deep, "application/json").run()
    assert_no_traceback(at)
    assert "nest more than 64 levels deep" in unescape(all_texts(at))


def test_keys_and_values_from_the_preset_are_shown_as_text(presets_page):
    hostile = (
        '{"<script>alert(1)</script>": 1, "<script>alert(1)</script>": 2, '
        '"[join](javascript:alert(1))": {"<img src=x onerror=alert(1)>": true}, '
        '"recording_config": {"video_mixed_layout": "<b>[x](http://attacker.example)</b>"}}'
    )
    at = validate_text(presets_page, hostile)
    shown = unescape(all_texts(at))
    assert 'The key "<script>alert(1)</script>" appears more than once' in shown
    offenders = [v for v in markdown_values(at) if live_markup(v)]
    assert offenders == []
