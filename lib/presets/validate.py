"""``validate``: everything known to be wrong with a bot preset, before it is sent to Recall."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lib.presets.api_version import ApiVersion
from lib.presets.findings import Finding, Report, sort_findings
from lib.presets.jsonload import load
from lib.presets.legacy import classify, legacy_findings
from lib.presets.rules import preset_findings, rule_findings
from lib.presets.schema_errors import schema_findings

# A pathological preset (a list of 100 000 wrong values) would otherwise produce a report too
# long to read or render; the first findings by path are enough to start fixing.
MAX_FINDINGS = 500


def validate(
    config: str | bytes | bytearray | Mapping[str, Any],
    *,
    strict: bool = False,
    target: ApiVersion | None = None,
) -> Report:
    """Check a Calendar V1 bot preset given as JSON text, UTF-8 bytes or a mapping.

    Never raises for bad input: unreadable JSON, the wrong shape, unknown keys and
    contradictions all come back as findings. ``target`` is the Create Bot version the
    workspace's bots use: with ``"v1.11"`` a v1.10 field is an error that names Migrate (as
    with ``strict=True``); with ``"v1.10"`` it is valid with a deprecation warning; without
    one it is a warning.
    """
    loaded = load(config)
    if loaded.data is None:
        return Report.from_findings(loaded.findings)
    data = loaded.data
    findings: list[Finding] = [
        *loaded.findings,
        *schema_findings(data),
        *legacy_findings(data, strict=strict, target=target),
        *rule_findings(data),
        *preset_findings(data),
    ]
    return Report.from_findings(_capped(findings), style=classify(data))


def _capped(findings: list[Finding]) -> list[Finding]:
    ordered = sort_findings(findings)
    if len(ordered) <= MAX_FINDINGS:
        return ordered
    # Keep errors first so a flood of warnings cannot hide them.
    rank = {"error": 0, "warning": 1, "note": 2}
    kept = sorted(ordered, key=lambda f: rank[f.severity])[:MAX_FINDINGS]
    hidden = len(ordered) - len(kept)
    return [
        *kept,
        Finding(
            "",
            f"{hidden} more findings are not shown; fix the ones above and validate again.",
            "note",
            "report.truncated",
        ),
    ]
