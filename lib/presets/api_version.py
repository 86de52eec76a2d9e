"""Which Create Bot API version a workspace's bots use, and so how a v1.10 field is judged.

Recall moved Create Bot from v1.10 (transcription and media options at the top level) to v1.11
(everything in ``recording_config``); a v1.11 workspace refuses the old keys outright, while an
older workspace still on v1.10 accepts them. Without a known version a legacy field is a
warning, as it always was.
"""

from __future__ import annotations

from typing import Final, Literal, cast

ApiVersion = Literal["v1.10", "v1.11"]
API_VERSIONS: Final[tuple[ApiVersion, ...]] = ("v1.10", "v1.11")
DEFAULT_API_VERSION: Final[ApiVersion] = "v1.11"


def parse_api_version(value: object) -> ApiVersion:
    """``v1.11`` from ``v1.11``, ``1.11`` or ``V1.11``; ``ValueError`` for anything else."""
    text = str(value).strip().lower()
    text = text if text.startswith("v") else f"v{text}"
    if text not in API_VERSIONS:
        raise ValueError(f"unknown Recall API version; use one of {', '.join(API_VERSIONS)}")
    return cast(ApiVersion, text)
