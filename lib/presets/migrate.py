"""Rewriting a v1.10 (legacy) preset into the current Create Bot shape.

Follows the reference's legacy -> v1.11 map (``docs/create-bot-schema.md`` §14). The rule is
that nothing the old preset said disappears quietly: a setting that has no current place, an
option the new provider does not take, or a value that clashes with one already in
``recording_config`` is dropped *and reported* (a warning when it changed behaviour, a note
when it only restated a default). Where the old and the new defaults differ (the recording
start trigger), the old behaviour is written out explicitly.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lib.presets.findings import Finding, Severity, join_path, sort_findings
from lib.presets.jsonload import load_or_raise
from lib.presets.legacy import (
    LEGACY_FIELDS,
    LEGACY_PROVIDER_MAP,
    UNMAPPABLE_PROVIDERS,
    classify,
)
from lib.presets.schema import provider_option_keys

# v1.10 defaults: a key holding one of these said nothing beyond the default.
_LEGACY_DEFAULTS: dict[str, object] = {
    "partial_results": False,
    "enhanced_diarization": False,
    "websocket_speaker_timeline_exclude_null_speaker": True,
    "login_required": False,
}

_SPEECH_EVENTS = ["participant_events.speech_on", "participant_events.speech_off"]


def migrate(config: str | bytes | bytearray | Mapping[str, Any]) -> dict[str, Any]:
    """The preset in the current Create Bot shape (see ``migrate_with_report`` for what could
    not be carried over). Raises ``PresetParseError`` if the preset is not readable JSON."""
    return migrate_with_report(config)[0]


def migrate_with_report(
    config: str | bytes | bytearray | Mapping[str, Any],
) -> tuple[dict[str, Any], list[Finding]]:
    """The migrated preset and what the migration could not carry over unchanged.

    Findings point at the legacy path the information came from. A preset that is already
    current comes back equal and with no findings, so migrating twice changes nothing.
    Raises ``PresetParseError`` if the preset is not one readable JSON object.
    """
    data = copy.deepcopy(load_or_raise(config))
    return _Migration(data).run()


def _render(value: Any, limit: int = 200) -> str:
    """The dropped value in full when short, so the report keeps what the preset said."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Migration:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.was_legacy = classify(data) == "legacy"
        self.findings: list[Finding] = []
        existing = data.get("recording_config")
        self.blocked = existing is not None and not isinstance(existing, dict)
        self.recording: dict[str, Any] = existing if isinstance(existing, dict) else {}

    def run(self) -> tuple[dict[str, Any], list[Finding]]:
        if self.blocked and any(key in self.data for key in LEGACY_FIELDS):
            self._report(
                "recording_config",
                "migrate.blocked",
                "recording_config is not an object, so the v1.10 fields cannot be moved into "
                "it; fix recording_config first.",
                "error",
            )
            return self.data, self.findings
        # Layout first: the real-time video mapping depends on it.
        self._recording_mode()
        self._recording_mode_options()
        self._include_bot_in_recording()
        self._transcription_options()
        self._real_time_transcription()
        self._real_time_media()
        self._slack()
        self._automatic_leave()
        self._google_meet()
        if self.recording and not self.blocked:
            self.data["recording_config"] = self.recording
        return self.data, sort_findings(self.findings)

    # --- reporting and writing --------------------------------------------------------

    def _report(self, path: str, code: str, message: str, severity: Severity = "warning") -> None:
        self.findings.append(Finding(path, message, severity, code))

    def _dropped(self, path: str, value: Any, reason: str) -> None:
        key = path.rsplit(".", 1)[-1]
        if key in _LEGACY_DEFAULTS and (value is None or value == _LEGACY_DEFAULTS[key]):
            self._report(
                path,
                "migrate.dropped_default",
                f"Removed {path} = {_render(value)}, which only restated the default: {reason}",
                "note",
            )
        else:
            self._report(path, "migrate.dropped", f"Removed {path} = {_render(value)}: {reason}")

    def _put(self, keys: tuple[str, ...], value: Any, source: str) -> bool:
        """Write ``value`` at ``recording_config.<keys>``; on a clash keep what is there."""
        node = self.recording
        for depth, key in enumerate(keys[:-1]):
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                where = ".".join(("recording_config", *keys[: depth + 1]))
                self._conflict(source, where, value)
                return False
            node = child
        leaf = keys[-1]
        if leaf in node and node[leaf] != value:
            self._conflict(source, ".".join(("recording_config", *keys)), value)
            return False
        node[leaf] = value
        return True

    def _conflict(self, source: str, target: str, value: Any) -> None:
        self._report(
            source,
            "migrate.conflict",
            f"{target} already says something else, so it was kept and the value from "
            f"{source} ({_render(value)}) was dropped. Check which one you meant.",
        )

    def _enable_artifact(self, artifact: str, source: str) -> None:
        if self.recording.get(artifact, {}) is None:
            self._report(
                source,
                "migrate.conflict",
                f"{source} needs recording_config.{artifact}, which this preset turns off "
                "(null); it was left off, so the stream will not work until it is enabled.",
            )
            return
        self.recording.setdefault(artifact, {})

    def _add_endpoint(self, kind: str, url: str, events: list[str], source: str) -> None:
        endpoints = self.recording.setdefault("realtime_endpoints", [])
        if not isinstance(endpoints, list):
            self._conflict(source, "recording_config.realtime_endpoints", url)
            return
        for endpoint in endpoints:
            if isinstance(endpoint, dict) and (endpoint.get("type"), endpoint.get("url")) == (
                kind,
                url,
            ):
                current = endpoint.setdefault("events", [])
                if isinstance(current, list):
                    current.extend(event for event in events if event not in current)
                    return
        endpoints.append({"type": kind, "url": url, "events": list(events)})

    def _take(self, key: str) -> Any:
        return self.data.pop(key) if key in self.data else None

    def _leftovers(self, source: str, value: dict[str, Any], handled: set[str]) -> None:
        for key, item in value.items():
            if key not in handled:
                self._dropped(
                    join_path(source, key), item, "it is not a documented v1.10 field either."
                )

    # --- one method per legacy field ----------------------------------------------------

    def _recording_mode(self) -> None:
        mode = self._take("recording_mode")
        if mode is not None:
            self._put(("video_mixed_layout",), mode, "recording_mode")

    def _recording_mode_options(self) -> None:
        options = self._take("recording_mode_options")
        if options is not None and not isinstance(options, dict):
            self._dropped("recording_mode_options", options, "it is not an object.")
        options = options if isinstance(options, dict) else {}
        screenshare = options.get("participant_video_when_screenshare")
        if screenshare is not None:
            self._put(
                ("video_mixed_participant_video_when_screenshare",),
                screenshare,
                "recording_mode_options.participant_video_when_screenshare",
            )
        start = options.get("start_recording_on")
        if start is not None:
            self._put(("start_recording_on",), start, "recording_mode_options.start_recording_on")
        elif self.was_legacy and "start_recording_on" not in self.recording:
            # v1.10 started recording when the bot joined; v1.11 waits for a participant.
            self.recording["start_recording_on"] = "call_join"
            self._report(
                "recording_config.start_recording_on",
                "migrate.default_changed",
                'Set to "call_join", the v1.10 default, because the v1.11 default is '
                '"participant_join". Remove it to adopt the new default.',
                "note",
            )
        self._leftovers(
            "recording_mode_options",
            options,
            {"participant_video_when_screenshare", "start_recording_on"},
        )

    def _include_bot_in_recording(self) -> None:
        include = self._take("include_bot_in_recording")
        if include is not None:
            self._put(("include_bot_in_recording",), include, "include_bot_in_recording")

    def _transcription_options(self) -> None:
        options = self._take("transcription_options")
        if not isinstance(options, dict):
            if options is not None:
                self._dropped("transcription_options", options, "it is not an object.")
            return
        provider = options.get("provider")
        target = LEGACY_PROVIDER_MAP.get(provider) if isinstance(provider, str) else None
        handled = {"provider", "use_separate_streams_when_available"}
        if not isinstance(provider, str) or provider not in LEGACY_PROVIDER_MAP:
            self._dropped(
                "transcription_options.provider",
                provider,
                "not a v1.10 provider, so no transcript was configured. Choose one in "
                "recording_config.transcript.provider.",
            )
        elif provider in UNMAPPABLE_PROVIDERS:
            self._report(
                "transcription_options.provider",
                "migrate.no_equivalent",
                f'"{provider}" has no current equivalent, so no transcript was configured. '
                'Choose a provider, e.g. {"recallai_streaming": {}}.',
            )
        if target is not None:
            handled.add(provider)
            settings = self._provider_options(provider, target, options.get(provider))
            self._put(("transcript", "provider"), {target: settings}, "transcription_options")
        elif isinstance(provider, str) and provider in options:
            handled.add(provider)
            self._dropped(
                f"transcription_options.{provider}",
                options[provider],
                "there is no provider to pass these options to.",
            )

        separate = options.get("use_separate_streams_when_available")
        if separate is not None:
            source = "transcription_options.use_separate_streams_when_available"
            if target is None:
                self._dropped(source, separate, "there is no transcript to diarize.")
            else:
                keys = ("transcript", "diarization", "use_separate_streams_when_available")
                self._put(keys, separate, source)

        for key, value in options.items():
            if key in handled:
                continue
            if key in LEGACY_PROVIDER_MAP:
                self._report(
                    f"transcription_options.{key}",
                    "migrate.dropped_ignored",
                    f"Removed transcription_options.{key} = {_render(value)}: these options "
                    f'were already ignored, because the provider is "{provider}".',
                    "note",
                )
            else:
                self._dropped(
                    f"transcription_options.{key}",
                    value,
                    "it is not a documented v1.10 field either.",
                )

    def _provider_options(self, legacy: str, target: str, options: Any) -> dict[str, Any]:
        """The old provider's options that the new provider documents; the rest reported."""
        source = f"transcription_options.{legacy}"
        if options is None:
            return {}
        if not isinstance(options, dict):
            self._dropped(source, options, "provider options must be an object.")
            return {}
        known = provider_option_keys(target)
        kept: dict[str, Any] = {}
        for key, value in options.items():
            if known is None or key in known:
                kept[key] = value
            else:
                self._dropped(
                    join_path(source, key),
                    value,
                    f"{target} documents no option of that name (option names changed with "
                    "the 2025 transcription system). Look up the equivalent in the provider's "
                    "documentation.",
                )
        return kept

    def _real_time_transcription(self) -> None:
        realtime = self._take("real_time_transcription")
        if not isinstance(realtime, dict):
            if realtime is not None:
                self._dropped("real_time_transcription", realtime, "it is not an object.")
            return
        url = realtime.get("destination_url")
        partial = realtime.get("partial_results")
        if isinstance(url, str) and url:
            events = ["transcript.data"]
            if partial is True:
                events.append("transcript.partial_data")
            kind = "websocket" if urlsplit(url).scheme.lower() in ("ws", "wss") else "webhook"
            self._add_endpoint(kind, url, events, "real_time_transcription")
        else:
            self._dropped(
                "real_time_transcription.destination_url",
                url,
                "without a URL there is nowhere to send the transcript.",
            )
        if partial is not None and partial is not True:
            self._dropped("real_time_transcription.partial_results", partial, "off by default.")
        diarization = realtime.get("enhanced_diarization")
        if diarization is not None:
            self._dropped(
                "real_time_transcription.enhanced_diarization",
                diarization,
                "it has no v1.11 equivalent (it was a transcript-retrieval heuristic).",
            )
        self._leftovers(
            "real_time_transcription",
            realtime,
            {"destination_url", "partial_results", "enhanced_diarization"},
        )

    def _real_time_media(self) -> None:
        media = self._take("real_time_media")
        if not isinstance(media, dict):
            if media is not None:
                self._dropped("real_time_media", media, "it is not an object.")
            return
        source = "real_time_media"

        def url(key: str) -> str | None:
            value = media.get(key)
            return value if isinstance(value, str) and value else None

        if rtmp := url("rtmp_destination_url"):
            self._add_endpoint(
                "rtmp", rtmp, ["video_mixed_flv.data"], f"{source}.rtmp_destination_url"
            )
            self._enable_artifact("video_mixed_flv", f"{source}.rtmp_destination_url")
        if audio := url("websocket_audio_destination_url"):
            key = f"{source}.websocket_audio_destination_url"
            self._add_endpoint("websocket", audio, ["audio_mixed_raw.data"], key)
            self._enable_artifact("audio_mixed_raw", key)
        if video := url("websocket_video_destination_url"):
            self._real_time_video(video, f"{source}.websocket_video_destination_url")
        if timeline := url("websocket_speaker_timeline_destination_url"):
            kind = (
                "webhook" if urlsplit(timeline).scheme.lower() in ("http", "https") else "websocket"
            )
            key = f"{source}.websocket_speaker_timeline_destination_url"
            self._add_endpoint(kind, timeline, _SPEECH_EVENTS, key)
        if calls := url("webhook_call_events_destination_url"):
            events = ["participant_events.join", "participant_events.leave", *_SPEECH_EVENTS]
            key = f"{source}.webhook_call_events_destination_url"
            self._add_endpoint("webhook", calls, events, key)
        if chat := url("webhook_chat_messages_destination_url"):
            key = f"{source}.webhook_chat_messages_destination_url"
            self._add_endpoint("webhook", chat, ["participant_events.chat_message"], key)
        exclude = media.get("websocket_speaker_timeline_exclude_null_speaker")
        if exclude is not None:
            self._dropped(
                f"{source}.websocket_speaker_timeline_exclude_null_speaker",
                exclude,
                "v1.11 speech events always name the participant; there is no such option.",
            )
        known = {
            "rtmp_destination_url",
            "websocket_audio_destination_url",
            "websocket_video_destination_url",
            "websocket_speaker_timeline_destination_url",
            "webhook_call_events_destination_url",
            "webhook_chat_messages_destination_url",
            "websocket_speaker_timeline_exclude_null_speaker",
        }
        self._leftovers(source, media, known)
        if any(url(key) for key in known - {"websocket_speaker_timeline_exclude_null_speaker"}):
            self._report(
                source,
                "migrate.payloads_changed",
                "Real-time messages in v1.11 have different event names and payloads from "
                "v1.10; update the receiving services before switching.",
                "note",
            )

    def _real_time_video(self, url: str, source: str) -> None:
        # PNG frames (what v1.10 sent) exist only with the gallery_view_v2 layout; H.264 has no
        # layout requirement. Keep the recording's layout and pick the format that allows it.
        if self.recording.get("video_mixed_layout") == "gallery_view_v2":
            artifact = "video_separate_png"
        else:
            artifact = "video_separate_h264"
        self._add_endpoint("websocket", url, [f"{artifact}.data"], source)
        self._enable_artifact(artifact, source)
        fmt = "PNG frames" if artifact == "video_separate_png" else "H.264 video"
        self._report(
            source,
            "migrate.video_format",
            f"Per-participant video now arrives as {fmt} ({artifact}.data), so the recording "
            "layout stays as it is; make sure the receiver handles that format.",
            "note",
        )

    def _slack(self) -> None:
        for key in ("slack_huddle_observer", "slack_authenticator"):
            if key in self.data:
                self.data.pop(key)
                # Its contents (a huddle bot token among them) are not repeated here.
                self._report(
                    key,
                    "migrate.no_equivalent",
                    f"Removed {key}: the current Create Bot reference has no Slack huddle "
                    "fields. Ask Recall how to configure huddle bots now; the old value is in "
                    "the original preset.",
                )

    def _automatic_leave(self) -> None:
        leave = self.data.get("automatic_leave")
        if isinstance(leave, dict):
            timeout = leave.get("everyone_left_timeout")
            if isinstance(timeout, int) and not isinstance(timeout, bool):
                leave["everyone_left_timeout"] = {"timeout": timeout}

    def _google_meet(self) -> None:
        meet = self.data.get("google_meet")
        if isinstance(meet, dict) and "login_required" in meet:
            self._dropped(
                "google_meet.login_required",
                meet.pop("login_required"),
                "signing in is now decided by the login group's login_mode (always | "
                "only_if_required); set google_meet.google_login_group_id.",
            )
            if not meet:
                del self.data["google_meet"]
