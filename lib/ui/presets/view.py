"""Drawing the presets page's pieces: findings beside the editor, the summary, versions, diffs.

Everything from a preset or from staff (paths, messages, notes, URLs in the summary) is data and
goes through ``plain``/``code`` or into code blocks and dataframes, never raw into Markdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st

from lib.presets import Finding
from lib.presets.versions import Version
from lib.ui.presets.actions import Checked, error_lines
from lib.ui.state import SK_DISPLAY_TZ
from lib.ui.text import code, plain

# Enough findings to fix a preset by; the rest are counted, not drawn.
MAX_FINDINGS_SHOWN = 100
# Lines longer than this (base64 media) are shortened on screen only; exports stay whole.
MAX_LINE_SHOWN = 300
# A preset with thousands of endpoints would otherwise describe each one.
MAX_SUMMARY_SHOWN = 60
# Diffs and contents beyond this many lines are cut on screen, with a note saying so.
MAX_LINES_SHOWN = 3000

_GROUPS = (
    ("errors", "error", ":material/error:"),
    ("warnings", "warning", ":material/warning:"),
    ("notes", "note", ":material/info:"),
)


def display_zone(default: str) -> ZoneInfo:
    """The zone staff picked for this session, else the configured one, else UTC."""
    chosen = st.session_state.get(SK_DISPLAY_TZ)
    for name in (chosen, default, "UTC"):
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_time(value: dt.datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def shorten_for_screen(
    text: str, *, line_limit: int = MAX_LINE_SHOWN, max_lines: int = MAX_LINES_SHOWN
) -> tuple[str, bool]:
    """``text`` with very long lines cut and at most ``max_lines`` lines, and whether anything
    was cut. A megabyte of base64 in a code block freezes the browser and tells nobody anything.
    """
    lines = text.splitlines()
    cut = len(lines) > max_lines
    shown = []
    for line in lines[:max_lines]:
        if len(line) > line_limit:
            cut = True
            line = f"{line[:line_limit]}… ({len(line):,} characters)"
        shown.append(line)
    if len(lines) > max_lines:
        shown.append(f"… {len(lines) - max_lines:,} more lines")
    return "\n".join(shown), cut


def _finding_line(finding: Finding) -> str:
    return f"- {code(finding.location)} {plain(finding.message, limit=1000)}"


def render_finding_groups(
    errors: Sequence[Finding], warnings: Sequence[Finding], notes: Sequence[Finding]
) -> None:
    groups = {"errors": errors, "warnings": warnings, "notes": notes}
    for name, severity, icon in _GROUPS:
        found = groups[name]
        if not found:
            continue
        noun = severity if len(found) == 1 else name
        lines = [f"**{len(found)} {noun}**", "", *map(_finding_line, found[:MAX_FINDINGS_SHOWN])]
        if len(found) > MAX_FINDINGS_SHOWN:
            lines.append(f"- … and {len(found) - MAX_FINDINGS_SHOWN} more")
        body = "\n".join(lines)
        if severity == "error":
            st.error(body, icon=icon)
        elif severity == "warning":
            st.warning(body, icon=icon)
        else:
            st.info(body, icon=icon)


def render_check(checked: Checked, text: str, *, stale: bool) -> None:
    """The verdict, the findings with their paths, and the line a syntax error points at."""
    report = checked.report
    if stale:
        st.warning(
            "The text changed since it was last validated; press **Validate** to check it "
            "again. The findings below are for the earlier text.",
            icon=":material/update:",
        )
    if report.ok:
        extra = f" {len(report.warnings)} warning(s) to review." if report.warnings else ""
        st.success(f"**No errors.** This preset can be saved.{extra}", icon=":material/task_alt:")
    if report.style == "legacy":
        _legacy_banner(checked)
    elif report.style == "mixed":
        st.error(
            "Mixes **v1.10 and current** fields. **Migrate to current** keeps the current "
            "values and lists the conflicts.",
            icon=":material/merge_type:",
        )
    render_finding_groups(report.errors, report.warnings, report.notes)
    if not stale:
        excerpt = error_lines(report.errors, text)
        if excerpt is not None:
            st.code(excerpt, language=None)


def _legacy_banner(checked: Checked) -> None:
    if checked.target == "v1.11":
        st.error(
            "Written in the **v1.10 format**, and this workspace's bots use Create Bot "
            "**v1.11**, which refuses it. Press **Migrate to current** to rewrite it; anything "
            "that cannot move is listed.",
            icon=":material/history:",
        )
    elif checked.target == "v1.10":
        st.warning(
            "Written in the **v1.10 format**: this workspace's bots use Create Bot **v1.10**, "
            "which accepts it, but v1.11 refuses it. **Migrate to current** before the "
            "workspace moves to v1.11.",
            icon=":material/history:",
        )
    else:
        st.warning(
            "Written in the **v1.10 format**, which Create Bot v1.11 refuses. Press "
            "**Migrate to current** to rewrite it; anything that cannot move is listed.",
            icon=":material/history:",
        )


def render_migration(findings: Sequence[Finding]) -> None:
    with st.container(border=True):
        st.markdown("**Migrated to the current format**")
        if not findings:
            st.caption("Everything carried over unchanged.")
            return
        st.caption("What could not be carried over unchanged (paths are in the old preset):")
        render_finding_groups(
            [f for f in findings if f.severity == "error"],
            [f for f in findings if f.severity == "warning"],
            [f for f in findings if f.severity == "note"],
        )


def render_summary(summary: Sequence[str] | None, *, has_errors: bool = False) -> None:
    with st.container(border=True):
        st.markdown("**What bots will do**")
        if summary is None:
            st.caption("Fix the JSON so it can be read; the summary follows.")
            return
        if has_errors:
            st.caption("Read as written; Recall refuses a preset with errors.")
        lines = [f"- {plain(line, limit=400)}" for line in summary[:MAX_SUMMARY_SHOWN]]
        if len(summary) > MAX_SUMMARY_SHOWN:
            lines.append(f"- … and {len(summary) - MAX_SUMMARY_SHOWN} more")
        st.markdown("\n".join(lines))


def versions_frame(versions: Sequence[Version], zone: ZoneInfo) -> pd.DataFrame:
    rows = [
        {
            "Version": v.label,
            "Saved": local_time(v.created_at, zone),
            "Author": v.author,
            "Note": v.note,
            "Hash": v.short_hash,
            "Sent to Recall": ", ".join(m.sent_on.isoformat() for m in v.sent) or "—",
            "Size (KiB)": round(v.size_bytes / 1024, 1),
        }
        for v in versions
    ]
    return pd.DataFrame(rows)


def version_choice_label(version: Version) -> str:
    note = " ".join(version.note.split())
    note = note if len(note) <= 50 else note[:49] + "…"
    return f"{version.label} · {version.created_at:%Y-%m-%d} · {note}"


def render_diff(diff: str) -> None:
    if not diff:
        st.success("The two are identical.", icon=":material/check:")
        return
    added = sum(
        1 for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    )
    removed = sum(
        1 for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    )
    st.caption(f"{added} line(s) added, {removed} removed.")
    shown, cut = shorten_for_screen(diff)
    st.code(shown, language="diff")
    if cut:
        st.caption("Long lines and very long diffs are shortened on screen.")
