"""The one text form of a preset used for export, diffs and version hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from lib.presets.jsonload import load_or_raise


def canonical_json(config: str | bytes | bytearray | Mapping[str, Any]) -> str:
    """Pretty JSON with keys sorted at every level, two-space indent and a trailing newline.

    Two presets that mean the same JSON give the same text whatever their key order, spacing
    or escapes, so versions can be compared and hashed. Non-ASCII text stays readable (UTF-8)
    rather than ``\\u`` escaped. Raises ``PresetParseError`` if the preset is not one readable
    JSON object (duplicate keys included: which value is meant is unknowable).
    """
    data = load_or_raise(config)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def content_hash(config: str | bytes | bytearray | Mapping[str, Any]) -> str:
    """Hex SHA-256 of the UTF-8 bytes of ``canonical_json(config)``."""
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()
