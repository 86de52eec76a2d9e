"""``summarize``: what a preset will make every calendar bot do, in plain sentences.

Legacy presets are described as migrated, so there is one description of each behaviour.
The summary reads whatever is there without assuming the preset is valid (validate first);
URLs are shown without credentials or query values, which often carry tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lib.presets.catalog import ARTIFACT_LABELS, ARTIFACTS, ARTIFACTS_ON_BY_DEFAULT, PROVIDER_LABELS
from lib.presets.jsonload import load_or_raise
from lib.presets.legacy import classify
from lib.presets.migrate import migrate

_LAYOUTS = {
    "speaker_view": "speaker-view video",
    "gallery_view": "gallery-view video",
    "gallery_view_v2": "gallery-view video (v2)",
    "audio_only": "audio only",
}
_STARTS = {
    "call_join": "as soon as the bot joins",
    "participant_join": "when a participant joins",
    "participant_speak": "when a participant first speaks",
    "manual": "only when started through the API",
}
_RECIPIENTS = {
    "everyone": "everyone",
    "host": "the host",
    "everyone_except_host": "everyone except the host",
}
# §9 defaults, said out loud for the two timeouts people most often ask about.
_DEFAULT_EVERYONE_LEFT = 2
_DEFAULT_NOONE_JOINED = 1200
_DEFAULT_WAITING_ROOM = 1200


def summarize(config: str | bytes | bytearray | Mapping[str, Any]) -> list[str]:
    """One sentence per behaviour, e.g. "Bots transcribe with Deepgram (deepgram_streaming).".

    Raises ``PresetParseError`` if the preset is not readable JSON.
    """
    data = load_or_raise(config)
    lines: list[str] = []
    style = classify(data)
    if style == "legacy":
        lines.append("Written in the v1.10 format; described as it reads once migrated.")
    elif style == "mixed":
        lines.append(
            "Mixes v1.10 and current fields, which Recall will not accept; described with the "
            "current fields taking precedence."
        )
    if style != "current":
        data = migrate(data)
    recording = _mapping(data.get("recording_config"))
    for part in (
        _transcript(recording),
        _endpoints(recording),
        _recording(recording),
        _retention(recording),
        _leaving(_mapping(data.get("automatic_leave"))),
        _chat(_mapping(data.get("chat"))),
        _media(data),
        _identity(data),
    ):
        lines.extend(part)
    return lines


def _label(table: Mapping[str, str], value: Any) -> str:
    # Values come from an unvalidated preset: a list or object is shown, never looked up.
    return table.get(value, value) if isinstance(value, str) else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> int | None:
    return value if type(value) is int else None


def _duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds} s ({seconds // 3600} h)"
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds} s ({seconds // 60} min)"
    return f"{seconds} s"


def _quote(text: str, limit: int = 80) -> str:
    return "“" + (text if len(text) <= limit else text[: limit - 1] + "…") + "”"


def display_url(url: str) -> str:
    """``url`` without a password and with query values hidden: tokens often travel there."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable URL)"
    shown = f"{parts.scheme}://{host}{port}{parts.path}"
    if parts.query:
        shown += "?" + "&".join(f"{k}=…" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    return shown


def _transcript(recording: Mapping[str, Any]) -> list[str]:
    transcript = recording.get("transcript")
    provider = _mapping(_mapping(transcript).get("provider"))
    if not provider:
        return ["Bots make no transcript."]
    names = [str(name) for name in provider]
    if names == ["meeting_captions"]:
        lines = [
            "Bots take the transcript from the meeting platform's captions (meeting_captions)."
        ]
    else:
        labels = [f"{PROVIDER_LABELS.get(name, name)} ({name})" for name in names]
        lines = [f"Bots transcribe with {' and '.join(labels)}."]
    diarization = _mapping(_mapping(transcript).get("diarization"))
    if diarization.get("use_separate_streams_when_available") is True:
        lines.append("Speakers are told apart by their separate audio streams where available.")
    return lines


def _endpoints(recording: Mapping[str, Any]) -> list[str]:
    endpoints = recording.get("realtime_endpoints")
    lines = []
    for endpoint in endpoints if isinstance(endpoints, list) else []:
        endpoint = _mapping(endpoint)
        events = [e for e in endpoint.get("events") or [] if isinstance(e, str)]
        url = endpoint.get("url")
        kind = endpoint.get("type")
        target = display_url(url) if isinstance(url, str) else "the Desktop SDK"
        what = ", ".join(events) if events else "nothing"
        lines.append(f"Send {what} to {target} ({kind}).")
    return lines


def _recording(recording: Mapping[str, Any]) -> list[str]:
    layout = recording.get("video_mixed_layout", "speaker_view")
    start = recording.get("start_recording_on", "participant_join")
    default = " (default)" if "start_recording_on" not in recording else ""
    lines = [f"Record {_label(_LAYOUTS, layout)}, starting {_label(_STARTS, start)}{default}."]
    if _mapping(recording.get("include_bot_in_recording")).get("audio") is True:
        lines.append("The bot's own audio is included in the recording.")
    extra = [
        ARTIFACT_LABELS[name]
        for name in ARTIFACTS
        if name not in ARTIFACTS_ON_BY_DEFAULT and recording.get(name) is not None
    ]
    off = [
        ARTIFACT_LABELS[name]
        for name in ARTIFACTS
        if name in ARTIFACTS_ON_BY_DEFAULT and name in recording and recording[name] is None
    ]
    if extra:
        lines.append(f"Also produce: {', '.join(extra)}.")
    if off:
        lines.append(f"Do not produce: {', '.join(off)}.")
    return lines


def _retention(recording: Mapping[str, Any]) -> list[str]:
    if "retention" not in recording:
        return []
    retention = recording["retention"]
    if retention is None:
        return ["Keep nothing once the meeting ends (zero data retention)."]
    retention = _mapping(retention)
    if retention.get("type") == "forever":
        return ["Keep recordings until they are deleted."]
    hours = _number(retention.get("hours")) or 168
    return [f"Keep recordings for {hours} hours, then delete them."]


def _leaving(leave: Mapping[str, Any]) -> list[str]:
    alone = leave.get("everyone_left_timeout")
    alone_seconds = _number(_mapping(alone).get("timeout")) or _number(alone)
    lines = [
        _leave_line("Leave after {} alone in the meeting", alone_seconds, _DEFAULT_EVERYONE_LEFT),
        _leave_line(
            "Leave after {} if no one joins",
            _number(leave.get("noone_joined_timeout")),
            _DEFAULT_NOONE_JOINED,
        ),
        _leave_line(
            "Leave after {} in the waiting room",
            _number(leave.get("waiting_room_timeout")),
            _DEFAULT_WAITING_ROOM,
        ),
    ]
    optional = {
        "in_call_recording_timeout": "Stop and leave after recording for {}",
        "in_call_not_recording_timeout": "Leave after {} in the call without recording",
        "recording_permission_denied_timeout": "Leave {} after recording permission is denied",
    }
    for key, text in optional.items():
        seconds = _number(leave.get(key))
        if seconds is not None:
            lines.append(text.format(_duration(seconds)) + ".")
    silence = _number(_mapping(leave.get("silence_detection")).get("timeout"))
    if silence is not None:
        lines.append(f"Leave after {_duration(silence)} of silence.")
    names = _mapping(_mapping(leave.get("bot_detection")).get("using_participant_names"))
    matches = [m for m in names.get("matches") or [] if isinstance(m, str)]
    if matches:
        lines.append(
            "Leave when only participants named like "
            + ", ".join(_quote(m, 40) for m in matches)
            + " remain."
        )
    return lines


def _leave_line(template: str, seconds: int | None, default: int) -> str:
    if seconds is None:
        return template.format(_duration(default)) + " (default)."
    return template.format(_duration(seconds)) + "."


def _chat(chat: Mapping[str, Any]) -> list[str]:
    lines = []
    on_join = _mapping(chat.get("on_bot_join"))
    if isinstance(on_join.get("message"), str):
        send_to = on_join.get("send_to")
        to = _RECIPIENTS.get(send_to, "the chat") if isinstance(send_to, str) else "the chat"
        pinned = " and pin it" if on_join.get("pin") is True else ""
        lines.append(f"On joining, post {_quote(on_join['message'])} to {to}{pinned}.")
    on_participant = _mapping(chat.get("on_participant_join"))
    if isinstance(on_participant.get("message"), str):
        lines.append(f"Greet each new participant with {_quote(on_participant['message'])}.")
    return lines


def _media(data: Mapping[str, Any]) -> list[str]:
    lines = []
    output = _mapping(data.get("output_media"))
    for surface, label in (("camera", "camera"), ("screenshare", "screen share")):
        url = _mapping(_mapping(output.get(surface)).get("config")).get("url")
        if isinstance(url, str):
            lines.append(f"Show the web page {display_url(url)} as the bot's {label}.")
    video = _mapping(data.get("automatic_video_output"))
    if video.get("in_call_recording"):
        lines.append("Show a still image as the bot's camera while recording.")
    if video.get("in_call_not_recording"):
        lines.append("Show a still image as the bot's camera while not recording.")
    audio = _mapping(data.get("automatic_audio_output"))
    if audio.get("in_call_recording"):
        lines.append("Play an audio clip when recording starts.")
    return lines


def _identity(data: Mapping[str, Any]) -> list[str]:
    lines = []
    variant = _mapping(data.get("variant"))
    for platform, label in (
        ("zoom", "Zoom"),
        ("google_meet", "Google Meet"),
        ("microsoft_teams", "Teams"),
        ("webex", "Webex"),
    ):
        if isinstance(variant.get(platform), str):
            lines.append(f"Use the {variant[platform]} bot on {label}.")
    name = data.get("bot_name")
    if isinstance(name, str):
        lines.append(
            f"Bots are named {_quote(name)} unless a user's bot_name preference says otherwise."
        )
    for key in ("meeting_url", "join_at"):
        if key in data:
            lines.append(f"{key} is ignored: the calendar supplies it for each meeting.")
    metadata = _mapping(data.get("metadata"))
    if metadata:
        lines.append("Tag bots with metadata: " + ", ".join(sorted(map(str, metadata))) + ".")
    return lines
