"""The v1.10 Create Bot fields that older presets (and this product's seed examples) still use.

Create Bot v1.11 rejects these top-level keys (``400 {"transcription_options": ["This field is
not allowed."]}``), so a legacy preset is accepted with one warning per key naming its current
place (``docs/create-bot-schema.md`` §13-§14), and ``migrate`` rewrites it. A legacy key next
to ``recording_config`` is an error: v1.11 refuses the legacy key, and what v1.10 did with
both is undocumented, so the preset has no single meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

from pydantic import Field

from lib.presets.api_version import ApiVersion
from lib.presets.findings import Finding, Severity, Style
from lib.presets.schema import (
    CreateBotBody,
    IncludeBotInRecording,
    Lenient,
    Uri,
    Uuid,
)

LegacyProvider = Literal[
    "assembly_ai",
    "assembly_ai_async_chunked",
    "aws_transcribe",
    "deepgram",
    "gladia",
    "gladia_v2",
    "meeting_captions",
    "none",
    "rev",
    "speechmatics",
    "symbl",
    "default",
]

# §14: v1.10 provider -> v1.11 provider key. ``None``: no transcript at all ("none") or no
# current equivalent ("symbl", and "default", which appears in one old example only).
LEGACY_PROVIDER_MAP: Final = MappingProxyType(
    {
        "assembly_ai": "assembly_ai_v3_streaming",
        "assembly_ai_async_chunked": "assembly_ai_async_chunked",
        "deepgram": "deepgram_streaming",
        "rev": "rev_streaming",
        "aws_transcribe": "aws_transcribe_streaming",
        "speechmatics": "speechmatics_streaming",
        "gladia": "gladia_v2_streaming",
        "gladia_v2": "gladia_v2_streaming",
        "meeting_captions": "meeting_captions",
        "none": None,
        "symbl": None,
        "default": None,
    }
)
UNMAPPABLE_PROVIDERS: Final = frozenset({"symbl", "default"})

_OPTIONS = dict[str, Any] | None


class TranscriptionOptions(Lenient):
    """``{provider, <provider>: {options}, use_separate_streams_when_available}``. The old
    option objects are not checked field by field: their shapes changed repeatedly and only
    matter until the preset is migrated."""

    provider: LegacyProvider
    use_separate_streams_when_available: bool | None = None
    assembly_ai: _OPTIONS = None
    assembly_ai_async_chunked: _OPTIONS = None
    aws_transcribe: _OPTIONS = None
    deepgram: _OPTIONS = None
    gladia: _OPTIONS = None
    gladia_v2: _OPTIONS = None
    meeting_captions: _OPTIONS = None
    rev: _OPTIONS = None
    speechmatics: _OPTIONS = None
    symbl: _OPTIONS = None


class RealTimeTranscription(Lenient):
    destination_url: Uri
    partial_results: bool | None = None
    enhanced_diarization: bool | None = None


class RealTimeMedia(Lenient):
    rtmp_destination_url: Uri | None = None
    websocket_video_destination_url: Uri | None = None
    websocket_audio_destination_url: Uri | None = None
    websocket_speaker_timeline_destination_url: Uri | None = None
    websocket_speaker_timeline_exclude_null_speaker: bool | None = None
    webhook_call_events_destination_url: Uri | None = None
    webhook_chat_messages_destination_url: Uri | None = None


class RecordingModeOptions(Lenient):
    participant_video_when_screenshare: Literal["hide", "beside", "overlap"] | None = None
    start_recording_on: (
        Literal["call_join", "participant_join", "participant_speak", "manual"] | None
    ) = None


class SlackHuddleObserver(Lenient):
    slack_team_integration_id: Uuid
    team_domain: str
    login_email: str
    huddle_bot_api_token: str = Field(repr=False)
    auto_join_public_huddles: bool | None = None
    ask_to_join_private_huddles: bool | None = None
    ask_to_join_message: str | None = None
    filter_huddles_by_user_emails: list[str] | None = None
    profile_photo_base64_jpg: str | None = None
    huddle_bot_config: dict[str, Any] | None = None


class SlackAuthenticator(Lenient):
    slack_team_integration_id: Uuid | None = None
    team_domain: str | None = None
    login_email: str | None = None
    profile_photo_base64_jpg: str | None = None


class PresetBody(CreateBotBody):
    """What a preset may contain: the current body plus the v1.10 fields, so a legacy preset
    is still checked for types and typos while it waits to be migrated."""

    NULLABLE = CreateBotBody.NULLABLE | {
        "transcription_options",
        "real_time_transcription",
        "real_time_media",
        "recording_mode",
        "recording_mode_options",
        "include_bot_in_recording",
        "slack_huddle_observer",
        "slack_authenticator",
    }

    transcription_options: TranscriptionOptions | None = None
    real_time_transcription: RealTimeTranscription | None = None
    real_time_media: RealTimeMedia | None = None
    recording_mode: (
        Literal["speaker_view", "gallery_view", "gallery_view_v2", "audio_only"] | None
    ) = None
    recording_mode_options: RecordingModeOptions | None = None
    include_bot_in_recording: IncludeBotInRecording | None = None
    slack_huddle_observer: SlackHuddleObserver | None = None
    slack_authenticator: SlackAuthenticator | None = None


# Values never repeated in a message, a summary or a migration report.
SECRET_FIELDS: Final = frozenset({"huddle_bot_api_token"})


@dataclass(frozen=True)
class LegacyField:
    """A v1.10 top-level key: where its meaning lives now, and which current keys say the
    same thing (both present = a contradiction, not just a mix)."""

    replacement: str | None
    same_as: tuple[str, ...]


LEGACY_FIELDS: Final = MappingProxyType(
    {
        "transcription_options": LegacyField(
            "recording_config.transcript.provider (one key named after the provider)",
            ("transcript",),
        ),
        "real_time_transcription": LegacyField(
            'recording_config.realtime_endpoints, as {"type": "webhook", "url": ..., '
            '"events": ["transcript.data"]}',
            ("realtime_endpoints",),
        ),
        "real_time_media": LegacyField(
            "recording_config.realtime_endpoints (rtmp/websocket/webhook endpoints) plus the "
            "artifacts they stream",
            ("realtime_endpoints",),
        ),
        "recording_mode": LegacyField(
            "recording_config.video_mixed_layout (same values)", ("video_mixed_layout",)
        ),
        "recording_mode_options": LegacyField(
            "recording_config.video_mixed_participant_video_when_screenshare and "
            "recording_config.start_recording_on",
            ("video_mixed_participant_video_when_screenshare", "start_recording_on"),
        ),
        "include_bot_in_recording": LegacyField(
            "recording_config.include_bot_in_recording", ("include_bot_in_recording",)
        ),
        # The current reference has no Slack huddle fields at all.
        "slack_huddle_observer": LegacyField(None, ()),
        "slack_authenticator": LegacyField(None, ()),
    }
)


def classify(data: Mapping[str, Any]) -> Style:
    """``legacy`` (v1.10 keys, no ``recording_config``), ``current`` (no v1.10 keys) or
    ``mixed`` (both), per the reference's recommended validator model."""
    has_legacy = any(key in data for key in LEGACY_FIELDS)
    if not has_legacy:
        return "current"
    return "mixed" if data.get("recording_config") is not None else "legacy"


def legacy_findings(
    data: Mapping[str, Any], *, strict: bool = False, target: ApiVersion | None = None
) -> list[Finding]:
    """Warnings for v1.10 fields (errors when ``strict`` or when the workspace's bots use
    ``target="v1.11"``), and errors for a v1.10/v1.11 mix."""
    deprecated: Severity = "error" if strict or target == "v1.11" else "warning"
    findings: list[Finding] = []
    recording_config = data.get("recording_config")
    current = recording_config if isinstance(recording_config, Mapping) else {}

    for key, field in LEGACY_FIELDS.items():
        if key not in data:
            continue
        if recording_config is not None:
            clashing = [name for name in field.same_as if name in current]
            if clashing:
                where = " and ".join(f"recording_config.{name}" for name in clashing)
                message = (
                    f"{key} (v1.10) and {where} (v1.11) both set the same thing, and Create "
                    "Bot v1.11 refuses the v1.10 key. Keep only the recording_config version."
                )
            else:
                message = (
                    f"{key} is a v1.10 field and this preset also has recording_config (v1.11); "
                    "Create Bot v1.11 refuses the old key and v1.10 behaviour for a mix is "
                    f"undocumented. {_where_now(key, field)}"
                )
            findings.append(Finding(key, message, "error", "legacy.mixed"))
            continue
        findings.append(
            Finding(key, _legacy_message(key, field, target), deprecated, "legacy.field")
        )

    findings.extend(_nested_legacy(data, deprecated, target))
    findings.extend(_legacy_semantics(data))
    return findings


def _legacy_message(key: str, field: LegacyField, target: ApiVersion | None) -> str:
    if target == "v1.11":
        if field.replacement is None:
            return (
                f"{key} is a v1.10 field, and this workspace's bots use Create Bot v1.11, which "
                f"refuses it. {_where_now(key, field)}"
            )
        return (
            f"{key} is a v1.10 field, and this workspace's bots use Create Bot v1.11, which "
            f"refuses it. Press Migrate to current to move it to {field.replacement}."
        )
    if target == "v1.10":
        return (
            f"{key} is deprecated: this workspace's v1.10 bots accept it, but Create Bot v1.11 "
            f"refuses it, so migrate before the workspace moves to v1.11. {_where_now(key, field)}"
        )
    return f"{key} is a v1.10 field that Create Bot v1.11 rejects. {_where_now(key, field)}"


def _nested_suffix(target: ApiVersion | None) -> str:
    if target == "v1.11":
        return " This workspace's bots use v1.11, which refuses it; Migrate to current fixes it."
    if target == "v1.10":
        return " Deprecated: this workspace's v1.10 bots accept it, v1.11 does not."
    return ""


def _where_now(key: str, field: LegacyField) -> str:
    if field.replacement is None:
        return (
            "The current Create Bot reference has no equivalent; ask Recall how this is "
            "configured now before removing it."
        )
    return f"Its current place is {field.replacement}; Migrate rewrites it."


def _nested_legacy(
    data: Mapping[str, Any], severity: Severity, target: ApiVersion | None = None
) -> list[Finding]:
    suffix = _nested_suffix(target)
    findings: list[Finding] = []
    leave = data.get("automatic_leave")
    if isinstance(leave, Mapping):
        timeout = leave.get("everyone_left_timeout")
        if isinstance(timeout, int) and not isinstance(timeout, bool):
            findings.append(
                Finding(
                    "automatic_leave.everyone_left_timeout",
                    f"A bare number is the v1.10 form; v1.11 takes an object: "
                    f'{{"timeout": {timeout}}}.{suffix}',
                    severity,
                    "legacy.field",
                )
            )
    meet = data.get("google_meet")
    if isinstance(meet, Mapping) and "login_required" in meet:
        findings.append(
            Finding(
                "google_meet.login_required",
                "login_required is gone from the current Create Bot body: whether a signed-in "
                "bot logs in is set by the login group's login_mode (always | "
                f"only_if_required). Remove it and set google_login_group_id instead.{suffix}",
                severity,
                "legacy.field",
            )
        )
    return findings


def _legacy_semantics(data: Mapping[str, Any]) -> list[Finding]:
    """Checks that only make sense for the v1.10 shapes themselves."""
    findings: list[Finding] = []
    options = data.get("transcription_options")
    provider = options.get("provider") if isinstance(options, Mapping) else None
    if isinstance(provider, str) and provider in UNMAPPABLE_PROVIDERS:
        findings.append(
            Finding(
                "transcription_options.provider",
                f'"{provider}" has no current equivalent; choose a current provider such as '
                "recallai_streaming.",
                "warning",
                "legacy.provider_unmappable",
            )
        )
    if isinstance(options, Mapping) and isinstance(provider, str):
        for key, value in options.items():
            if key in LEGACY_PROVIDER_MAP and key != provider and value is not None:
                findings.append(
                    Finding(
                        f"transcription_options.{key}",
                        f"Options for {key} are ignored because the provider is "
                        f'"{provider}". Remove them, or make {key} the provider.',
                        "warning",
                        "legacy.options_ignored",
                    )
                )

    realtime = data.get("real_time_transcription")
    if isinstance(realtime, Mapping) and (options is None or provider == "none"):
        findings.append(
            Finding(
                "real_time_transcription",
                "Real-time transcription is set but no transcription provider is, so there is "
                "no transcript to send. Add transcription_options.provider (or, current style, "
                "recording_config.transcript).",
                "warning",
                "legacy.no_provider",
            )
        )
    return findings
