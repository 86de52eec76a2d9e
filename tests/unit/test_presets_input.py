"""Reading presets from hostile or malformed input: every case ends in a finding, quickly."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from lib.presets import MAX_DEPTH, MAX_DOCUMENT_BYTES, PresetParseError, canonical_json, validate
from lib.presets.jsonload import load


def only_error(config):
    report = validate(config)
    assert not report.ok
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


# --- JSON syntax: line and column -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        # Trailing comma: the parser stops at the closing brace on line 3.
        ('{\n  "bot_name": "x",\n}', 3, 1),
        # Missing comma between two members on lines 2 and 3.
        ('{\n  "bot_name": "x"\n  "metadata": {}\n}', 3, 3),
        # Single quotes: column 2 is where a double-quoted key was expected.
        ("{'bot_name': 'x'}", 1, 2),
        # Python literal instead of JSON true: column 34 is the T.
        ('{"chat": {"on_bot_join": {"pin": True}}}', 1, 34),
        # Unclosed string: reported where the string starts (the quote in column 15).
        ('{\n  "bot_name": "Notes', 2, 15),
        # A raw line break inside a string: reported at the break itself.
        ('{\n  "bot_name": "Notes\n"}', 2, 21),
        # Text after the object.
        ('{"bot_name": "x"} {}', 1, 19),
    ],
)
def test_syntax_errors_give_line_and_column(text, line, column):
    finding = only_error(text)
    assert finding.code == "json.syntax"
    assert (finding.line, finding.column) == (line, column)
    assert f"line {line}, column {column}" in finding.message
    assert finding.path == ""


def test_syntax_error_message_explains_the_usual_cause():
    finding = only_error('{"bot_name": "x",}')
    assert "double quotes" in finding.message
    assert "comma" in finding.message


@pytest.mark.parametrize(
    ("config", "code"),
    [
        ("", "json.empty"),
        ("   \n ", "json.empty"),
        ("[]", "json.top_level"),
        ('"a preset"', "json.top_level"),
        ("42", "json.top_level"),
        ("null", "json.top_level"),
        (12, "json.top_level"),
        (["not", "a", "mapping"], "json.top_level"),
    ],
)
def test_non_object_documents_are_refused(config, code):
    finding = only_error(config)
    assert finding.code == code


def test_top_level_message_names_what_was_given():
    assert "array" in only_error("[1, 2]").message


# --- duplicate keys -------------------------------------------------------------------------


def test_duplicate_key_is_an_error_naming_key_and_path():
    text = """{
      "recording_config": {
        "realtime_endpoints": [
          {"type": "webhook", "url": "https://a.example/x", "url": "https://b.example/y",
           "events": ["participant_events.join"]}
        ]
      }
    }"""
    report = validate(text)
    duplicates = [f for f in report.errors if f.code == "json.duplicate_key"]
    assert [f.path for f in duplicates] == ["recording_config.realtime_endpoints.0.url"]
    assert '"url"' in duplicates[0].message


def test_duplicate_keys_at_top_level_and_deep_are_all_reported():
    text = '{"bot_name": "a", "metadata": {"team": "x", "team": "y"}, "bot_name": "b"}'
    paths = {f.path for f in validate(text).errors if f.code == "json.duplicate_key"}
    assert paths == {"bot_name", "metadata.team"}


def test_a_key_repeated_three_times_is_reported_once():
    text = '{"bot_name": "a", "bot_name": "b", "bot_name": "c"}'
    assert [f.code for f in validate(text).errors] == ["json.duplicate_key"]


def test_same_key_in_sibling_objects_is_not_a_duplicate():
    text = '{"metadata": {"a": "1"}, "recording_config": {"metadata": {"a": "2"}}}'
    assert validate(text).ok


def test_canonical_json_refuses_duplicate_keys():
    with pytest.raises(PresetParseError) as info:
        canonical_json('{"bot_name": "a", "bot_name": "b"}')
    assert info.value.findings[0].code == "json.duplicate_key"


# --- numbers JSON does not have -------------------------------------------------------------


# The value starts in column 46: 1 brace + 17 + 1 colon + 1 space + 1 brace + 22 + 1 + 1 space.
@pytest.mark.parametrize(
    ("text", "column"),
    [
        ('{"automatic_leave": {"waiting_room_timeout": NaN}}', 46),
        ('{"automatic_leave": {"waiting_room_timeout": Infinity}}', 46),
        ('{"automatic_leave": {"waiting_room_timeout": -Infinity}}', 46),
        # Valid JSON grammar, but Python would silently turn it into infinity.
        ('{"automatic_leave": {"waiting_room_timeout": 1e400}}', 46),
        # On a later line (a space instead of the brace), after a string that says NaN.
        ('{"bot_name": "NaN",\n "automatic_leave": {"waiting_room_timeout": NaN}}', 46),
    ],
)
def test_non_finite_numbers_are_refused_with_position(text, column):
    finding = only_error(text)
    assert finding.code == "json.non_finite"
    assert (finding.line, finding.column) == (text.count("\n") + 1, column)


def test_nan_inside_a_string_is_just_text():
    assert validate('{"bot_name": "NaN Infinity"}').ok


def test_integer_with_thousands_of_digits_is_refused():
    finding = only_error('{"automatic_leave": {"waiting_room_timeout": ' + "9" * 5000 + "}}")
    assert finding.code == "json.number_too_long"


def test_nan_in_a_mapping_is_refused():
    finding = only_error({"automatic_leave": {"waiting_room_timeout": float("nan")}})
    assert finding.code == "json.non_finite"
    assert finding.path == "automatic_leave.waiting_room_timeout"


# --- encodings and the byte-order mark ------------------------------------------------------


def test_utf8_bom_in_text_is_stripped_with_a_note():
    report = validate('\ufeff{"recording_config": {}}')
    assert report.ok
    assert [n.code for n in report.notes] == ["json.bom"]


def test_utf8_bom_in_bytes_is_stripped_and_positions_ignore_it():
    report = validate(b'\xef\xbb\xbf{\n  "bot_name": "x",\n}')
    syntax = [f for f in report.errors if f.code == "json.syntax"]
    assert (syntax[0].line, syntax[0].column) == (3, 1)
    assert "json.bom" in {n.code for n in report.notes}


def test_utf16_file_is_refused():
    assert only_error('{"bot_name": "x"}'.encode("utf-16")).code == "json.encoding"


def test_invalid_utf8_is_refused_with_position():
    finding = only_error(b'{\n  "bot_name": "\xff"}')
    assert finding.code == "json.encoding"
    assert finding.line == 2


def test_unpaired_surrogate_escape_is_refused_but_a_pair_is_fine():
    assert only_error('{"bot_name": "\\ud800"}').code == "json.invalid_unicode"
    assert validate('{"bot_name": "\\ud83d\\ude00"}').ok


# --- size and depth caps: bounded time and memory ---------------------------------------------


def test_twenty_megabyte_document_is_refused_without_parsing():
    text = '{"bot_name": "' + "x" * 20_000_000 + '"}'
    tracemalloc.start()
    try:
        report = validate(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.code for f in report.errors] == ["json.too_large"]
    # Nothing proportional to the input was allocated.
    assert peak < 1_000_000


def test_size_cap_counts_utf8_bytes_not_characters():
    # Under the cap in characters, over it in bytes (3 bytes per character).
    text = '{"bot_name": "' + "€" * (MAX_DOCUMENT_BYTES // 3 + 10) + '"}'
    assert only_error(text).code == "json.too_large"
    assert only_error(text.encode()).code == "json.too_large"


def test_largest_legitimate_preset_is_accepted():
    # Three media blobs at the documented maximum length each: about 5.3 MB.
    blob = "QUJD" * (1_835_008 // 4)
    preset = {
        "automatic_video_output": {
            "in_call_recording": {"kind": "jpeg", "b64_data": blob},
            "in_call_not_recording": {"kind": "jpeg", "b64_data": blob},
        },
        "automatic_audio_output": {
            "in_call_recording": {"data": {"kind": "mp3", "b64_data": blob}}
        },
    }
    report = validate(json.dumps(preset))
    assert report.ok, report.errors


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        # Unbalanced and deep: still the depth finding, not a parser crash.
        "[" * 10_000,
    ],
)
def test_ten_thousand_levels_of_nesting_are_refused(text):
    # bench/bench_presets_hostile.py measures how quickly.
    finding = only_error(text)
    assert finding.code == "json.too_deep"
    assert finding.line == 1
    assert finding.column is not None


def test_depth_cap_is_exact():
    inside = '{"metadata": {"k": ' + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "}}"
    assert all(f.code != "json.too_deep" for f in validate(inside).findings)
    deeper = '{"metadata": {"k": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}}"
    assert only_error(deeper).code == "json.too_deep"


def test_brackets_inside_strings_do_not_count_towards_depth():
    text = json.dumps({"bot_name": "[" * 90, "metadata": {"note": "{" * 5000}})
    assert all(f.code != "json.too_deep" for f in validate(text).findings)


def test_deeply_nested_mapping_is_refused():
    nested: dict = {}
    node = nested
    for _ in range(10_000):
        node["a"] = {}
        node = node["a"]
    assert only_error(nested).code == "json.too_deep"


def test_self_referencing_mapping_is_refused():
    loop: dict = {}
    loop["metadata"] = loop
    assert only_error(loop).code == "json.too_deep"


def test_mapping_with_non_json_values_is_refused():
    assert only_error({"metadata": {"a": object()}}).code == "json.not_json"
    assert only_error({"metadata": {1: "a"}}).code == "json.not_json"


def test_mapping_input_is_copied_not_aliased():
    preset = {"recording_config": {"transcript": {"provider": {"recallai_streaming": {}}}}}
    loaded = load(preset)
    assert loaded.data == preset
    assert loaded.data is not preset
    assert loaded.data["recording_config"] is not preset["recording_config"]


@pytest.mark.parametrize(
    ("text", "first_code"),
    [
        # Many escaped quotes and no closing quote: a naive string regex goes quadratic.
        ('{"bot_name": "' + '\\"' * 1_000_000, "json.syntax"),
        # Hundreds of thousands of small objects (one hook call each).
        (
            '{"metadata": {"k": null}, "webex": {"x": [' + ",".join(["{}"] * 300_000) + "]}}",
            "webex.unchecked",
        ),
        # Many brackets, shallow: the depth scan runs in full.
        ('{"webex": {"x": [' + ",".join(["[]"] * 300_000) + "]}}", "webex.unchecked"),
    ],
)
def test_hostile_but_small_documents_get_a_report(text, first_code):
    # How long they take is measured by bench/bench_presets_hostile.py, not here.
    report = validate(text)
    assert report.findings[0].code == first_code


def test_flood_of_errors_is_capped_and_errors_come_first():
    endpoints = [{"type": "bogus", "events": []} for _ in range(800)]
    report = validate({"recording_config": {"realtime_endpoints": endpoints}})
    assert len(report.findings) <= 501
    assert report.notes[-1].code == "report.truncated"
    assert len(report.errors) == 500
