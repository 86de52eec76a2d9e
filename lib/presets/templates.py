"""Starting points for a preset, as data. Each call returns a fresh dict the caller may edit.

Every template is a valid current preset (no errors) and says only what it is about, leaving
the rest to Recall's defaults. None sets ``bot_name``: users' own ``bot_name`` preference
decides that.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from lib.presets.catalog import CURRENT_PROVIDERS, PROVIDER_LABELS, UNCHECKED_PROVIDERS

# The options a provider cannot do without, with the most common choice.
_REQUIRED_OPTIONS: Final = MappingProxyType(
    {
        "speechmatics_streaming": {"language": "en"},
        "aws_transcribe_streaming": {"language_code": "en-US"},
    }
)

# Providers a template offers: every current one whose options the reference describes.
TEMPLATE_PROVIDERS: Final = tuple(p for p in CURRENT_PROVIDERS if p not in UNCHECKED_PROVIDERS)


def _provider(provider: str) -> dict[str, Any]:
    if provider not in TEMPLATE_PROVIDERS:
        close = difflib.get_close_matches(provider, TEMPLATE_PROVIDERS, n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise ValueError(
            f"Unknown transcription provider {provider!r}.{hint} "
            f"Choose one of: {', '.join(TEMPLATE_PROVIDERS)}."
        )
    return {provider: dict(_REQUIRED_OPTIONS.get(provider, {}))}


def transcription_template(provider: str = "recallai_streaming") -> dict[str, Any]:
    """Bots transcribe every meeting with ``provider`` (a current provider key)."""
    return {"recording_config": {"transcript": {"provider": _provider(provider)}}}


def realtime_transcript_webhook_template(
    url: str, provider: str = "recallai_streaming", *, partial: bool = False
) -> dict[str, Any]:
    """Bots transcribe with ``provider`` and POST each finished utterance to ``url``
    (``transcript.data``; with ``partial``, also ``transcript.partial_data``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("The webhook URL must be an http(s) URL such as https://example.com/hook.")
    events = ["transcript.data", *(["transcript.partial_data"] if partial else [])]
    return {
        "recording_config": {
            "transcript": {"provider": _provider(provider)},
            "realtime_endpoints": [{"type": "webhook", "url": url, "events": events}],
        }
    }


def meeting_captions_template() -> dict[str, Any]:
    """Bots use the meeting platform's own captions as the transcript (no provider account)."""
    return {"recording_config": {"transcript": {"provider": {"meeting_captions": {}}}}}


def recording_only_template() -> dict[str, Any]:
    """Bots record a speaker-view video and make no transcript."""
    return {"recording_config": {"video_mixed_layout": "speaker_view", "video_mixed_mp4": {}}}


@dataclass(frozen=True)
class Template:
    """A template as the presets page offers it: ``parameters`` are the keyword arguments
    ``build`` needs (``provider``: a key of ``TEMPLATE_PROVIDERS``; ``url``: an https URL)."""

    key: str
    title: str
    description: str
    parameters: tuple[str, ...]
    build: Callable[..., dict[str, Any]]


TEMPLATES: Final = MappingProxyType(
    {
        template.key: template
        for template in (
            Template(
                "transcription",
                "Transcription",
                "Bots transcribe every meeting with the chosen provider.",
                ("provider",),
                transcription_template,
            ),
            Template(
                "realtime_transcript_webhook",
                "Real-time transcript webhook",
                "Bots transcribe and send each utterance to your webhook as it is spoken.",
                ("url", "provider"),
                realtime_transcript_webhook_template,
            ),
            Template(
                "meeting_captions",
                "Meeting captions",
                "Bots use the meeting platform's own captions; no transcription account needed.",
                (),
                meeting_captions_template,
            ),
            Template(
                "recording_only",
                "Recording only",
                "Bots record video and make no transcript.",
                (),
                recording_only_template,
            ),
        )
    }
)


def provider_choices() -> list[tuple[str, str]]:
    """``(key, label)`` pairs for a provider picker."""
    return [(key, PROVIDER_LABELS[key]) for key in TEMPLATE_PROVIDERS]
