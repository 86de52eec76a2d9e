"""Cross-field rules and the Calendar V1 preset checks (docs/create-bot-schema.md §4-§11, §15)."""

from __future__ import annotations

from typing import Any

import pytest

from lib.presets import Finding, Report, validate
from lib.presets.findings import path_sort_key

PROVIDER = "recording_config.transcript.provider"
ENDPOINT = "recording_config.realtime_endpoints.0"


def transcript(provider: dict[str, Any]) -> dict[str, Any]:
    return {"recording_config": {"transcript": {"provider": provider}}}


def found(report: Report, path: str) -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in report.findings if f.path == path]


# --- one provider per transcript (§4) ---------------------------------------------------------


def test_no_provider_is_an_error():
    assert found(validate(transcript({})), PROVIDER) == [("error", "provider.none")]


def test_two_providers_are_an_error():
    report = validate(transcript({"recallai_streaming": {}, "deepgram_streaming": {}}))
    assert found(report, PROVIDER) == [("error", "provider.multiple")]
    assert "recallai_streaming, deepgram_streaming" in report.errors[0].message


def test_provider_options_must_be_an_object_not_null():
    report = validate(transcript({"recallai_streaming": None}))
    assert found(report, f"{PROVIDER}.recallai_streaming") == [("error", "provider.null")]


@pytest.mark.parametrize(
    ("key", "code", "hint"),
    [
        ("assembly_ai_streaming", "provider.removed", "assembly_ai_v3_streaming"),
        ("gladia_v1_streaming", "provider.removed", "gladia_v2_streaming"),
        ("recallai_async", "provider.async_only", "create_transcript"),
        ("assembly_ai_async", "provider.async_only", "create_transcript"),
        ("deepgram_async", "provider.async_only", "create_transcript"),
        ("gladia_v2_async", "provider.async_only", "create_transcript"),
        ("rev_async", "provider.async_only", "create_transcript"),
        ("speechmatics_async", "provider.async_only", "create_transcript"),
        ("deepgram", "provider.legacy_name", "deepgram_streaming"),
        ("assembly_ai", "provider.legacy_name", "assembly_ai_v3_streaming"),
        ("recallai_streamin", "provider.unknown", 'Did you mean "recallai_streaming"?'),
        ("whisper", "provider.unknown", "speechmatics_streaming"),
    ],
)
def test_provider_keys_that_are_not_current_providers(key, code, hint):
    report = validate(transcript({key: {}}))
    (finding,) = [f for f in report.errors if f.path == f"{PROVIDER}.{key}"]
    assert finding.code == code
    assert hint in finding.message


@pytest.mark.parametrize(
    "provider",
    [
        "recallai_streaming",
        "meeting_captions",
        "assembly_ai_async_chunked",
        "assembly_ai_v3_streaming",
        "deepgram_streaming",
        "gladia_v2_streaming",
        "rev_streaming",
        "elevenlabs_streaming",
    ],
)
def test_every_current_provider_with_default_options_is_valid(provider):
    assert validate(transcript({provider: {}})).ok


@pytest.mark.parametrize(
    ("options", "ok"),
    [
        ({}, False),
        ({"language_code": "en-US"}, True),
        ({"identify_language": True, "language_options": "en-US,de-DE"}, True),
        ({"identify_language": True}, False),
        ({"identify_language": False, "language_options": "en-US"}, False),
    ],
)
def test_amazon_transcribe_needs_a_language(options, ok):
    report = validate(transcript({"aws_transcribe_streaming": options}))
    assert report.ok is ok
    if not ok:
        assert [f.code for f in report.errors] == ["provider.aws_language"]


def test_recallai_low_latency_wants_english_and_no_other_options():
    options = {"mode": "prioritize_low_latency", "language_code": "de", "key_terms": ["Recall"]}
    report = validate(transcript({"recallai_streaming": options}))
    assert report.ok
    assert {f.code for f in report.warnings} == {
        "provider.low_latency_language",
        "provider.low_latency_options",
    }
    fine = {"mode": "prioritize_low_latency", "language_code": "en"}
    assert validate(transcript({"recallai_streaming": fine})).warnings == []


def test_deepgram_json_booleans_are_a_warning_naming_the_string_form():
    report = validate(transcript({"deepgram_streaming": {"smart_format": True, "diarize": "true"}}))
    assert report.ok
    (warning,) = report.warnings
    assert warning.path == f"{PROVIDER}.deepgram_streaming.smart_format"
    assert warning.code == "provider.deepgram_boolean"
    assert '"true"' in warning.message


def test_deepgram_keyterm_needs_nova_3():
    base = {"keyterm": ["Recall"]}
    report = validate(transcript({"deepgram_streaming": {**base, "model": "nova-2"}}))
    assert [f.code for f in report.warnings] == ["provider.keyterm_model"]
    assert validate(transcript({"deepgram_streaming": {**base, "model": "nova-3"}})).warnings == []


def test_assembly_keyterms_prompt_needs_slam_1():
    options = {"keyterms_prompt": ["Recall"], "speech_model": "best"}
    report = validate(transcript({"assembly_ai_async_chunked": options}))
    assert [f.code for f in report.warnings] == ["provider.keyterms_model"]
    options["speech_model"] = "slam-1"
    assert validate(transcript({"assembly_ai_async_chunked": options})).warnings == []


def test_meeting_captions_warn_about_platforms_without_captions():
    report = validate(transcript({"meeting_captions": {}}))
    assert report.ok
    assert [f.code for f in report.warnings] == ["platform.captions"]
    assert "Webex" in report.warnings[0].message


# --- events allowed for each endpoint type (§5 table) -------------------------------------------

_PARTICIPANT = [
    f"participant_events.{e}"
    for e in [
        "join",
        "leave",
        "update",
        "speech_on",
        "speech_off",
        "webcam_on",
        "webcam_off",
        "screenshare_on",
        "screenshare_off",
        "chat_message",
    ]
]
_TRANSCRIPT = ["transcript.data", "transcript.partial_data", "transcript.provider_data"]
_WEBHOOK = _PARTICIPANT + _TRANSCRIPT
DOC_ALLOWED = {
    "webhook": set(_WEBHOOK),
    "websocket": set(_WEBHOOK)
    | {
        "audio_mixed_raw.data",
        "audio_separate_raw.data",
        "video_separate_png.data",
        "video_separate_h264.data",
    },
    "rtmp": {"video_mixed_flv.data"},
    "desktop_sdk_callback": set(_WEBHOOK)
    | {"video_separate_png.data", "video_separate_h264.data", "audio_mixed_raw.data"},
}
ALL_EVENTS = sorted(set().union(*DOC_ALLOWED.values()))
URLS = {
    "webhook": "https://hooks.example.com/x",
    "websocket": "wss://ws.example.com/x",
    "rtmp": "rtmp://live.example.com/app/key",
}


def endpoint_preset(kind: str, events: list[str], **recording: Any) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"type": kind, "events": events}
    if kind in URLS:
        endpoint["url"] = URLS[kind]
    return {
        "recording_config": {
            "transcript": {"provider": {"recallai_streaming": {}}},
            "video_mixed_layout": "gallery_view_v2",
            "audio_mixed_raw": {},
            "audio_separate_raw": {},
            "video_separate_png": {},
            "video_separate_h264": {},
            "video_mixed_flv": {},
            "realtime_endpoints": [endpoint],
            **recording,
        }
    }


@pytest.mark.parametrize("kind", sorted(DOC_ALLOWED))
@pytest.mark.parametrize("event", ALL_EVENTS)
def test_events_allowed_per_endpoint_type(kind, event):
    report = validate(endpoint_preset(kind, [event]))
    refused = found(report, f"{ENDPOINT}.events.0")
    if event in DOC_ALLOWED[kind]:
        assert refused == []
    else:
        assert refused == [("error", "endpoint.event_not_allowed")]
        assert kind in report.errors[0].message


def test_event_not_allowed_message_lists_what_is():
    report = validate(endpoint_preset("rtmp", ["transcript.data"]))
    (finding,) = report.errors
    assert "Allowed: video_mixed_flv.data" in finding.message


def test_unknown_event_suggests_the_close_one_and_bot_events_point_to_the_dashboard():
    report = validate(endpoint_preset("webhook", ["transcript.dat", "bot.status_change"]))
    first, second = report.errors
    assert 'Did you mean "transcript.data"?' in first.message
    assert "dashboard" in second.message


def test_transcript_events_need_a_transcript():
    preset = endpoint_preset("webhook", ["transcript.data", "participant_events.join"])
    del preset["recording_config"]["transcript"]
    report = validate(preset)
    assert found(report, f"{ENDPOINT}.events.0") == [("error", "endpoint.needs_transcript")]
    assert found(report, f"{ENDPOINT}.events.1") == []


@pytest.mark.parametrize(
    ("kind", "event", "artifact"),
    [
        ("websocket", "audio_mixed_raw.data", "audio_mixed_raw"),
        ("websocket", "audio_separate_raw.data", "audio_separate_raw"),
        ("websocket", "video_separate_png.data", "video_separate_png"),
        ("websocket", "video_separate_h264.data", "video_separate_h264"),
        ("rtmp", "video_mixed_flv.data", "video_mixed_flv"),
    ],
)
def test_media_events_need_their_artifact(kind, event, artifact):
    preset = endpoint_preset(kind, [event])
    del preset["recording_config"][artifact]
    report = validate(preset)
    assert found(report, f"{ENDPOINT}.events.0") == [("warning", "artifact.missing")]
    assert f"recording_config.{artifact}" in report.warnings[0].message


def test_participant_events_work_by_default_but_not_when_turned_off():
    preset = endpoint_preset("webhook", ["participant_events.join"])
    assert validate(preset).warnings == []
    preset["recording_config"]["participant_events"] = None
    assert found(validate(preset), f"{ENDPOINT}.events.0") == [("warning", "artifact.missing")]


@pytest.mark.parametrize(
    ("kind", "url", "expected"),
    [
        ("webhook", "wss://x.example/h", [("error", "endpoint.url_scheme")]),
        ("websocket", "https://x.example/h", [("error", "endpoint.url_scheme")]),
        ("rtmp", "https://x.example/live", [("error", "endpoint.url_scheme")]),
        ("webhook", "http://x.example/h", [("warning", "endpoint.insecure_url")]),
        ("websocket", "ws://x.example/h", [("warning", "endpoint.insecure_url")]),
        ("rtmp", "rtmp://x.example/app/key", []),
        ("webhook", "HTTPS://x.example/h", []),
    ],
)
def test_endpoint_url_scheme_matches_its_type(kind, url, expected):
    event = {"webhook": "participant_events.join", "websocket": "participant_events.join"}
    preset = endpoint_preset(kind, [event.get(kind, "video_mixed_flv.data")])
    preset["recording_config"]["realtime_endpoints"][0]["url"] = url
    assert found(validate(preset), f"{ENDPOINT}.url") == expected


def test_endpoints_other_than_desktop_sdk_need_a_url():
    preset = endpoint_preset("webhook", ["participant_events.join"])
    del preset["recording_config"]["realtime_endpoints"][0]["url"]
    assert found(validate(preset), f"{ENDPOINT}.url") == [("error", "endpoint.url_missing")]


def test_desktop_sdk_callback_is_flagged_and_takes_no_url():
    preset = endpoint_preset("desktop_sdk_callback", ["participant_events.join"])
    assert found(validate(preset), ENDPOINT) == [("warning", "endpoint.desktop_sdk")]
    preset["recording_config"]["realtime_endpoints"][0]["url"] = "https://x.example/"
    assert found(validate(preset), f"{ENDPOINT}.url") == [("error", "endpoint.url_unexpected")]


def test_duplicates_and_empty_event_lists_are_warnings():
    preset = endpoint_preset("webhook", ["transcript.data", "transcript.data"])
    endpoints = preset["recording_config"]["realtime_endpoints"]
    endpoints.append({"type": "webhook", "url": URLS["webhook"], "events": []})
    report = validate(preset)
    assert report.ok
    assert found(report, f"{ENDPOINT}.events.1") == [("warning", "endpoint.duplicate_event")]
    assert found(report, "recording_config.realtime_endpoints.1") == [
        ("warning", "endpoint.duplicate")
    ]
    assert found(report, "recording_config.realtime_endpoints.1.events") == [
        ("warning", "endpoint.no_events")
    ]


# --- artifacts, retention, outputs, chat, leaving, breakout rooms --------------------------------


@pytest.mark.parametrize("artifact", ["video_separate_mp4", "video_separate_png"])
@pytest.mark.parametrize(
    ("layout", "ok"),
    [(None, False), ("speaker_view", False), ("gallery_view", False), ("gallery_view_v2", True)],
)
def test_separate_video_artifacts_need_gallery_view_v2(artifact, layout, ok):
    recording: dict[str, Any] = {artifact: {}}
    if layout:
        recording["video_mixed_layout"] = layout
    report = validate({"recording_config": recording})
    assert report.ok is ok
    if not ok:
        assert found(report, f"recording_config.{artifact}") == [
            ("error", "artifact.needs_gallery_view_v2")
        ]


def test_turning_a_gallery_artifact_off_needs_no_layout():
    assert validate({"recording_config": {"video_separate_png": None}}).ok


@pytest.mark.parametrize(
    ("retention", "expected"),
    [
        (None, [("warning", "retention.none")]),
        ({"type": "forever"}, []),
        ({"type": "timed"}, []),
        ({"type": "timed", "hours": 24}, []),
        ({"type": "forever", "hours": 24}, [("error", "retention.hours_unexpected")]),
    ],
)
def test_retention(retention, expected):
    report = validate({"recording_config": {"retention": retention}})
    got = [(f.severity, f.code) for f in report.findings]
    assert got == expected


def test_output_media_with_automatic_output_is_a_warning():
    preset = {
        "output_media": {"camera": {"kind": "webpage", "config": {"url": "https://a.example/"}}},
        "automatic_video_output": {"in_call_recording": {"kind": "jpeg", "b64_data": "AAAA"}},
    }
    report = validate(preset)
    assert report.ok
    assert found(report, "output_media") == [("warning", "output.combination")]


def test_automatic_audio_output_warns_about_webex():
    preset = {
        "automatic_audio_output": {
            "in_call_recording": {"data": {"kind": "mp3", "b64_data": "AAAA"}}
        }
    }
    assert found(validate(preset), "automatic_audio_output") == [
        ("warning", "platform.webex_audio")
    ]


@pytest.mark.parametrize(
    ("length", "expected"),
    [(500, []), (501, [("warning", "chat.meet_limit")]), (4096, [("warning", "chat.meet_limit")])],
)
def test_chat_messages_over_the_google_meet_limit(length, expected):
    preset = {"chat": {"on_participant_join": {"message": "x" * length, "exclude_host": False}}}
    assert found(validate(preset), "chat.on_participant_join.message") == expected


@pytest.mark.parametrize(
    ("send_to", "expected"),
    [
        ("everyone", []),
        ("host", [("warning", "chat.recipient_platform")]),
        ("everyone_except_host", [("warning", "chat.recipient_platform")]),
    ],
)
def test_chat_recipients_other_than_everyone_are_zoom_only(send_to, expected):
    preset = {"chat": {"on_bot_join": {"send_to": send_to, "message": "Hi"}}}
    assert found(validate(preset), "chat.on_bot_join.send_to") == expected


@pytest.mark.parametrize(
    ("seconds", "expected"), [(600, []), (601, [("warning", "leave.platform_cap")])]
)
def test_waiting_room_timeout_above_the_google_meet_cap(seconds, expected):
    preset = {"automatic_leave": {"waiting_room_timeout": seconds}}
    assert found(validate(preset), "automatic_leave.waiting_room_timeout") == expected


@pytest.mark.parametrize(
    ("room", "expected"),
    [
        ({"mode": "join_specific_room", "room_id": "123e4567-e89b-12d3-a456-426614174000"}, []),
        ({"mode": "join_specific_room"}, [("error", "breakout.room_id_missing")]),
        (
            {"mode": "join_main_room", "room_id": "123e4567-e89b-12d3-a456-426614174000"},
            [("error", "breakout.room_id_unexpected")],
        ),
        ({"mode": "auto_accept_all_invites"}, []),
    ],
)
def test_breakout_room_id_goes_with_join_specific_room(room, expected):
    assert found(validate({"breakout_room": room}), "breakout_room.room_id") == expected


# --- what is different about a calendar preset -------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [("meeting_url", "https://zoom.us/j/123"), ("join_at", "2026-01-31T09:00:00Z")],
)
def test_fields_the_calendar_fills_in_are_warnings(key, value):
    report = validate({key: value})
    assert report.ok
    assert found(report, key) == [("warning", "preset.filled_by_calendar")]
    assert "calendar" in report.warnings[0].message


def test_bot_name_is_a_note_about_the_user_preference():
    report = validate({"bot_name": "Acme Notetaker"})
    assert report.ok
    assert report.warnings == []
    assert found(report, "bot_name") == [("note", "preset.bot_name_overridden")]
    assert "bot_name preference" in report.notes[0].message


# --- report shape -------------------------------------------------------------------------------


def test_findings_sort_by_path_with_numeric_indexes():
    events = ["participant_events.join"] * 12
    report = validate(endpoint_preset("webhook", events))
    paths = [f.path for f in report.warnings]
    assert paths == [f"{ENDPOINT}.events.{i}" for i in range(1, 12)]


def test_path_sort_key_orders_parents_first_and_indexes_numerically():
    paths = ["b", "a.10", "a.2", "a", "", "a.2.x", "a.²"]
    # "²" counts as a digit to str.isdigit but is a key, not an index.
    assert sorted(paths, key=path_sort_key) == ["", "a", "a.2", "a.2.x", "a.10", "a.²", "b"]


def test_report_groups_by_severity_and_ok_means_no_errors():
    findings = [
        Finding("b", "w", "warning", "x.w"),
        Finding("a", "e", "error", "x.e"),
        Finding("c", "n", "note", "x.n"),
        Finding("a", "e", "error", "x.e"),
    ]
    report = Report.from_findings(findings)
    assert [f.severity for f in report.findings] == ["error", "warning", "note"]
    assert len(report.errors) == 1
    assert not report.ok
    assert Report.from_findings([findings[0], findings[2]]).ok


def test_every_finding_has_a_stable_code_and_a_message():
    preset = {
        "bot_name": "",
        "meeting_url": "x",
        "recording_config": {"transcript": {"provider": {}}, "retention": None},
        "transcription_options": {"provider": "deepgram"},
    }
    report = validate(preset)
    for finding in report.findings:
        assert finding.severity in ("error", "warning", "note")
        assert finding.code and "." in finding.code
        assert finding.message.endswith((".", "?"))
