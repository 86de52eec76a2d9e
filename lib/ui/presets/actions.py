"""What the presets page does on behalf of staff, each step recorded in the audit log.

The presets counterpart of ``lib/actions.py``: validation, saving a version, marking one as
sent to Recall and exporting. Saving and marking check ``Action.MANAGE_PRESET`` in the version
store itself; a refusal is recorded as a ``failed`` event, so the log shows attempts nobody was
allowed to make. No Streamlit here, so the rules are testable without a page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

from lib.actions import ActionError, StaffRecorder
from lib.audit import AuditStore, Outcome
from lib.presets import (
    MAX_DOCUMENT_BYTES,
    ApiVersion,
    Finding,
    PresetParseError,
    Report,
    content_hash,
    summarize,
    validate,
)
from lib.presets.versions import PresetVersions, Version, export_file_name
from lib.staff import StaffMember

Trigger = Literal["button", "template", "upload", "version", "migrate"]
ExportKind = Literal["json", "message"]


def text_fingerprint(text: str) -> str:
    """Identifies one exact editor text, so the page can tell when it changed since checking."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Checked:
    """The outcome of one validation staff asked for.

    ``summary`` and ``content_hash`` are ``None`` when the text is not readable JSON;
    ``text_sha`` is the fingerprint of the exact text that was checked.
    """

    text_sha: str
    report: Report
    summary: tuple[str, ...] | None
    content_hash: str | None
    trigger: Trigger
    size_bytes: int
    target: ApiVersion | None = None

    def is_for(self, text: str) -> bool:
        return self.text_sha == text_fingerprint(text)


def check(text: str, trigger: Trigger = "button", target: ApiVersion | None = None) -> Checked:
    """Validate ``text`` for bots on Create Bot ``target`` and describe it, without recording
    anything."""
    report = validate(text, target=target)
    try:
        summary: tuple[str, ...] | None = tuple(summarize(text))
        digest: str | None = content_hash(text)
    except PresetParseError:
        summary, digest = None, None
    return Checked(
        text_sha=text_fingerprint(text),
        report=report,
        summary=summary,
        content_hash=digest,
        trigger=trigger,
        size_bytes=len(text.encode("utf-8", errors="surrogatepass")),
        target=target,
    )


@dataclass(frozen=True)
class Upload:
    """An uploaded file read as text, or the findings that say why it cannot be."""

    text: str | None
    report: Report | None = None


def read_upload(raw: bytes) -> Upload:
    """The file's text for the editor; a file that is too large or not UTF-8 is refused
    with the validator's own findings instead of being loaded."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        return Upload(None, validate(raw))
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Upload(None, validate(raw))
    return Upload(decoded.removeprefix("\ufeff"))


class PresetActions(StaffRecorder):
    """Preset operations for one signed-in staff member, judged against the Create Bot version
    the workspace's bots use (``target``; ``None`` accepts v1.10 fields with a warning)."""

    def __init__(
        self,
        *,
        staff: StaffMember,
        versions: PresetVersions,
        audit: AuditStore,
        target: ApiVersion | None = None,
    ) -> None:
        super().__init__(staff=staff, audit=audit)
        self.versions = versions
        self.target = target

    def validate(self, text: str, *, trigger: Trigger = "button") -> Checked:
        """Check the editor text and record that staff validated it (``preset.validate``)."""
        checked = check(text, trigger, self.target)
        report = checked.report
        self.record(
            "preset.validate",
            target="editor",
            after={
                "trigger": trigger,
                "api_version": self.target,
                "ok": report.ok,
                "style": report.style,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "notes": len(report.notes),
                "error_codes": sorted({f.code for f in report.errors})[:20],
                "content_hash": checked.content_hash,
                "bytes": checked.size_bytes,
            },
        )
        return checked

    def save(self, text: str, *, note: str | None) -> Version:
        """Save the text as the next version (``preset.save``); refusals are recorded too."""
        try:
            version = self.versions.save(text, author=self.staff, note=note, target=self.target)
        except ActionError as exc:
            self.record(
                "preset.save",
                outcome=Outcome.FAILED,
                reason=_reason(note),
                after=_attempted(text),
                error_class=type(exc).__name__,
            )
            raise
        self.record(
            "preset.save",
            target=version.label,
            reason=version.note,
            after={"version": version.number, "content_hash": version.content_hash},
        )
        return version

    def mark_sent(self, number: int, *, sent_on: dt.date) -> Version:
        """Record that version ``number`` went to Recall on ``sent_on`` (``preset.mark_sent``)."""
        try:
            version = self.versions.mark_sent(number, by=self.staff, sent_on=sent_on)
        except ActionError as exc:
            self.record(
                "preset.mark_sent",
                outcome=Outcome.FAILED,
                target=f"v{number}",
                after={"version": number, "sent_on": sent_on},
                error_class=type(exc).__name__,
            )
            raise
        self.record(
            "preset.mark_sent",
            target=version.label,
            after={
                "version": version.number,
                "sent_on": sent_on,
                "content_hash": version.content_hash,
            },
        )
        return version

    def record_export(self, version: Version, *, kind: ExportKind) -> None:
        """Record that staff took a copy of a version out of the console (``preset.export``)."""
        self.record(
            "preset.export",
            target=version.label,
            after={
                "version": version.number,
                "format": kind,
                "content_hash": version.content_hash,
                "file_name": export_file_name(version) if kind == "json" else None,
            },
        )


def _reason(note: str | None) -> str | None:
    value = (note or "").strip()
    return value[:500] or None


def _attempted(text: str) -> dict[str, object]:
    # What was refused, identified by hash when readable; the content itself stays out of the log.
    try:
        digest: str | None = content_hash(text)
    except PresetParseError:
        digest = None
    return {"content_hash": digest, "bytes": len(text.encode("utf-8", errors="surrogatepass"))}


def error_lines(findings: list[Finding], text: str, *, context: int = 1) -> str | None:
    """The lines around the first finding that points into the text, with a caret under the
    column, for showing a syntax error where it is. ``None`` when no finding has a position."""
    located = next((f for f in findings if f.line is not None), None)
    if located is None or located.line is None:
        return None
    lines = text.splitlines() or [""]
    index = min(located.line, len(lines)) - 1
    start = max(0, index - context)
    shown: list[str] = []
    width = len(str(index + 1 + context))
    for number in range(start, min(len(lines), index + context + 1)):
        line = lines[number]
        column = (located.column or 1) - 1
        if len(line) > 160:
            # Keep the caret's neighbourhood of a very long line (minified JSON, base64).
            offset = max(0, column - 80)
            line = ("…" if offset else "") + line[offset : offset + 160] + "…"
            column = column - offset + (1 if offset else 0)
        shown.append(f"{number + 1:>{width}} | {line}")
        if number == index:
            shown.append(" " * width + " | " + " " * max(0, column) + "^")
    return "\n".join(shown)
