"""The current Create Bot body: every documented type, enum, range, length and required field,
accepted and refused. Expected values are transcribed from docs/create-bot-schema.md §2-§12,
not read from the implementation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lib.presets import validate

JPEG_B64 = "/9j/4AAQSkZJRg=="
MP3_B64 = "SUQzBAAAAAAA"
UUID = "123e4567-e89b-12d3-a456-426614174000"
PROVIDER = "recording_config.transcript.provider"

# A valid current preset that uses nearly every object of the body.
BASE: dict[str, Any] = {
    "recording_config": {
        "transcript": {
            "provider": {"recallai_streaming": {"language_code": "en"}},
            "diarization": {"use_separate_streams_when_available": True},
            "metadata": {"kind": "notes"},
        },
        "realtime_endpoints": [
            {
                "type": "webhook",
                "url": "https://hooks.example.com/recall",
                "events": ["transcript.data", "participant_events.join"],
                "metadata": {"env": None},
            },
            {
                "type": "websocket",
                "url": "wss://ws.example.com/audio",
                "events": ["audio_mixed_raw.data"],
            },
            {
                "type": "rtmp",
                "url": "rtmps://live.example.com/app/key",
                "events": ["video_mixed_flv.data"],
            },
        ],
        "retention": {"type": "timed", "hours": 168},
        "video_mixed_layout": "speaker_view",
        "video_mixed_participant_video_when_screenshare": "overlap",
        "start_recording_on": "participant_join",
        "include_bot_in_recording": {"audio": False},
        "metadata": {"team": "sales"},
        "video_mixed_mp4": {},
        "participant_events": {},
        "meeting_metadata": {"metadata": {"a": "b"}},
        "audio_mixed_raw": {},
        "audio_mixed_mp3": None,
        "audio_separate_raw": {},
        "audio_separate_mp3": {},
        "video_mixed_flv": {},
        "video_separate_h264": {},
    },
    "automatic_video_output": {
        "in_call_recording": {"kind": "jpeg", "b64_data": JPEG_B64},
        "in_call_not_recording": {"kind": "jpeg", "b64_data": JPEG_B64},
    },
    "automatic_audio_output": {
        "in_call_recording": {
            "data": {"kind": "mp3", "b64_data": MP3_B64},
            "replay_on_participant_join": {
                "debounce_interval": 10,
                "debounce_mode": "trailing",
                "disable_after": 300,
            },
        }
    },
    "chat": {
        "on_bot_join": {"send_to": "everyone", "message": "Hello", "pin": False},
        "on_participant_join": {"message": "Welcome", "exclude_host": True},
    },
    "automatic_leave": {
        "waiting_room_timeout": 600,
        "noone_joined_timeout": 1200,
        "everyone_left_timeout": {"timeout": 2, "activate_after": 1},
        "in_call_not_recording_timeout": 3600,
        "in_call_recording_timeout": 7200,
        "recording_permission_denied_timeout": 30,
        "silence_detection": {"timeout": 3600, "activate_after": 1200},
        "bot_detection": {
            "using_participant_events": {"timeout": 600, "activate_after": 1200},
            "using_participant_names": {
                "timeout": 3600,
                "activate_after": 1200,
                "matches": ["bot"],
            },
        },
    },
    "variant": {"zoom": "web", "google_meet": "web", "microsoft_teams": "web", "webex": "web"},
    "zoom": {
        "join_token_url": "https://api.example.com/zoom/join-token",
        "zak_url": "https://api.example.com/zoom/zak",
        "user_email": "host@example.com",
    },
    "google_meet": {"google_login_group_id": UUID},
    "breakout_room": {"mode": "auto_accept_all_invites"},
    "metadata": {"source": "calendar"},
}

OUTPUT_MEDIA = {
    "output_media": {
        "camera": {"kind": "webpage", "config": {"url": "https://app.example.com/cam"}},
        "screenshare": {"kind": "webpage", "config": {"url": "https://app.example.com/screen"}},
    }
}


def _split(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def with_values(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with each dotted path set (missing objects created)."""
    config = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = _split(path)
        node: Any = config
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        node[last] = copy.deepcopy(value)
    return config


def without(base: dict[str, Any], path: str) -> dict[str, Any]:
    config = copy.deepcopy(base)
    *parents, last = _split(path)
    node: Any = config
    for part in parents:
        node = node[part]
    del node[last]
    return config


def errors_at(config: Any, path: str) -> list[str]:
    return [f.code for f in validate(config).errors if f.path == path]


def test_the_base_preset_is_valid():
    report = validate(BASE)
    assert report.ok, report.errors
    assert report.style == "current"
    assert validate(with_values(BASE, OUTPUT_MEDIA | {})).ok


# --- enums (§3-§11) ---------------------------------------------------------------------------

# (path, every documented value, a refused value, other changes needed for the context)
ENUMS: list[tuple[str, tuple[Any, ...], Any, dict[str, Any]]] = [
    (
        "recording_config.video_mixed_layout",
        ("speaker_view", "gallery_view", "gallery_view_v2", "audio_only"),
        "grid",
        {},
    ),
    (
        "recording_config.video_mixed_participant_video_when_screenshare",
        ("hide", "beside", "overlap"),
        "side",
        {},
    ),
    (
        "recording_config.start_recording_on",
        ("call_join", "participant_join", "participant_speak", "manual"),
        "bot_join",
        {},
    ),
    (
        "recording_config.retention.type",
        ("timed", "forever"),
        "never",
        {"recording_config.retention": {}},
    ),
    ("recording_config.realtime_endpoints.0.type", ("webhook",), "http", {}),
    ("output_media.camera.kind", ("webpage",), "video", OUTPUT_MEDIA),
    ("automatic_video_output.in_call_recording.kind", ("jpeg",), "png", {}),
    ("automatic_audio_output.in_call_recording.data.kind", ("mp3",), "wav", {}),
    (
        "automatic_audio_output.in_call_recording.replay_on_participant_join.debounce_mode",
        ("leading", "trailing"),
        "both",
        {},
    ),
    ("chat.on_bot_join.send_to", ("host", "everyone", "everyone_except_host"), "all", {}),
    ("variant.zoom", ("web", "web_4_core", "web_gpu", "native"), "desktop", {}),
    ("variant.google_meet", ("web", "web_4_core", "web_gpu"), "native", {}),
    ("variant.microsoft_teams", ("web", "web_4_core", "web_gpu"), "native", {}),
    ("variant.webex", ("web", "web_4_core", "web_gpu"), "native", {}),
    ("breakout_room.mode", ("join_main_room", "auto_accept_all_invites"), "join_any", {}),
    (
        f"{PROVIDER}.recallai_streaming.language_code",
        tuple(
            [
                "auto",
                "bg",
                "ca",
                "cs",
                "da",
                "de",
                "el",
                "en",
                "en_au",
                "en_uk",
                "en_us",
                "es",
                "et",
                "fi",
                "fr",
                "hi",
                "hr",
                "hu",
                "id",
                "it",
                "ja",
                "ko",
                "lt",
                "lv",
                "ms",
                "nl",
                "no",
                "pl",
                "pt",
                "ro",
                "ru",
                "sk",
                "sv",
                "th",
                "tr",
                "uk",
                "vi",
                "zh",
            ]
        ),
        "english",
        {},
    ),
    (f"{PROVIDER}.recallai_streaming.mode", ("prioritize_accuracy",), "fast", {}),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.speech_model",
        ("best", "nano", "slam-1", "universal"),
        "slam-2",
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.boost_param",
        ("low", "default", "high"),
        "max",
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.redact_pii_audio_quality",
        ("mp3", "wav"),
        "ogg",
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.redact_pii_sub",
        ("entity_name", "hash"),
        "mask",
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.summary_model",
        ("informative", "conversational", "catchy"),
        "short",
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.summary_type",
        ("bullets", "bullets_verbose", "gist", "headline", "paragraph"),
        "tldr",
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.deepgram_streaming.redact",
        ("true", "false", "pci", "numbers", "aggressive_numbers", "ssn"),
        "all",
        {PROVIDER: {"deepgram_streaming": {}}},
    ),
    (
        f"{PROVIDER}.deepgram_streaming.smart_format",
        ("true", "false"),
        "yes",
        {PROVIDER: {"deepgram_streaming": {}}},
    ),
    (
        f"{PROVIDER}.gladia_v2_streaming.model",
        ("solaria-1",),
        "solaria-2",
        {PROVIDER: {"gladia_v2_streaming": {}}},
    ),
    (
        f"{PROVIDER}.gladia_v2_streaming.post_processing.summarization_config.type",
        ("general", "bullet_points", "concise"),
        "long",
        {PROVIDER: {"gladia_v2_streaming": {}}},
    ),
    (
        f"{PROVIDER}.gladia_v2_streaming.realtime_processing.translation_config.model",
        ("base", "enhanced"),
        "pro",
        {
            PROVIDER: {
                "gladia_v2_streaming": {
                    "realtime_processing": {"translation_config": {"target_languages": ["fr"]}}
                }
            }
        },
    ),
    (
        f"{PROVIDER}.speechmatics_streaming.diarization",
        ("none", "speaker"),
        "channel",
        {PROVIDER: {"speechmatics_streaming": {"language": "en"}}},
    ),
    (
        f"{PROVIDER}.speechmatics_streaming.max_delay_mode",
        ("flexible", "fixed"),
        "auto",
        {PROVIDER: {"speechmatics_streaming": {"language": "en"}}},
    ),
    (
        f"{PROVIDER}.speechmatics_streaming.operating_point",
        ("standard", "enhanced"),
        "premium",
        {PROVIDER: {"speechmatics_streaming": {"language": "en"}}},
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "context"),
    [(path, value, context) for path, values, _, context in ENUMS for value in values],
)
def test_documented_enum_values_are_accepted(path, value, context):
    report = validate(with_values(BASE, {**context, path: value}))
    assert report.ok, report.errors


@pytest.mark.parametrize(("path", "bad", "context"), [(p, bad, c) for p, _, bad, c in ENUMS])
def test_undocumented_enum_values_are_refused(path, bad, context):
    report = validate(with_values(BASE, {**context, path: bad}))
    codes = [f.code for f in report.errors if f.path == path]
    assert codes in (["schema.enum"], ["schema.format"]), report.errors


def test_enum_error_lists_values_and_suggests_the_close_one():
    report = validate(with_values(BASE, {"chat.on_bot_join.send_to": "Everyone"}))
    (finding,) = [f for f in report.errors if f.path == "chat.on_bot_join.send_to"]
    assert "host, everyone, everyone_except_host" in finding.message
    assert 'Did you mean "everyone"?' in finding.message


# --- numeric minimums and ranges (§4.2, §6, §9) ------------------------------------------------

# (path, lowest accepted, highest accepted or None, context)
RANGES: list[tuple[str, float, float | None, dict[str, Any]]] = [
    ("automatic_leave.waiting_room_timeout", 30, None, {}),
    ("automatic_leave.noone_joined_timeout", 30, None, {}),
    ("automatic_leave.everyone_left_timeout.timeout", 1, None, {}),
    ("automatic_leave.in_call_not_recording_timeout", 1, None, {}),
    ("automatic_leave.in_call_recording_timeout", 1, None, {}),
    ("automatic_leave.recording_permission_denied_timeout", 1, None, {}),
    ("automatic_leave.silence_detection.timeout", 10, None, {}),
    ("automatic_leave.silence_detection.activate_after", 1, None, {}),
    ("automatic_leave.bot_detection.using_participant_events.timeout", 10, None, {}),
    ("automatic_leave.bot_detection.using_participant_events.activate_after", 1, None, {}),
    ("automatic_leave.bot_detection.using_participant_names.timeout", 10, None, {}),
    ("automatic_leave.bot_detection.using_participant_names.activate_after", 1, None, {}),
    ("recording_config.retention.hours", 1, None, {}),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.language_confidence_threshold",
        0,
        1,
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.content_safety_confidence",
        25,
        100,
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.assembly_ai_async_chunked.speech_threshold",
        0,
        1,
        {PROVIDER: {"assembly_ai_async_chunked": {}}},
    ),
    (
        f"{PROVIDER}.gladia_v2_streaming.endpointing",
        0.01,
        10,
        {PROVIDER: {"gladia_v2_streaming": {}}},
    ),
    (
        f"{PROVIDER}.gladia_v2_streaming.maximum_duration_without_endpointing",
        5,
        60,
        {PROVIDER: {"gladia_v2_streaming": {}}},
    ),
    (
        f"{PROVIDER}.gladia_v2_streaming.pre_processing.speech_threshold",
        0,
        1,
        {PROVIDER: {"gladia_v2_streaming": {}}},
    ),
    (
        f"{PROVIDER}.rev_streaming.max_segment_duration_seconds",
        5,
        30,
        {PROVIDER: {"rev_streaming": {}}},
    ),
    (
        f"{PROVIDER}.rev_streaming.max_connection_wait_seconds",
        60,
        600,
        {PROVIDER: {"rev_streaming": {}}},
    ),
    (
        f"{PROVIDER}.speechmatics_streaming.max_delay",
        0,
        None,
        {PROVIDER: {"speechmatics_streaming": {"language": "en"}}},
    ),
]


def _step(value: float) -> float:
    return 1 if isinstance(value, int) else 0.001


@pytest.mark.parametrize(("path", "low", "high", "context"), RANGES)
def test_range_bounds_are_accepted(path, low, high, context):
    for value in (low, high) if high is not None else (low, low * 10 + 100):
        report = validate(with_values(BASE, {**context, path: value}))
        assert not [f for f in report.errors if f.path == path], (value, report.errors)


@pytest.mark.parametrize(("path", "low", "high", "context"), RANGES)
def test_values_outside_the_range_are_refused(path, low, high, context):
    outside = [low - _step(low)]
    if high is not None:
        outside.append(high + _step(high))
    for value in outside:
        assert errors_at(with_values(BASE, {**context, path: value}), path) == ["schema.range"]


def test_range_message_states_the_bound_and_the_unit():
    report = validate(with_values(BASE, {"automatic_leave.waiting_room_timeout": 10}))
    (finding,) = report.errors
    assert "at least 30 seconds" in finding.message
    assert "10" in finding.message


def test_activate_after_zero_is_accepted_with_a_warning():
    # The spec says minimum 1, Recall's own defaults table shows 0 (§9).
    path = "automatic_leave.everyone_left_timeout.activate_after"
    report = validate(with_values(BASE, {path: 0}))
    assert report.ok
    assert [f.code for f in report.warnings if f.path == path] == ["leave.activate_after_zero"]
    assert errors_at(with_values(BASE, {path: -1}), path) == ["schema.range"]


# --- lengths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "longest"),
    [
        ("bot_name", 100),
        ("chat.on_bot_join.message", 4096),
        ("chat.on_participant_join.message", 4096),
        ("metadata.source", 500),
        ("recording_config.metadata.team", 500),
        ("recording_config.realtime_endpoints.0.metadata.env", 500),
    ],
)
def test_string_length_limits(path, longest):
    assert errors_at(with_values(BASE, {path: "x" * longest}), path) == []
    assert errors_at(with_values(BASE, {path: "x" * (longest + 1)}), path) == ["schema.length"]


@pytest.mark.parametrize("path", ["bot_name", "chat.on_bot_join.message"])
def test_empty_strings_are_refused_where_the_minimum_is_one(path):
    assert errors_at(with_values(BASE, {path: ""}), path) == ["schema.length"]


@pytest.mark.parametrize(
    "path",
    [
        "automatic_video_output.in_call_recording.b64_data",
        "automatic_audio_output.in_call_recording.data.b64_data",
    ],
)
def test_base64_length_limit_and_alphabet(path):
    longest = "QUJD" * (1_835_008 // 4)
    assert errors_at(with_values(BASE, {path: longest}), path) == []
    assert errors_at(with_values(BASE, {path: longest + "QUJD"}), path) == ["schema.length"]
    assert errors_at(with_values(BASE, {path: "data:image/jpeg;base64,/9j/"}), path) == [
        "schema.format"
    ]
    assert errors_at(with_values(BASE, {path: "not base64!"}), path) == ["schema.format"]


def test_gladia_translation_needs_at_least_one_target_language():
    path = f"{PROVIDER}.gladia_v2_streaming.realtime_processing.translation_config"
    config = with_values(
        BASE, {PROVIDER: {"gladia_v2_streaming": {}}, path: {"target_languages": []}}
    )
    assert errors_at(config, f"{path}.target_languages") == ["schema.length"]


# --- types and formats ------------------------------------------------------------------------

# (path, accepted value, refused values)
TYPES: list[tuple[str, Any, list[Any]]] = [
    ("automatic_leave.waiting_room_timeout", 60, ["60", 60.5, True, None, [60]]),
    ("chat.on_bot_join.pin", True, ["true", 1, None]),
    ("chat.on_participant_join.exclude_host", False, ["no", 0]),
    ("recording_config.include_bot_in_recording.audio", True, ["yes", 1]),
    ("bot_name", "Notes", [5, True, ["Notes"], {"name": "Notes"}]),
    ("recording_config", {}, ["speaker_view", [], 1]),
    ("recording_config.realtime_endpoints", [], [{}, "webhook"]),
    ("recording_config.realtime_endpoints.0.events", ["transcript.data"], ["transcript.data"]),
    ("recording_config.video_mixed_mp4", {}, [True, "on"]),
    ("metadata.source", None, [1, True, {"a": "b"}]),
    ("metadata", {"a": "b"}, [["a"], "a"]),
    ("automatic_leave.bot_detection.using_participant_names.matches", [], ["bot", [1]]),
    (f"{PROVIDER}.recallai_streaming.key_terms", ["Recall"], ["Recall", [1]]),
]


@pytest.mark.parametrize(("path", "good", "bad"), TYPES)
def test_types_are_enforced_without_coercion(path, good, bad):
    assert errors_at(with_values(BASE, {path: good}), path) == []
    for value in bad:
        report = validate(with_values(BASE, {path: value}))
        refused = [f for f in report.errors if f.path == path or f.path.startswith(path + ".")]
        assert refused, value
        assert {f.code for f in refused} <= {"schema.type", "schema.enum"}, refused


def test_type_message_says_what_was_expected_and_what_was_given():
    report = validate(with_values(BASE, {"automatic_leave.waiting_room_timeout": "60"}))
    (finding,) = report.errors
    assert "whole number" in finding.message
    assert 'string "60"' in finding.message
    assert "without quotes" in finding.message


# (path, accepted values, refused values)
FORMATS: list[tuple[str, list[str], list[str]]] = [
    (
        "join_at",
        ["2026-01-31T09:00:00Z", "2026-01-31T09:00:00+02:00", "2026-01-31T09:00:00.123Z"],
        ["tomorrow", "2026-01-31", "31/01/2026 09:00", ""],
    ),
    (
        "google_meet.google_login_group_id",
        [UUID, UUID.upper()],
        ["group-1", UUID[:-1], "{" + UUID + "}"],
    ),
    ("breakout_room.room_id", [UUID], ["room-1"]),
    (
        "zoom.join_token_url",
        ["https://api.example.com/token", "http://localhost:8000/t"],
        ["api.example.com/token", "https://", "not a url", "https://exa mple.com"],
    ),
    ("zoom.zak_url", ["https://api.example.com/zak"], ["/zak"]),
    ("zoom.user_email", ["host@example.com"], ["host", "host@", "@example.com", "a b@c.d"]),
    ("output_media.camera.config.url", ["https://app.example.com/"], ["app.example.com"]),
    ("recording_config.realtime_endpoints.0.url", ["https://a.example/hook"], ["hooks"]),
]


@pytest.mark.parametrize(("path", "good", "bad"), FORMATS)
def test_string_formats(path, good, bad):
    context: dict[str, Any] = {**OUTPUT_MEDIA}
    if path == "breakout_room.room_id":
        context["breakout_room"] = {"mode": "join_specific_room"}
    for value in good:
        assert errors_at(with_values(BASE, {**context, path: value}), path) == [], value
    for value in bad:
        codes = errors_at(with_values(BASE, {**context, path: value}), path)
        assert codes == ["schema.format"], (value, codes)


# --- required fields (§15) ----------------------------------------------------------------------

# (a complete object, the key removed, the expected code)
REQUIRED: list[tuple[dict[str, Any], str, str]] = [
    (BASE, f"{PROVIDER}", "schema.missing"),
    (BASE, "recording_config.realtime_endpoints.0.type", "schema.missing"),
    (BASE, "recording_config.realtime_endpoints.0.events", "schema.missing"),
    (BASE, "recording_config.realtime_endpoints.0.url", "endpoint.url_missing"),
    (BASE, "recording_config.retention.type", "schema.missing"),
    (OUTPUT_MEDIA, "output_media.camera.kind", "schema.missing"),
    (OUTPUT_MEDIA, "output_media.camera.config", "schema.missing"),
    (OUTPUT_MEDIA, "output_media.camera.config.url", "schema.missing"),
    (BASE, "automatic_video_output.in_call_recording.kind", "schema.missing"),
    (BASE, "automatic_video_output.in_call_recording.b64_data", "schema.missing"),
    (BASE, "automatic_audio_output.in_call_recording", "schema.missing"),
    (BASE, "automatic_audio_output.in_call_recording.data", "schema.missing"),
    (BASE, "automatic_audio_output.in_call_recording.data.kind", "schema.missing"),
    (BASE, "automatic_audio_output.in_call_recording.data.b64_data", "schema.missing"),
    (
        BASE,
        "automatic_audio_output.in_call_recording.replay_on_participant_join.debounce_interval",
        "schema.missing",
    ),
    (BASE, "chat.on_bot_join.send_to", "schema.missing"),
    (BASE, "chat.on_bot_join.message", "schema.missing"),
    (BASE, "chat.on_participant_join.message", "schema.missing"),
    (BASE, "chat.on_participant_join.exclude_host", "schema.missing"),
    (BASE, "automatic_leave.bot_detection.using_participant_names.timeout", "schema.missing"),
    (
        BASE,
        "automatic_leave.bot_detection.using_participant_names.activate_after",
        "schema.missing",
    ),
    (BASE, "automatic_leave.bot_detection.using_participant_names.matches", "schema.missing"),
    (BASE, "breakout_room.mode", "schema.missing"),
    (
        {
            "recording_config": {
                "transcript": {"provider": {"speechmatics_streaming": {"language": "en"}}}
            }
        },
        f"{PROVIDER}.speechmatics_streaming.language",
        "schema.missing",
    ),
    (
        {
            "recording_config": {
                "transcript": {
                    "provider": {
                        "recallai_streaming": {"spelling": [{"find": ["a"], "replace": "b"}]}
                    }
                }
            }
        },
        f"{PROVIDER}.recallai_streaming.spelling.0.find",
        "schema.missing",
    ),
    (
        {
            "recording_config": {
                "transcript": {
                    "provider": {
                        "assembly_ai_async_chunked": {
                            "custom_spelling": [{"from": ["a"], "to": "b"}]
                        }
                    }
                }
            }
        },
        f"{PROVIDER}.assembly_ai_async_chunked.custom_spelling.0.to",
        "schema.missing",
    ),
]


@pytest.mark.parametrize(("complete", "path", "code"), REQUIRED)
def test_required_fields(complete, path, code):
    assert validate(complete).ok
    report = validate(without(complete, path))
    assert code in [f.code for f in report.errors if f.path == path], report.errors


def test_missing_message_says_what_to_add():
    report = validate(without(BASE, "recording_config.realtime_endpoints.0.type"))
    (finding,) = [f for f in report.errors if f.code == "schema.missing"]
    assert "rtmp, websocket, webhook, desktop_sdk_callback" in finding.message


def test_meeting_url_is_not_required_in_a_preset():
    assert validate({}).ok
    assert validate("{}").ok


# --- unknown keys at any depth, with "did you mean" ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        ("recording_confg", "recording_config"),
        ("Bot_Name", "bot_name"),
        ("automatic_leave.everyone_left_timout", "everyone_left_timeout"),
        ("recording_config.transcrpt", "transcript"),
        ("recording_config.realtime_endpoints.0.event", "events"),
        ("recording_config.realtime_endpoints.1.urls", "url"),
        ("automatic_leave.bot_detection.using_participant_event", "using_participant_events"),
        ("chat.on_bot_join.sendto", "send_to"),
        (
            "automatic_audio_output.in_call_recording.replay_on_participant_join.debounce_intervall",
            "debounce_interval",
        ),
        ("recording_config.retention.hour", "hours"),
    ],
)
def test_unknown_keys_are_errors_with_did_you_mean(path, suggestion):
    report = validate(with_values(BASE, {path: 1}))
    (finding,) = [f for f in report.errors if f.path == path]
    assert finding.code == "schema.unknown_key"
    assert f'Did you mean "{suggestion}"?' in finding.message


def test_unknown_key_without_a_close_match_lists_the_allowed_ones():
    report = validate(with_values(BASE, {"chat.on_bot_join.colour": "red"}))
    (finding,) = report.errors
    assert "message, pin, send_to" in finding.message


def test_known_key_at_the_wrong_level_says_where_it_belongs():
    report = validate({"start_recording_on": "call_join"})
    (finding,) = report.errors
    assert "recording_config.start_recording_on" in finding.message


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("webhook_url", "dashboard"),
        ("webhook", "dashboard"),
        ("external_id", "metadata"),
        ("transcription", "recording_config.transcript"),
        ("microsoft_teams", "variant.microsoft_teams"),
        ("realtime_endpoints", "recording_config.realtime_endpoints"),
    ],
)
def test_fields_seen_in_the_wild_get_a_specific_hint(key, hint):
    (finding,) = validate({key: {}}).errors
    assert finding.code == "schema.unknown_key"
    assert hint in finding.message


@pytest.mark.parametrize(
    "key", ["id", "status_changes", "recordings", "calendar_meetings", "video_url"]
)
def test_read_only_response_fields_are_refused(key):
    (finding,) = validate({key: None}).errors
    assert finding.code == "schema.read_only"


def test_unknown_provider_option_is_a_warning_not_an_error():
    path = f"{PROVIDER}.recallai_streaming.languagecode"
    report = validate(with_values(BASE, {path: "en"}))
    assert report.ok
    (finding,) = [f for f in report.warnings if f.path == path]
    assert finding.code == "provider.unknown_option"
    assert 'Did you mean "language_code"?' in finding.message


def test_webex_and_elevenlabs_contents_are_not_checked_but_noted():
    config = {
        "webex": {"anything": 1},
        "recording_config": {"transcript": {"provider": {"elevenlabs_streaming": {"x": 1}}}},
    }
    report = validate(config)
    assert report.ok
    assert {n.code for n in report.notes} == {"webex.unchecked", "provider.unchecked"}


# --- provider-specific value shapes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "ok"),
    [
        ({"endpointing": "10"}, True),
        ({"endpointing": 300}, True),
        ({"endpointing": False}, True),
        ({"endpointing": True}, False),
        ({"endpointing": "soon"}, False),
        ({"endpointing": -1}, False),
    ],
)
def test_deepgram_endpointing_is_milliseconds_or_false(options, ok):
    config = {"recording_config": {"transcript": {"provider": {"deepgram_streaming": options}}}}
    assert validate(config).ok is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("0.7", True), (0.7, True), (160, True), ("fast", False), (True, False)],
)
def test_assembly_ai_streaming_thresholds_are_numbers_or_numeric_strings(value, ok):
    options = {"end_of_turn_confidence_threshold": value}
    config = {
        "recording_config": {"transcript": {"provider": {"assembly_ai_v3_streaming": options}}}
    }
    assert validate(config).ok is ok


@pytest.mark.parametrize(
    ("vocabulary", "ok"),
    [
        (["Recall", {"value": "Zoom", "intensity": 0.5}], True),
        ([{"value": "Zoom", "pronunciations": ["zum"], "language": "en"}], True),
        ([{"intensity": 0.5}], False),
        ([{"value": "Zoom", "intensity": 2}], False),
        ([{"value": "Zoom", "weight": 1}], False),
        ([3], False),
    ],
)
def test_gladia_vocabulary_entries(vocabulary, ok):
    config = {
        "recording_config": {
            "transcript": {
                "provider": {
                    "gladia_v2_streaming": {
                        "realtime_processing": {
                            "custom_vocabulary_config": {"vocabulary": vocabulary}
                        }
                    }
                }
            }
        }
    }
    assert validate(config).ok is ok
