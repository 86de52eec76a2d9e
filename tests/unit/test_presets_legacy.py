"""v1.10 presets: accepted with warnings, refused when mixed with v1.11, and migrated without
losing anything (docs/create-bot-schema.md §1, §13, §14)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.presets import (
    PresetParseError,
    classify,
    migrate,
    migrate_with_report,
    summarize,
    validate,
)

UUID = "123e4567-e89b-12d3-a456-426614174000"
HOOK = "https://hooks.example.com/recall"

# --- the seed examples ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "legacy_keys"),
    [
        ({"transcription_options": {"provider": "assembly_ai"}}, {"transcription_options"}),
        ({"real_time_transcription": {"destination_url": HOOK}}, {"real_time_transcription"}),
        (
            {
                "transcription_options": {"provider": "assembly_ai"},
                "real_time_transcription": {"destination_url": HOOK, "partial_results": False},
            },
            {"transcription_options", "real_time_transcription"},
        ),
    ],
)
def test_seed_examples_give_a_legacy_warning_not_an_error(preset, legacy_keys):
    report = validate(json.dumps(preset))
    assert report.ok, report.errors
    assert report.style == "legacy"
    assert {f.path for f in report.warnings if f.code == "legacy.field"} == legacy_keys


def test_legacy_warning_names_the_current_place():
    report = validate({"transcription_options": {"provider": "assembly_ai"}})
    (warning,) = report.warnings
    assert "recording_config.transcript.provider" in warning.message
    report = validate({"real_time_transcription": {"destination_url": HOOK}})
    assert "recording_config.realtime_endpoints" in report.warnings[0].message


# --- every legacy field: a warning naming where it lives now ------------------------------------

# (key, a valid v1.10 value, text the warning must contain)
LEGACY: list[tuple[str, Any, str]] = [
    ("transcription_options", {"provider": "deepgram"}, "recording_config.transcript"),
    ("real_time_transcription", {"destination_url": HOOK}, "recording_config.realtime_endpoints"),
    ("real_time_media", {"rtmp_destination_url": "rtmp://l.example/a/k"}, "realtime_endpoints"),
    ("recording_mode", "gallery_view", "recording_config.video_mixed_layout"),
    (
        "recording_mode_options",
        {"start_recording_on": "call_join"},
        "recording_config.start_recording_on",
    ),
    ("include_bot_in_recording", {"audio": True}, "recording_config.include_bot_in_recording"),
    (
        "slack_huddle_observer",
        {
            "slack_team_integration_id": UUID,
            "team_domain": "acme",
            "login_email": "bot@acme.example",
            "huddle_bot_api_token": "xoxb-secret-token",
        },
        "no equivalent",
    ),
    ("slack_authenticator", {"team_domain": "acme"}, "no equivalent"),
]


@pytest.mark.parametrize(("key", "value", "place"), LEGACY)
def test_each_legacy_field_is_a_warning_with_its_replacement(key, value, place):
    report = validate({key: value})
    assert report.ok, report.errors
    (warning,) = [f for f in report.warnings if f.path == key and f.code == "legacy.field"]
    assert place in warning.message


@pytest.mark.parametrize(("key", "value", "place"), LEGACY)
def test_strict_mode_makes_legacy_fields_errors(key, value, place):
    report = validate({key: value}, strict=True)
    assert [f.code for f in report.errors if f.path == key] == ["legacy.field"]


def test_nested_legacy_shapes_are_warnings():
    report = validate(
        {"automatic_leave": {"everyone_left_timeout": 30}, "google_meet": {"login_required": True}}
    )
    assert report.ok
    assert {(f.path, f.code) for f in report.warnings} == {
        ("automatic_leave.everyone_left_timeout", "legacy.field"),
        ("google_meet.login_required", "legacy.field"),
    }
    assert '{"timeout": 30}' in report.warnings[0].message


def test_legacy_field_shapes_are_still_checked():
    report = validate(
        {
            "transcription_options": {"provider": "assemblyai", "language": "en"},
            "real_time_transcription": {"destination_url": "not a url"},
            "recording_mode": "grid",
        }
    )
    assert {(f.path, f.code) for f in report.errors} == {
        ("transcription_options.provider", "schema.enum"),
        ("transcription_options.language", "schema.unknown_key"),
        ("real_time_transcription.destination_url", "schema.format"),
        ("recording_mode", "schema.enum"),
    }


def test_real_time_transcription_without_a_provider_is_warned_about():
    report = validate({"real_time_transcription": {"destination_url": HOOK}})
    assert "legacy.no_provider" in {f.code for f in report.warnings}


@pytest.mark.parametrize("provider", ["symbl", "default"])
def test_providers_with_no_current_equivalent_are_warned_about(provider):
    report = validate({"transcription_options": {"provider": provider}})
    assert report.ok
    assert "legacy.provider_unmappable" in {f.code for f in report.warnings}


def test_options_for_another_provider_are_warned_about():
    report = validate({"transcription_options": {"provider": "deepgram", "rev": {}}})
    assert [f.path for f in report.warnings if f.code == "legacy.options_ignored"] == [
        "transcription_options.rev"
    ]


def test_legacy_secret_is_never_repeated():
    preset = {"slack_huddle_observer": {"huddle_bot_api_token": 12345, "team_domain": 5}}
    text = repr(validate(preset)) + repr(migrate_with_report(preset))
    assert "12345" not in text


# --- mixing v1.10 and v1.11 ---------------------------------------------------------------------

# (legacy key, value, the current field that says the same thing)
MIXES: list[tuple[str, Any, dict[str, Any]]] = [
    (
        "transcription_options",
        {"provider": "assembly_ai"},
        {"transcript": {"provider": {"assembly_ai_v3_streaming": {}}}},
    ),
    (
        "real_time_transcription",
        {"destination_url": HOOK},
        {
            "realtime_endpoints": [
                {"type": "webhook", "url": HOOK, "events": ["participant_events.join"]}
            ]
        },
    ),
    ("recording_mode", "audio_only", {"video_mixed_layout": "audio_only"}),
    (
        "recording_mode_options",
        {"start_recording_on": "call_join"},
        {"start_recording_on": "call_join"},
    ),
    ("include_bot_in_recording", {"audio": True}, {"include_bot_in_recording": {"audio": True}}),
]


@pytest.mark.parametrize(("key", "value", "current"), MIXES)
def test_legacy_and_current_for_the_same_thing_is_an_error(key, value, current):
    report = validate({key: value, "recording_config": current})
    assert report.style == "mixed"
    (error,) = [f for f in report.errors if f.path == key]
    assert error.code == "legacy.mixed"
    assert "same thing" in error.message


def test_any_legacy_key_next_to_recording_config_is_an_error():
    report = validate({"recording_mode": "gallery_view", "recording_config": {}})
    assert [(f.path, f.code) for f in report.errors] == [("recording_mode", "legacy.mixed")]
    assert "recording_config.video_mixed_layout" in report.errors[0].message


def test_null_recording_config_does_not_make_a_legacy_preset_mixed():
    preset = {"recording_mode": "gallery_view", "recording_config": None}
    assert classify(preset) == "legacy"
    assert validate(preset).ok


# --- migration: every legacy field mapped ---------------------------------------------------------

WITH_PROVIDER = {"transcription_options": {"provider": "recallai"}}


@pytest.mark.parametrize(
    ("legacy", "current", "options"),
    [
        ("assembly_ai", "assembly_ai_v3_streaming", {}),
        ("assembly_ai_async_chunked", "assembly_ai_async_chunked", {"speech_model": "best"}),
        ("deepgram", "deepgram_streaming", {"model": "nova-2", "language": "en"}),
        ("rev", "rev_streaming", {"language": "en"}),
        ("aws_transcribe", "aws_transcribe_streaming", {"language_code": "en-US"}),
        ("speechmatics", "speechmatics_streaming", {"language": "en"}),
        ("gladia", "gladia_v2_streaming", {}),
        ("gladia_v2", "gladia_v2_streaming", {}),
        ("meeting_captions", "meeting_captions", {}),
    ],
)
def test_transcription_provider_is_mapped_with_its_options(legacy, current, options):
    preset = {"transcription_options": {"provider": legacy, legacy: options}}
    migrated, findings = migrate_with_report(preset)
    assert migrated == {
        "recording_config": {
            "transcript": {"provider": {current: options}},
            "start_recording_on": "call_join",
        }
    }
    assert [f.code for f in findings] == ["migrate.default_changed"]
    report = validate(migrated)
    assert report.ok, report.errors
    assert report.style == "current"


def test_provider_none_means_no_transcript():
    migrated = migrate({"transcription_options": {"provider": "none"}})
    assert "transcript" not in migrated["recording_config"]


# (legacy preset, paths in the migrated preset and their expected values)
MAPPINGS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"transcription_options": {"provider": "rev", "use_separate_streams_when_available": True}},
        {"recording_config.transcript.diarization.use_separate_streams_when_available": True},
    ),
    (
        {
            "transcription_options": {"provider": "assembly_ai"},
            "real_time_transcription": {"destination_url": HOOK},
        },
        {
            "recording_config.realtime_endpoints": [
                {"type": "webhook", "url": HOOK, "events": ["transcript.data"]}
            ]
        },
    ),
    (
        {
            "transcription_options": {"provider": "assembly_ai"},
            "real_time_transcription": {"destination_url": HOOK, "partial_results": True},
        },
        {
            "recording_config.realtime_endpoints.0.events": [
                "transcript.data",
                "transcript.partial_data",
            ]
        },
    ),
    (
        {"real_time_media": {"rtmp_destination_url": "rtmp://live.example.com/app/key"}},
        {
            "recording_config.realtime_endpoints": [
                {
                    "type": "rtmp",
                    "url": "rtmp://live.example.com/app/key",
                    "events": ["video_mixed_flv.data"],
                }
            ],
            "recording_config.video_mixed_flv": {},
        },
    ),
    (
        {"real_time_media": {"websocket_audio_destination_url": "wss://ws.example.com/a"}},
        {
            "recording_config.realtime_endpoints.0": {
                "type": "websocket",
                "url": "wss://ws.example.com/a",
                "events": ["audio_mixed_raw.data"],
            },
            "recording_config.audio_mixed_raw": {},
        },
    ),
    (
        {"real_time_media": {"websocket_video_destination_url": "wss://ws.example.com/v"}},
        {
            "recording_config.realtime_endpoints.0.events": ["video_separate_h264.data"],
            "recording_config.video_separate_h264": {},
        },
    ),
    (
        {
            "recording_mode": "gallery_view_v2",
            "real_time_media": {"websocket_video_destination_url": "wss://ws.example.com/v"},
        },
        {
            "recording_config.realtime_endpoints.0.events": ["video_separate_png.data"],
            "recording_config.video_separate_png": {},
            "recording_config.video_mixed_layout": "gallery_view_v2",
        },
    ),
    (
        {
            "real_time_media": {
                "websocket_speaker_timeline_destination_url": "wss://ws.example.com/s"
            }
        },
        {
            "recording_config.realtime_endpoints.0": {
                "type": "websocket",
                "url": "wss://ws.example.com/s",
                "events": ["participant_events.speech_on", "participant_events.speech_off"],
            }
        },
    ),
    (
        {"real_time_media": {"websocket_speaker_timeline_destination_url": HOOK}},
        {"recording_config.realtime_endpoints.0.type": "webhook"},
    ),
    (
        {"real_time_media": {"webhook_call_events_destination_url": HOOK}},
        {
            "recording_config.realtime_endpoints.0": {
                "type": "webhook",
                "url": HOOK,
                "events": [
                    "participant_events.join",
                    "participant_events.leave",
                    "participant_events.speech_on",
                    "participant_events.speech_off",
                ],
            }
        },
    ),
    (
        {"real_time_media": {"webhook_chat_messages_destination_url": HOOK}},
        {
            "recording_config.realtime_endpoints.0": {
                "type": "webhook",
                "url": HOOK,
                "events": ["participant_events.chat_message"],
            }
        },
    ),
    ({"recording_mode": "audio_only"}, {"recording_config.video_mixed_layout": "audio_only"}),
    (
        {"recording_mode_options": {"participant_video_when_screenshare": "hide"}},
        {"recording_config.video_mixed_participant_video_when_screenshare": "hide"},
    ),
    (
        {"recording_mode_options": {"start_recording_on": "participant_speak"}},
        {"recording_config.start_recording_on": "participant_speak"},
    ),
    (
        {"include_bot_in_recording": {"audio": True}},
        {"recording_config.include_bot_in_recording": {"audio": True}},
    ),
    (
        {"automatic_leave": {"everyone_left_timeout": 30, "waiting_room_timeout": 60}},
        {"automatic_leave": {"everyone_left_timeout": {"timeout": 30}, "waiting_room_timeout": 60}},
    ),
]


def at(config: Any, path: str) -> Any:
    for part in path.split("."):
        config = config[int(part)] if isinstance(config, list) else config[part]
    return config


@pytest.mark.parametrize(("legacy", "expected"), MAPPINGS)
def test_every_legacy_field_is_mapped_and_the_result_has_no_legacy_warning(legacy, expected):
    migrated = migrate(legacy)
    for path, value in expected.items():
        assert at(migrated, path) == value, path
    report = validate(migrated)
    assert report.ok, report.errors
    assert not [f for f in report.findings if f.code.startswith("legacy.")]
    assert report.style == "current"


def test_endpoints_with_the_same_url_are_merged():
    migrated = migrate(
        {
            "transcription_options": {"provider": "deepgram"},
            "real_time_transcription": {"destination_url": HOOK},
            "real_time_media": {"webhook_call_events_destination_url": HOOK},
        }
    )
    (endpoint,) = migrated["recording_config"]["realtime_endpoints"]
    assert endpoint["events"][0] == "transcript.data"
    assert "participant_events.join" in endpoint["events"]


def test_old_default_start_trigger_is_kept_explicitly():
    migrated, findings = migrate_with_report({"recording_mode": "speaker_view"})
    assert migrated["recording_config"]["start_recording_on"] == "call_join"
    (note,) = [f for f in findings if f.code == "migrate.default_changed"]
    assert note.severity == "note"


# --- migration: nothing dropped silently --------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "path", "severity"),
    [
        (
            {"real_time_transcription": {"destination_url": HOOK, "enhanced_diarization": True}},
            "real_time_transcription.enhanced_diarization",
            "warning",
        ),
        (
            {"real_time_transcription": {"destination_url": HOOK, "enhanced_diarization": False}},
            "real_time_transcription.enhanced_diarization",
            "note",
        ),
        (
            {
                "real_time_media": {
                    "websocket_speaker_timeline_destination_url": "wss://s.example/",
                    "websocket_speaker_timeline_exclude_null_speaker": False,
                }
            },
            "real_time_media.websocket_speaker_timeline_exclude_null_speaker",
            "warning",
        ),
        ({"google_meet": {"login_required": True}}, "google_meet.login_required", "warning"),
        ({"google_meet": {"login_required": False}}, "google_meet.login_required", "note"),
        (
            {
                "transcription_options": {
                    "provider": "assembly_ai",
                    "assembly_ai": {"word_boost": ["Acme"]},
                }
            },
            "transcription_options.assembly_ai.word_boost",
            "warning",
        ),
        (
            {"transcription_options": {"provider": "symbl"}},
            "transcription_options.provider",
            "warning",
        ),
        (
            {"transcription_options": {"provider": "default"}},
            "transcription_options.provider",
            "warning",
        ),
        (
            {"transcription_options": {"provider": "deepgram", "rev": {"language": "en"}}},
            "transcription_options.rev",
            "note",
        ),
        ({"slack_authenticator": {"team_domain": "acme"}}, "slack_authenticator", "warning"),
    ],
)
def test_what_has_no_current_place_is_reported(legacy, path, severity):
    migrated, findings = migrate_with_report(legacy)
    reported = [f for f in findings if f.path == path]
    assert [f.severity for f in reported] == [severity]
    report = validate(migrated)
    assert not [f for f in report.findings if f.code.startswith("legacy.")]


def test_dropped_option_values_are_kept_in_the_report():
    legacy = {
        "transcription_options": {
            "provider": "assembly_ai",
            "assembly_ai": {"word_boost": ["Acme"]},
        }
    }
    _, findings = migrate_with_report(legacy)
    (dropped,) = [f for f in findings if f.code == "migrate.dropped"]
    assert '["Acme"]' in dropped.message


FULL_LEGACY: dict[str, Any] = {
    "bot_name": "Acme Notes",
    "transcription_options": {
        "provider": "deepgram",
        "deepgram": {"model": "nova-2", "smart_format": "true", "alternatives": 2},
        "use_separate_streams_when_available": True,
    },
    "real_time_transcription": {
        "destination_url": HOOK,
        "partial_results": True,
        "enhanced_diarization": True,
    },
    "real_time_media": {
        "rtmp_destination_url": "rtmp://live.example.com/app/key",
        "websocket_audio_destination_url": "wss://ws.example.com/audio",
        "websocket_video_destination_url": "wss://ws.example.com/video",
        "websocket_speaker_timeline_destination_url": "wss://ws.example.com/speakers",
        "webhook_call_events_destination_url": "https://hooks.example.com/calls",
        "webhook_chat_messages_destination_url": "https://hooks.example.com/chat",
        "websocket_speaker_timeline_exclude_null_speaker": False,
    },
    "recording_mode": "gallery_view",
    "recording_mode_options": {
        "participant_video_when_screenshare": "beside",
        "start_recording_on": "participant_join",
    },
    "include_bot_in_recording": {"audio": True},
    "automatic_leave": {"everyone_left_timeout": 10, "noone_joined_timeout": 300},
    "google_meet": {"login_required": True, "google_login_group_id": UUID},
    "slack_huddle_observer": {
        "slack_team_integration_id": UUID,
        "team_domain": "acme",
        "login_email": "bot@acme.example",
        "huddle_bot_api_token": "xoxb-secret-token",
    },
    "metadata": {"source": "old"},
}


def _leaves(value: Any, path: str = ""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}.{index}")
    else:
        yield path, value


def test_every_value_of_a_full_legacy_preset_is_carried_or_reported():
    migrated, findings = migrate_with_report(FULL_LEGACY)
    carried = json.dumps(migrated)
    reported = {f.path for f in findings}
    for path, value in _leaves(FULL_LEGACY):
        covered = any(path == r or path.startswith(r + ".") for r in reported)
        if isinstance(value, str) and value not in carried:
            assert covered, path
        if not isinstance(value, str):
            # Booleans and numbers are checked through the documented mapping below.
            continue
    assert "xoxb-secret-token" not in carried
    assert "xoxb-secret-token" not in repr(findings)

    recording = migrated["recording_config"]
    assert recording["video_mixed_layout"] == "gallery_view"
    assert recording["video_mixed_participant_video_when_screenshare"] == "beside"
    assert recording["start_recording_on"] == "participant_join"
    assert recording["include_bot_in_recording"] == {"audio": True}
    assert recording["transcript"] == {
        "provider": {
            "deepgram_streaming": {"model": "nova-2", "smart_format": "true", "alternatives": 2}
        },
        "diarization": {"use_separate_streams_when_available": True},
    }
    assert migrated["automatic_leave"] == {
        "everyone_left_timeout": {"timeout": 10},
        "noone_joined_timeout": 300,
    }
    assert migrated["google_meet"] == {"google_login_group_id": UUID}
    assert {"enhanced_diarization", "websocket_speaker_timeline_exclude_null_speaker"} <= {
        f.path.rsplit(".", 1)[-1] for f in findings if f.code == "migrate.dropped"
    }
    report = validate(migrated)
    assert report.ok, report.errors
    assert not [f for f in report.findings if f.code.startswith("legacy.")]


def test_migration_is_idempotent_and_leaves_current_presets_alone():
    once = migrate(FULL_LEGACY)
    twice, findings = migrate_with_report(once)
    assert twice == once
    assert findings == []


def test_migration_does_not_modify_its_input():
    original = copy.deepcopy(FULL_LEGACY)
    migrate(FULL_LEGACY)
    assert original == FULL_LEGACY


def test_mixed_preset_keeps_the_current_value_and_reports_the_conflict():
    preset = {
        "transcription_options": {"provider": "deepgram"},
        "recording_mode": "audio_only",
        "recording_config": {
            "transcript": {"provider": {"recallai_streaming": {}}},
            "video_mixed_layout": "audio_only",
        },
    }
    migrated, findings = migrate_with_report(preset)
    assert migrated == {
        "recording_config": {
            "transcript": {"provider": {"recallai_streaming": {}}},
            "video_mixed_layout": "audio_only",
        }
    }
    # The same layout in both places is no conflict; the other provider is.
    assert [(f.path, f.code) for f in findings] == [("transcription_options", "migrate.conflict")]
    assert "deepgram_streaming" in findings[0].message


def test_migration_cannot_write_into_a_recording_config_that_is_not_an_object():
    migrated, findings = migrate_with_report(
        {"recording_mode": "audio_only", "recording_config": 5}
    )
    assert [f.code for f in findings] == ["migrate.blocked"]
    assert migrated["recording_mode"] == "audio_only"


def test_migrate_refuses_unreadable_json():
    with pytest.raises(PresetParseError) as info:
        migrate('{"recording_mode": ')
    assert info.value.findings[0].code == "json.syntax"
    assert "line 1" in str(info.value)


# --- properties over arbitrary presets --------------------------------------------------------

KEYS = [
    "transcription_options",
    "real_time_transcription",
    "real_time_media",
    "recording_mode",
    "recording_mode_options",
    "include_bot_in_recording",
    "slack_huddle_observer",
    "recording_config",
    "automatic_leave",
    "google_meet",
    "chat",
    "bot_name",
    "provider",
    "destination_url",
    "deepgram",
    "transcript",
    "realtime_endpoints",
    "everyone_left_timeout",
    "login_required",
    "type",
    "url",
    "events",
    "video_mixed_layout",
    "send_to",
    "start_recording_on",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "deepgram",
            "assembly_ai",
            "symbl",
            "none",
            "webhook",
            "websocket",
            "rtmp",
            HOOK,
            "wss://ws.example.com/x",
            "transcript.data",
            "gallery_view_v2",
            "call_join",
            "host",
        ]
    ),
    st.text(max_size=8),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=5),
    ),
    max_leaves=25,
)
PRESETS = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PRESETS)
def test_arbitrary_presets_never_crash_and_migrate_to_no_legacy_findings(preset):
    report = validate(preset)
    assert report.ok == (not report.errors)
    assert isinstance(summarize(preset), list)
    migrated, findings = migrate_with_report(preset)
    if any(f.code == "migrate.blocked" for f in findings):
        return
    assert not [
        f
        for f in validate(migrated).findings
        if f.code in ("legacy.field", "legacy.mixed") or f.code.startswith("migrate.")
    ]
    assert migrate(migrated) == migrated


@settings(max_examples=200, deadline=None)
@given(PRESETS)
def test_validating_text_and_mapping_agree(preset):
    as_text = validate(json.dumps(preset))
    as_mapping = validate(preset)
    assert as_text == as_mapping
