"""Templates, the human summary, and the canonical form used for export and version hashes."""

from __future__ import annotations

import hashlib

import pytest

from lib.presets import (
    TEMPLATE_PROVIDERS,
    TEMPLATES,
    PresetParseError,
    canonical_json,
    content_hash,
    meeting_captions_template,
    provider_choices,
    realtime_transcript_webhook_template,
    recording_only_template,
    summarize,
    transcription_template,
    validate,
)

HOOK = "https://hooks.example.com/recall"

# --- templates ------------------------------------------------------------------------------


# §4.1 (Nov 2025) providers whose options the reference documents.
DOCUMENTED_PROVIDERS = [
    "recallai_streaming",
    "meeting_captions",
    "assembly_ai_async_chunked",
    "assembly_ai_v3_streaming",
    "deepgram_streaming",
    "gladia_v2_streaming",
    "rev_streaming",
    "aws_transcribe_streaming",
    "speechmatics_streaming",
]


def test_template_providers_are_the_documented_ones():
    assert sorted(TEMPLATE_PROVIDERS) == sorted(DOCUMENTED_PROVIDERS)
    assert [key for key, _ in provider_choices()] == list(TEMPLATE_PROVIDERS)


@pytest.mark.parametrize("provider", DOCUMENTED_PROVIDERS)
def test_transcription_template_is_valid_for_every_provider(provider):
    preset = transcription_template(provider)
    report = validate(preset)
    assert report.ok, report.errors
    assert list(preset["recording_config"]["transcript"]["provider"]) == [provider]


def test_templates_fill_in_options_a_provider_requires():
    # Both are required by the reference (§4.2): Speechmatics language, AWS language_code.
    assert transcription_template("speechmatics_streaming")["recording_config"]["transcript"] == {
        "provider": {"speechmatics_streaming": {"language": "en"}}
    }
    aws = transcription_template("aws_transcribe_streaming")
    assert aws["recording_config"]["transcript"]["provider"]["aws_transcribe_streaming"] == {
        "language_code": "en-US"
    }


@pytest.mark.parametrize("provider", ["deepgram", "recallai_async", "assembly_ai_streaming", ""])
def test_transcription_template_refuses_non_current_providers(provider):
    with pytest.raises(ValueError, match="Choose one of"):
        transcription_template(provider)


def test_transcription_template_suggests_a_close_name():
    with pytest.raises(ValueError, match='Did you mean "deepgram_streaming"'):
        transcription_template("deepgram_stream")


def test_realtime_webhook_template_sends_transcript_data_to_the_url():
    preset = realtime_transcript_webhook_template(HOOK)
    assert validate(preset).ok
    assert preset["recording_config"]["realtime_endpoints"] == [
        {"type": "webhook", "url": HOOK, "events": ["transcript.data"]}
    ]
    partial = realtime_transcript_webhook_template(HOOK, "deepgram_streaming", partial=True)
    assert partial["recording_config"]["realtime_endpoints"][0]["events"] == [
        "transcript.data",
        "transcript.partial_data",
    ]
    assert "deepgram_streaming" in partial["recording_config"]["transcript"]["provider"]


@pytest.mark.parametrize("url", ["wss://ws.example.com/", "hooks.example.com", "", "https://"])
def test_realtime_webhook_template_refuses_non_http_urls(url):
    with pytest.raises(ValueError, match="http"):
        realtime_transcript_webhook_template(url)


def test_meeting_captions_and_recording_only_templates():
    captions = meeting_captions_template()
    assert captions == {"recording_config": {"transcript": {"provider": {"meeting_captions": {}}}}}
    assert validate(captions).ok
    recording = recording_only_template()
    assert validate(recording).ok
    assert "transcript" not in recording["recording_config"]
    assert validate(recording).findings == []


def test_templates_return_fresh_copies():
    first = transcription_template("speechmatics_streaming")
    first["recording_config"]["transcript"]["provider"]["speechmatics_streaming"]["language"] = "de"
    again = transcription_template("speechmatics_streaming")
    assert again["recording_config"]["transcript"]["provider"]["speechmatics_streaming"] == {
        "language": "en"
    }


def test_template_registry_describes_how_to_build_each():
    assert set(TEMPLATES) == {
        "transcription",
        "realtime_transcript_webhook",
        "meeting_captions",
        "recording_only",
    }
    arguments = {"provider": "rev_streaming", "url": HOOK}
    for template in TEMPLATES.values():
        assert template.title and template.description
        preset = template.build(**{name: arguments[name] for name in template.parameters})
        assert validate(preset).ok
        assert "bot_name" not in preset


# --- summary ----------------------------------------------------------------------------------


def test_summary_of_a_full_preset():
    preset = {
        "bot_name": "Acme Notes",
        "recording_config": {
            "transcript": {"provider": {"deepgram_streaming": {}}},
            "realtime_endpoints": [
                {"type": "webhook", "url": HOOK, "events": ["transcript.data"]},
            ],
            "video_mixed_layout": "audio_only",
            "start_recording_on": "participant_speak",
            "retention": {"type": "timed", "hours": 24},
            "audio_mixed_mp3": {},
            "video_mixed_mp4": None,
        },
        "automatic_leave": {"everyone_left_timeout": {"timeout": 30}, "waiting_room_timeout": 300},
        "chat": {"on_bot_join": {"send_to": "everyone", "message": "Recording for notes."}},
    }
    assert summarize(preset) == [
        "Bots transcribe with Deepgram (deepgram_streaming).",
        f"Send transcript.data to {HOOK} (webhook).",
        "Record audio only, starting when a participant first speaks.",
        "Also produce: mixed audio (MP3).",
        "Do not produce: mixed video (MP4).",
        "Keep recordings for 24 hours, then delete them.",
        "Leave after 30 s alone in the meeting.",
        "Leave after 1200 s (20 min) if no one joins (default).",
        "Leave after 300 s (5 min) in the waiting room.",
        "On joining, post “Recording for notes.” to everyone.",
        "Bots are named “Acme Notes” unless a user's bot_name preference says otherwise.",
    ]


def test_summary_of_an_empty_preset_states_the_defaults():
    # Defaults from §3 and §9: no transcript, speaker view from the first participant,
    # 2 s alone, 1200 s for no one joining and in the waiting room.
    assert summarize({}) == [
        "Bots make no transcript.",
        "Record speaker-view video, starting when a participant joins (default).",
        "Leave after 2 s alone in the meeting (default).",
        "Leave after 1200 s (20 min) if no one joins (default).",
        "Leave after 1200 s (20 min) in the waiting room (default).",
    ]


def test_summary_of_a_legacy_preset_describes_it_as_migrated():
    lines = summarize(
        {
            "transcription_options": {"provider": "assembly_ai"},
            "real_time_transcription": {"destination_url": HOOK},
        }
    )
    assert lines[0].startswith("Written in the v1.10 format")
    assert (
        "Bots transcribe with AssemblyAI Universal Streaming (assembly_ai_v3_streaming)." in lines
    )
    assert f"Send transcript.data to {HOOK} (webhook)." in lines
    # v1.10 started recording when the bot joined.
    assert "Record speaker-view video, starting as soon as the bot joins." in lines


def test_summary_hides_credentials_and_query_values_in_urls():
    url = "https://user:pa55@hooks.example.com:8443/recall?token=s3cret&team=a"
    lines = summarize(
        {
            "recording_config": {
                "realtime_endpoints": [{"type": "webhook", "url": url, "events": []}]
            }
        }
    )
    text = "\n".join(lines)
    assert "s3cret" not in text
    assert "pa55" not in text
    assert (
        "Send nothing to https://hooks.example.com:8443/recall?token=…&team=… (webhook)." in lines
    )


def test_summary_mentions_ignored_calendar_fields_and_other_settings():
    lines = summarize(
        {
            "meeting_url": "https://zoom.us/j/1",
            "variant": {"zoom": "web_4_core"},
            "recording_config": {
                "transcript": {"provider": {"meeting_captions": {}}},
                "retention": None,
            },
            "automatic_leave": {"silence_detection": {"timeout": 600}},
        }
    )
    assert (
        "Bots take the transcript from the meeting platform's captions (meeting_captions)." in lines
    )
    assert "Keep nothing once the meeting ends (zero data retention)." in lines
    assert "Leave after 600 s (10 min) of silence." in lines
    assert "Use the web_4_core bot on Zoom." in lines
    assert "meeting_url is ignored: the calendar supplies it for each meeting." in lines


def test_summary_refuses_unreadable_json():
    with pytest.raises(PresetParseError):
        summarize("{")


# --- canonical form and hash -------------------------------------------------------------------


def test_canonical_json_is_sorted_indented_and_ends_with_a_newline():
    text = (
        '{"recording_config": {"video_mixed_layout": "audio_only", "retention": null}, '
        '"bot_name": "Réunion"}'
    )
    assert canonical_json(text) == (
        "{\n"
        '  "bot_name": "Réunion",\n'
        '  "recording_config": {\n'
        '    "retention": null,\n'
        '    "video_mixed_layout": "audio_only"\n'
        "  }\n"
        "}\n"
    )


def test_equivalent_presets_have_the_same_canonical_form_and_hash():
    a = '{"b": [1, 2], "a": {"y": "\\u00e9", "x": true}}'
    b = '{\n  "a": {"x": true, "y": "é"},\n\n  "b": [1,2]\n}'
    c = {"a": {"y": "é", "x": True}, "b": [1, 2]}
    assert canonical_json(a) == canonical_json(b) == canonical_json(c)
    assert content_hash(a) == content_hash(b) == content_hash(c)


def test_content_hash_is_sha256_of_the_canonical_utf8_text():
    expected = hashlib.sha256('{\n  "bot_name": "Ü"\n}\n'.encode()).hexdigest()
    assert content_hash({"bot_name": "Ü"}) == expected
    assert len(expected) == 64


def test_different_presets_have_different_hashes():
    assert content_hash({"bot_name": "a"}) != content_hash({"bot_name": "b"})
    # List order is meaningful (events, endpoints) and is kept.
    assert content_hash({"x": [1, 2]}) != content_hash({"x": [2, 1]})


def test_bom_does_not_change_the_hash():
    assert content_hash('\ufeff{"bot_name": "a"}') == content_hash('{"bot_name": "a"}')


@pytest.mark.parametrize("bad", ["", "[1]", '{"a": NaN}', '{"a": 1', b"\xff"])
def test_canonical_json_and_hash_refuse_unreadable_input(bad):
    with pytest.raises(PresetParseError):
        canonical_json(bad)
    with pytest.raises(PresetParseError):
        content_hash(bad)
