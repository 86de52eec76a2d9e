"""What validation and migration report: findings with a severity, a stable code and a path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "note"]
Style = Literal["current", "legacy", "mixed", "unknown"]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One thing wrong with (or worth knowing about) a preset.

    ``path`` is dotted with list indexes (``recording_config.realtime_endpoints.0.events.1``);
    the empty string means the document as a whole. ``code`` is stable across releases so the
    page and tests can key on it; ``message`` says what is wrong and how to fix it. ``line`` and
    ``column`` (1-based) are set when the finding points into the JSON text itself.
    """

    path: str
    message: str
    severity: Severity
    code: str
    line: int | None = None
    column: int | None = None

    @property
    def location(self) -> str:
        """Where the finding is, for display: the path, or line and column for text problems."""
        if self.line is not None:
            return f"line {self.line}, column {self.column}"
        return self.path or "(document)"


def path_sort_key(path: str) -> tuple[tuple[int, int | str], ...]:
    """Order paths as a reader expects: parents first, list indexes numerically (2 before 10)."""
    if not path:
        return ()
    return tuple(
        (0, int(part)) if part.isascii() and part.isdigit() else (1, part)
        for part in path.split(".")
    )


def _finding_sort_key(finding: Finding) -> tuple[object, ...]:
    return (
        path_sort_key(finding.path),
        finding.line or 0,
        finding.column or 0,
        finding.code,
        finding.message,
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by path, without duplicates (two rules may notice the same thing)."""
    return sorted(dict.fromkeys(findings), key=_finding_sort_key)


@dataclass(frozen=True)
class Report:
    """The outcome of validating one preset.

    ``ok`` means no errors; warnings and notes never make a preset invalid. ``style`` says which
    Create Bot generation the preset is written in (``unknown`` when it could not be read).
    """

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    style: Style = "unknown"

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def findings(self) -> list[Finding]:
        """Every finding, errors first, each group sorted by path."""
        return [*self.errors, *self.warnings, *self.notes]

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], style: Style = "unknown") -> Report:
        ordered = sort_findings(findings)
        return cls(
            errors=[f for f in ordered if f.severity == "error"],
            warnings=[f for f in ordered if f.severity == "warning"],
            notes=[f for f in ordered if f.severity == "note"],
            style=style,
        )


def join_path(parent: str, *parts: str | int) -> str:
    """``join_path("a", 0, "b") == "a.0.b"``; an empty parent is the document root."""
    tail = ".".join(str(part) for part in parts)
    if not parent:
        return tail
    return f"{parent}.{tail}" if tail else parent


def show_value(value: object, limit: int = 40) -> str:
    """A short JSON rendering of a value for a message: long strings and containers are cut,
    so a 1.8 MB base64 image or a pasted secret never ends up whole in a finding."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_type_name(value: object) -> str:
    """The JSON name of a Python value's type, for "expected X, got Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__
