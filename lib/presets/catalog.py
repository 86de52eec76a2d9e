"""Facts about the Create Bot body that several modules need: providers, events, artifacts.

Taken from the Create Bot reference (``docs/create-bot-schema.md`` §3-§5); kept as data so the
validator, the migration, the templates and the summary cannot disagree.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# §4.1, Nov 2025 spec plus the 2026 docs' ``elevenlabs_streaming``.
CURRENT_PROVIDERS: Final = (
    "recallai_streaming",
    "meeting_captions",
    "assembly_ai_async_chunked",
    "assembly_ai_v3_streaming",
    "deepgram_streaming",
    "gladia_v2_streaming",
    "rev_streaming",
    "aws_transcribe_streaming",
    "speechmatics_streaming",
    "elevenlabs_streaming",
)

PROVIDER_LABELS: Final = MappingProxyType(
    {
        "recallai_streaming": "Recall.ai transcription",
        "meeting_captions": "the meeting platform's own captions",
        "assembly_ai_async_chunked": "AssemblyAI (chunked async)",
        "assembly_ai_v3_streaming": "AssemblyAI Universal Streaming",
        "deepgram_streaming": "Deepgram",
        "gladia_v2_streaming": "Gladia",
        "rev_streaming": "Rev",
        "aws_transcribe_streaming": "Amazon Transcribe",
        "speechmatics_streaming": "Speechmatics",
        "elevenlabs_streaming": "ElevenLabs",
    }
)

# Providers whose options the reference does not describe: accepted, not checked.
UNCHECKED_PROVIDERS: Final = frozenset({"elevenlabs_streaming"})

# Removed from the spec in 2025: name -> what to use instead.
REMOVED_PROVIDERS: Final = MappingProxyType(
    {
        "assembly_ai_streaming": "assembly_ai_v3_streaming",
        "gladia_v1_streaming": "gladia_v2_streaming",
    }
)

# These request a transcript of a finished recording
# (POST /api/v1/recording/{id}/create_transcript/), not a bot's live transcript.
ASYNC_ONLY_PROVIDERS: Final = frozenset(
    {
        "recallai_async",
        "assembly_ai_async",
        "deepgram_async",
        "gladia_v2_async",
        "rev_async",
        "speechmatics_async",
    }
)

ENDPOINT_TYPES: Final = ("rtmp", "websocket", "webhook", "desktop_sdk_callback")

PARTICIPANT_EVENTS: Final = tuple(
    f"participant_events.{name}"
    for name in (
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
    )
)
TRANSCRIPT_EVENTS: Final = (
    "transcript.data",
    "transcript.partial_data",
    "transcript.provider_data",
)
_WEBHOOK_EVENTS = PARTICIPANT_EVENTS + TRANSCRIPT_EVENTS

# §5: the events each endpoint type may subscribe to.
ALLOWED_EVENTS: Final = MappingProxyType(
    {
        "webhook": frozenset(_WEBHOOK_EVENTS),
        "websocket": frozenset(
            (
                *_WEBHOOK_EVENTS,
                "audio_mixed_raw.data",
                "audio_separate_raw.data",
                "video_separate_png.data",
                "video_separate_h264.data",
            )
        ),
        "rtmp": frozenset({"video_mixed_flv.data"}),
        "desktop_sdk_callback": frozenset(
            (
                *_WEBHOOK_EVENTS,
                "video_separate_png.data",
                "video_separate_h264.data",
                "audio_mixed_raw.data",
            )
        ),
    }
)

ALL_EVENTS: Final = tuple(
    dict.fromkeys(
        (
            *_WEBHOOK_EVENTS,
            "audio_mixed_raw.data",
            "audio_separate_raw.data",
            "video_separate_png.data",
            "video_separate_h264.data",
            "video_mixed_flv.data",
        )
    )
)

# §3: recording artifacts, and which are produced when the preset says nothing.
ARTIFACTS: Final = (
    "video_mixed_mp4",
    "participant_events",
    "meeting_metadata",
    "audio_mixed_raw",
    "audio_mixed_mp3",
    "audio_separate_raw",
    "audio_separate_mp3",
    "video_mixed_flv",
    "video_separate_mp4",
    "video_separate_png",
    "video_separate_h264",
)
ARTIFACTS_ON_BY_DEFAULT: Final = frozenset(
    {"video_mixed_mp4", "participant_events", "meeting_metadata"}
)

ARTIFACT_LABELS: Final = MappingProxyType(
    {
        "video_mixed_mp4": "mixed video (MP4)",
        "participant_events": "participant events",
        "meeting_metadata": "meeting metadata",
        "audio_mixed_raw": "mixed raw audio",
        "audio_mixed_mp3": "mixed audio (MP3)",
        "audio_separate_raw": "per-participant raw audio",
        "audio_separate_mp3": "per-participant audio (MP3)",
        "video_mixed_flv": "mixed video (FLV, for RTMP)",
        "video_separate_mp4": "per-participant video (MP4)",
        "video_separate_png": "per-participant video frames (PNG)",
        "video_separate_h264": "per-participant video (H.264)",
    }
)

# An event named "<artifact>.data" streams that artifact, so the artifact must be produced;
# participant events come from the participant_events artifact (on unless turned off).
EVENT_ARTIFACT: Final = MappingProxyType(
    {
        **{
            event: event.removesuffix(".data")
            for event in ALL_EVENTS
            if event.endswith(".data") and event.removesuffix(".data") in ARTIFACTS
        },
        **dict.fromkeys(PARTICIPANT_EVENTS, "participant_events"),
    }
)

# Artifacts the reference says exist only with the gallery_view_v2 layout.
GALLERY_V2_ARTIFACTS: Final = ("video_separate_mp4", "video_separate_png")

VIDEO_LAYOUTS: Final = ("speaker_view", "gallery_view", "gallery_view_v2", "audio_only")
SCREENSHARE_MODES: Final = ("hide", "beside", "overlap")
RECORDING_STARTS: Final = ("call_join", "participant_join", "participant_speak", "manual")
