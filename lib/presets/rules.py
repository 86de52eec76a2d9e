"""Checks that span several fields, and the checks specific to Calendar V1 presets.

They run on the raw preset after the schema check and must not assume it passed: every
lookup is type-guarded, and a value the schema already rejected is skipped rather than
reported twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from lib.presets.catalog import (
    ALL_EVENTS,
    ALLOWED_EVENTS,
    ARTIFACTS_ON_BY_DEFAULT,
    EVENT_ARTIFACT,
    GALLERY_V2_ARTIFACTS,
    TRANSCRIPT_EVENTS,
    UNCHECKED_PROVIDERS,
)
from lib.presets.findings import Finding, Severity, join_path

_URL_SCHEMES = {
    "webhook": ("https", "http"),
    "websocket": ("wss", "ws"),
    "rtmp": ("rtmps", "rtmp"),
}
_DEEPGRAM_FLAGS = (
    "diarize",
    "dictation",
    "filler_words",
    "interim_results",
    "multichannel",
    "numerals",
    "profanity_filter",
    "punctuate",
    "smart_format",
    "vad_events",
    "redact",
)
# Google Meet's limits are the tightest of the platforms a calendar preset serves.
MEET_CHAT_LIMIT = 500
MEET_WAITING_ROOM_CAP = 600


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _finding(path: str, code: str, message: str, severity: Severity = "error") -> Finding:
    return Finding(path, message, severity, code)


def rule_findings(data: Mapping[str, Any]) -> list[Finding]:
    """Every cross-field finding for one preset."""
    recording = _mapping(data.get("recording_config"))
    return [
        *_provider_rules(recording),
        *_endpoint_rules(recording),
        *_artifact_rules(recording),
        *_retention_rules(recording),
        *_output_rules(data),
        *_chat_rules(_mapping(data.get("chat"))),
        *_leave_rules(_mapping(data.get("automatic_leave"))),
        *_platform_rules(data),
    ]


def preset_findings(data: Mapping[str, Any]) -> list[Finding]:
    """What is different about a Create Bot body used as a Calendar V1 preset."""
    findings: list[Finding] = []
    for key, what in (("meeting_url", "meeting link"), ("join_at", "join time")):
        if key in data:
            findings.append(
                _finding(
                    key,
                    "preset.filled_by_calendar",
                    f"Calendar bots get their {what} from each calendar event, so {key} in the "
                    "preset would be ignored. Remove it.",
                    "warning",
                )
            )
    if "bot_name" in data:
        findings.append(
            _finding(
                "bot_name",
                "preset.bot_name_overridden",
                "This name is used only for users without a bot_name preference; a user's "
                "bot_name preference takes precedence.",
                "note",
            )
        )
    return findings


# --- transcript ---------------------------------------------------------------------------


def _provider_rules(recording: Mapping[str, Any]) -> Iterator[Finding]:
    transcript = _mapping(recording.get("transcript"))
    provider = transcript.get("provider")
    if not isinstance(provider, Mapping):
        return
    base = "recording_config.transcript.provider"
    if not provider:
        yield _finding(
            base,
            "provider.none",
            'Name one provider, e.g. {"recallai_streaming": {}}; without it there is no '
            "transcript.",
        )
    elif len(provider) > 1:
        yield _finding(
            base,
            "provider.multiple",
            f"A transcript has one provider, but {len(provider)} are named "
            f"({', '.join(provider)}). Keep one.",
        )
    for name, options in provider.items():
        path = join_path(base, name)
        if options is None:
            yield _finding(
                path,
                "provider.null",
                f"{name} needs an object of options; use {{}} for the provider's defaults.",
            )
            continue
        if not isinstance(options, Mapping):
            continue
        if name in UNCHECKED_PROVIDERS:
            yield _finding(
                path,
                "provider.unchecked",
                f"The reference lists {name} without its options, so they are not checked.",
                "note",
            )
        yield from _provider_option_rules(name, options, path)


def _provider_option_rules(name: str, options: Mapping[str, Any], path: str) -> Iterator[Finding]:
    if name == "recallai_streaming" and options.get("mode") == "prioritize_low_latency":
        if options.get("language_code") != "en":
            yield _finding(
                join_path(path, "language_code"),
                "provider.low_latency_language",
                'Low-latency mode supports English only: set language_code to "en".',
                "warning",
            )
        extra = [key for key in ("spelling", "key_terms", "filter_profanity") if key in options]
        if extra:
            yield _finding(
                path,
                "provider.low_latency_options",
                f"Low-latency mode does not support {', '.join(extra)}; they will have no effect.",
                "warning",
            )
    elif name == "assembly_ai_async_chunked":
        if "keyterms_prompt" in options and options.get("speech_model") != "slam-1":
            yield _finding(
                join_path(path, "keyterms_prompt"),
                "provider.keyterms_model",
                'keyterms_prompt works only with speech_model "slam-1".',
                "warning",
            )
    elif name == "deepgram_streaming":
        for flag in _DEEPGRAM_FLAGS:
            value = options.get(flag)
            if isinstance(value, bool):
                text = "true" if value else "false"
                yield _finding(
                    join_path(path, flag),
                    "provider.deepgram_boolean",
                    f'The current API takes the string "{text}" here; JSON {text} is the older '
                    "transcription system's form and may be refused. Write "
                    f'"{text}" (with quotes).',
                    "warning",
                )
        model = options.get("model")
        if "keyterm" in options and not (isinstance(model, str) and model.startswith("nova-3")):
            yield _finding(
                join_path(path, "keyterm"),
                "provider.keyterm_model",
                'keyterm works only with Nova-3 models; set model to "nova-3" or use keywords.',
                "warning",
            )
    elif name == "aws_transcribe_streaming":
        identifies = options.get("identify_language") is True and options.get("language_options")
        if not options.get("language_code") and not identifies:
            yield _finding(
                path,
                "provider.aws_language",
                'Amazon Transcribe needs a language: set language_code (e.g. "en-US"), or set '
                "identify_language to true and list language_options.",
            )


# --- real-time endpoints ------------------------------------------------------------------


def _artifact_enabled(recording: Mapping[str, Any], artifact: str) -> bool:
    if artifact in recording:
        return recording[artifact] is not None
    return artifact in ARTIFACTS_ON_BY_DEFAULT


def _endpoint_rules(recording: Mapping[str, Any]) -> Iterator[Finding]:
    endpoints = recording.get("realtime_endpoints")
    if not isinstance(endpoints, list):
        return
    has_transcript = recording.get("transcript") is not None
    seen: dict[tuple[str, str], int] = {}
    for index, endpoint in enumerate(endpoints):
        if not isinstance(endpoint, Mapping):
            continue
        path = join_path("recording_config.realtime_endpoints", index)
        kind = endpoint.get("type")
        if not isinstance(kind, str) or kind not in ALLOWED_EVENTS:
            continue  # reported by the schema
        yield from _endpoint_url_rules(kind, endpoint, path)
        url = endpoint.get("url")
        if isinstance(url, str):
            if (kind, url) in seen:
                yield _finding(
                    path,
                    "endpoint.duplicate",
                    f"Same type and URL as endpoint {seen[kind, url]}; merge their events into "
                    "one endpoint.",
                    "warning",
                )
            seen.setdefault((kind, url), index)
        events = endpoint.get("events")
        if isinstance(events, list):
            yield from _event_rules(kind, events, path, recording, has_transcript)


def _endpoint_url_rules(kind: str, endpoint: Mapping[str, Any], path: str) -> Iterator[Finding]:
    url = endpoint.get("url")
    if kind == "desktop_sdk_callback":
        yield _finding(
            path,
            "endpoint.desktop_sdk",
            "desktop_sdk_callback endpoints serve Desktop SDK uploads, not meeting bots; a "
            "calendar bot sends nothing to it.",
            "warning",
        )
        if url is not None:
            yield _finding(
                join_path(path, "url"),
                "endpoint.url_unexpected",
                "desktop_sdk_callback endpoints have no url; remove it.",
            )
        return
    if url is None:
        yield _finding(
            join_path(path, "url"),
            "endpoint.url_missing",
            f"A {kind} endpoint needs a url to send to.",
        )
        return
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.scheme or not parts.netloc:
        return  # not a URL at all: reported by the schema
    scheme = parts.scheme.lower()
    secure, plain = _URL_SCHEMES[kind]
    if scheme not in (secure, plain):
        yield _finding(
            join_path(path, "url"),
            "endpoint.url_scheme",
            f"A {kind} endpoint's url must start with {secure}:// (or {plain}://), not "
            f"{scheme or 'no scheme'}.",
        )
    elif scheme == plain and kind != "rtmp":
        yield _finding(
            join_path(path, "url"),
            "endpoint.insecure_url",
            f"{plain}:// sends meeting data unencrypted; use {secure}://.",
            "warning",
        )


def _event_rules(
    kind: str,
    events: list[Any],
    path: str,
    recording: Mapping[str, Any],
    has_transcript: bool,
) -> Iterator[Finding]:
    if not events:
        yield _finding(
            join_path(path, "events"),
            "endpoint.no_events",
            "No events are listed, so nothing is sent to this endpoint.",
            "warning",
        )
    allowed = ALLOWED_EVENTS[kind]
    seen: set[str] = set()
    for index, event in enumerate(events):
        if not isinstance(event, str) or event not in ALL_EVENTS:
            continue  # reported by the schema
        event_path = join_path(path, "events", index)
        if event in seen:
            yield _finding(
                event_path, "endpoint.duplicate_event", f"{event} is listed twice.", "warning"
            )
            continue
        seen.add(event)
        if event not in allowed:
            hint = ""
            if event in ALLOWED_EVENTS["websocket"]:
                hint = " Media streams need a websocket endpoint."
            if event == "video_mixed_flv.data":
                hint = " It is streamed only to an rtmp endpoint."
            yield _finding(
                event_path,
                "endpoint.event_not_allowed",
                f"A {kind} endpoint cannot receive {event}. Allowed: "
                f"{', '.join(sorted(allowed))}.{hint}",
            )
            continue
        if event in TRANSCRIPT_EVENTS and not has_transcript:
            yield _finding(
                event_path,
                "endpoint.needs_transcript",
                f"{event} needs a transcript, and bots make none unless "
                "recording_config.transcript names a provider. Add one.",
            )
        artifact = EVENT_ARTIFACT.get(event)
        if artifact and not _artifact_enabled(recording, artifact):
            extra = (
                ' and video_mixed_layout "gallery_view_v2"'
                if artifact in GALLERY_V2_ARTIFACTS
                else ""
            )
            yield _finding(
                event_path,
                "artifact.missing",
                f"{event} streams the {artifact} artifact, which this preset does not "
                f"produce: add recording_config.{artifact}: {{}}{extra}.",
                "warning",
            )


# --- artifacts, retention, outputs, chat, leaving, platforms --------------------------------


def _artifact_rules(recording: Mapping[str, Any]) -> Iterator[Finding]:
    layout = recording.get("video_mixed_layout", "speaker_view")
    for artifact in GALLERY_V2_ARTIFACTS:
        if recording.get(artifact) is not None and layout != "gallery_view_v2":
            yield _finding(
                join_path("recording_config", artifact),
                "artifact.needs_gallery_view_v2",
                f'{artifact} exists only with video_mixed_layout "gallery_view_v2" (the layout '
                f"here is {layout}). Change the layout or remove {artifact}.",
            )


def _retention_rules(recording: Mapping[str, Any]) -> Iterator[Finding]:
    if "retention" not in recording:
        return
    retention = recording["retention"]
    if retention is None:
        yield _finding(
            "recording_config.retention",
            "retention.none",
            "retention: null means zero data retention: no recording, transcript or metadata "
            "is kept, only real-time streams work. Remove the key for the default retention.",
            "warning",
        )
    elif (
        isinstance(retention, Mapping)
        and retention.get("type") == "forever"
        and "hours" in retention
    ):
        yield _finding(
            "recording_config.retention.hours",
            "retention.hours_unexpected",
            'hours applies only to {"type": "timed"}; remove it or change the type.',
        )


def _output_rules(data: Mapping[str, Any]) -> Iterator[Finding]:
    automatic = [
        key for key in ("automatic_video_output", "automatic_audio_output") if data.get(key)
    ]
    if data.get("output_media") and automatic:
        yield _finding(
            "output_media",
            "output.combination",
            f"output_media cannot currently be used together with {' or '.join(automatic)}; "
            "keep one.",
            "warning",
        )
    if data.get("automatic_audio_output"):
        yield _finding(
            "automatic_audio_output",
            "platform.webex_audio",
            "Automatic audio output is not supported on Webex; bots in Webex meetings play "
            "nothing.",
            "warning",
        )


def _chat_rules(chat: Mapping[str, Any]) -> Iterator[Finding]:
    for key in ("on_bot_join", "on_participant_join"):
        message = _mapping(chat.get(key)).get("message")
        if isinstance(message, str) and MEET_CHAT_LIMIT < len(message) <= 4096:
            yield _finding(
                f"chat.{key}.message",
                "chat.meet_limit",
                f"Google Meet accepts chat messages of up to {MEET_CHAT_LIMIT} characters "
                f"(this one has {len(message)}); shorten it if users are on Meet.",
                "warning",
            )
    send_to = _mapping(chat.get("on_bot_join")).get("send_to")
    if send_to in ("host", "everyone_except_host"):
        yield _finding(
            "chat.on_bot_join.send_to",
            "chat.recipient_platform",
            f'Only Zoom can send to "{send_to}"; on Google Meet and Teams messages go to '
            'everyone. Use "everyone" for the same behaviour on every platform.',
            "warning",
        )


def _leave_rules(leave: Mapping[str, Any]) -> Iterator[Finding]:
    waiting = leave.get("waiting_room_timeout")
    if type(waiting) is int and waiting > MEET_WAITING_ROOM_CAP:
        yield _finding(
            "automatic_leave.waiting_room_timeout",
            "leave.platform_cap",
            f"Google Meet caps the waiting room at {MEET_WAITING_ROOM_CAP} s and Teams at "
            f"1800 s, so bots on those platforms leave sooner than {waiting} s.",
            "warning",
        )
    activate_after = _mapping(leave.get("everyone_left_timeout")).get("activate_after")
    if type(activate_after) is int and activate_after == 0:
        yield _finding(
            "automatic_leave.everyone_left_timeout.activate_after",
            "leave.activate_after_zero",
            "The spec's minimum is 1 (Recall's defaults table shows 0); use 1 to be safe.",
            "warning",
        )


def _platform_rules(data: Mapping[str, Any]) -> Iterator[Finding]:
    transcript = _mapping(_mapping(data.get("recording_config")).get("transcript"))
    provider = _mapping(transcript.get("provider"))
    if "meeting_captions" in provider:
        yield _finding(
            "recording_config.transcript.provider.meeting_captions",
            "platform.captions",
            "Meeting captions are not available on Webex, Zoom native bots or personal Teams "
            "accounts; bots there produce no transcript.",
            "warning",
        )
    if isinstance(data.get("webex"), Mapping):
        yield _finding(
            "webex",
            "webex.unchecked",
            "The reference lists webex without its properties, so they are not checked.",
            "note",
        )
    room = data.get("breakout_room")
    if isinstance(room, Mapping):
        mode = room.get("mode")
        if mode == "join_specific_room" and room.get("room_id") is None:
            yield _finding(
                "breakout_room.room_id",
                "breakout.room_id_missing",
                "join_specific_room needs the room_id (a UUID) of the room to join.",
            )
        elif mode in ("join_main_room", "auto_accept_all_invites") and "room_id" in room:
            yield _finding(
                "breakout_room.room_id",
                "breakout.room_id_unexpected",
                f'room_id applies only to mode "join_specific_room", not "{mode}"; remove it.',
            )
