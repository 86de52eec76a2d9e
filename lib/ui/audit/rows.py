"""One row per action: an attempt and its outcome folded together, in words.

The log records a write as an ``attempt`` and then ``ok`` or ``failed`` (same request id); a
refusal (no permission, no reason, a conflict) as a lone ``failed``. People reading the log ask
"who did what to which meeting, did it work, and if not why" — this module answers that from
the events of one request. No Streamlit here: the screens in this package draw the rows.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from lib.audit import Outcome, StoredEvent
from lib.ui.audit_diff import Change, diff_values

ACTION_WORDS: dict[str, str] = {
    "preferences.update": "Change recording preferences",
    "meeting.override": "Change a meeting's override",
    "meetings.refresh": "Resync meetings",
    "calendar.disconnect": "Disconnect a calendar",
    "user.delete": "Delete the calendar user",
    "user.mint": "Create a calendar user",
    "connection_link.create": "Build a calendar connection link",
    "view_as.start": "Open the account",
    "view_as.end": "Close the account",
    "signin": "Sign in",
    "signout": "Sign out",
    "export.audit": "Export the audit log",
    "export.preview": "Export a preview",
    "preset.validate": "Validate the bot preset",
    "preset.save": "Save a bot preset version",
    "preset.mark_sent": "Mark a preset version as sent",
    "preset.export": "Export the bot preset",
    "audit.prune": "Remove audit events past retention",
    "audit.rekey": "Re-sign the audit log with a new key",
}

# Why a write did not happen, by the error recorded; ``{role}`` is the actor's role.
ERROR_WORDS: dict[str, str] = {
    "PermissionDeniedError": "the {role} role may not do this",
    "ReasonRequiredError": "no reason was given",
    "UnknownUserError": "not a calendar user of this workspace (no user was created)",
    "ConfirmationMismatchError": "the typed confirmation did not match",
    "InvalidChangeError": "the requested value was not valid",
    "ConflictError": "someone else changed it after the page was loaded",
    "BadApiKeyError": "Recall rejected the console's API key",
    "CalendarTokenError": "Recall refused the user's calendar token",
    "NotFoundError": "Recall no longer has it",
    "ForbiddenError": "Recall did not allow it",
    "RateLimitedError": "Recall was limiting the request rate",
    "UnavailableError": "Recall could not be reached or was unavailable",
    "ValidationError": "Recall rejected the values",
    "CalendarDisconnectedError": "the calendar is disconnected",
    "UnexpectedResponseError": "Recall answered in a way the console did not expect",
}

FIELD_WORDS: dict[str, str] = {
    "override_should_record": "override",
    "will_record": "bot will join",
    "bot_name": "bot name",
}
# Internal ids say nothing to a reader; they stay in the raw events.
HIDDEN_FIELDS = frozenset({"bot_id", "request_id"})
_OVERRIDE_WORDS = {None: "Auto", True: "Always", False: "Never"}
# Facts rather than settings: "bot will join: yes", not "on".
_YES_NO_FIELDS = frozenset({"will_record"})
MAX_CHANGE_CHARS = 300


class State(enum.StrEnum):
    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"
    PENDING = "pending"


def action_words(code: str) -> str:
    """``preferences.update`` -> ``Change recording preferences`` (unknown codes spelled out)."""
    known = ACTION_WORDS.get(code)
    if known:
        return known
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def error_words(error_class: str | None, role: str) -> str:
    """Why, in words, for an error class recorded with a failed event."""
    if not error_class:
        return "no reason was recorded"
    known = ERROR_WORDS.get(error_class)
    if known:
        return known.format(role=role)
    spaced = re.sub(r"(?<!^)(?=[A-Z])", " ", error_class.removesuffix("Error")).lower()
    return f"{spaced} error" if spaced else "an error"


def field_words(path: str) -> str:
    last = path.rsplit(".", 1)[-1]
    return FIELD_WORDS.get(last, last.replace("_", " "))


def value_words(path: str, value: Any) -> str:
    """A snapshot value as people say it: on/off, Auto/Always/Never, quoted text."""
    if path.rsplit(".", 1)[-1] == "override_should_record" and (
        value is None or isinstance(value, bool)
    ):
        return _OVERRIDE_WORDS[value]
    if isinstance(value, bool):
        if path.rsplit(".", 1)[-1] in _YES_NO_FIELDS:
            return "yes" if value else "no"
        return "on" if value else "off"
    if value is None:
        return "none"
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def readable_change(before: Any, after: Any) -> str:
    """``record external: off -> on; bot name: “A” -> “B”`` — the changed fields only."""
    parts: list[str] = []
    for row in diff_values(before, after):
        if row.change is Change.UNCHANGED or row.path.rsplit(".", 1)[-1] in HIDDEN_FIELDS:
            continue
        name = field_words(row.path)
        if row.change is Change.CHANGED:
            text = f"{value_words(row.path, row.before)} -> {value_words(row.path, row.after)}"
        elif row.change is Change.ADDED:
            text = value_words(row.path, row.after)
        else:
            text = f"{value_words(row.path, row.before)} -> removed"
        parts.append(f"{name}: {text}")
    joined = "; ".join(parts)
    return joined if len(joined) <= MAX_CHANGE_CHARS else joined[: MAX_CHANGE_CHARS - 1] + "…"


def short_id(value: str, length: int = 8) -> str:
    return value if len(value) <= length else value[:length] + "…"


def target_words(event: StoredEvent, zone: ZoneInfo) -> str:
    """The target named: a meeting's title and start, else a short label, else the target."""
    info = event.target_info
    if isinstance(info, Mapping) and info.get("kind") == "meeting":
        title = str(info.get("title") or "").strip() or "Untitled meeting"
        start = _parse_time(info.get("start_time"))
        return f"{title} · {start.astimezone(zone):%a %d %b %H:%M}" if start else title
    target = event.target or ""
    if event.action == "meeting.override" and target:
        ids = [part for part in target.split(",") if part]
        return f"{len(ids)} meetings" if len(ids) > 1 else f"meeting {short_id(ids[0])}"
    return target


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ActionRow:
    """One action: every event of one request, oldest first."""

    events: tuple[StoredEvent, ...]

    @property
    def first(self) -> StoredEvent:
        return self.events[0]

    @property
    def final(self) -> StoredEvent:
        """The outcome (the newest event that is not an attempt), else the attempt."""
        outcomes = [e for e in self.events if e.outcome is not Outcome.ATTEMPT]
        return outcomes[-1] if outcomes else self.events[-1]

    @property
    def attempt(self) -> StoredEvent | None:
        return next((e for e in self.events if e.outcome is Outcome.ATTEMPT), None)

    @property
    def newest_id(self) -> int:
        return max(e.id for e in self.events)

    @property
    def state(self) -> State:
        final = self.final
        if final.outcome is Outcome.OK:
            return State.DONE
        if final.outcome is Outcome.ATTEMPT:
            return State.PENDING
        return State.FAILED if self.attempt is not None else State.REFUSED

    def outcome_words(self) -> str:
        state = self.state
        if state is State.DONE:
            return "Done"
        if state is State.PENDING:
            return "No outcome recorded (the console stopped before Recall answered)"
        why = error_words(self.final.error_class, self.final.actor_role)
        return f"{'Refused' if state is State.REFUSED else 'Failed'}: {why}"

    def change_words(self) -> str:
        """What changed (done) or was asked for (refused, failed), in words."""
        source = self.final if self.state is State.DONE else (self.attempt or self.final)
        return readable_change(source.before, source.after)

    def target_words(self, zone: ZoneInfo) -> str:
        named = next((e for e in reversed(self.events) if e.target_info), None)
        return target_words(named or self.final, zone)


def fold(groups: Sequence[Sequence[StoredEvent]]) -> list[ActionRow]:
    """Actions from events grouped by request (as ``AuditStore.query_actions`` returns them)."""
    return [ActionRow(tuple(sorted(group, key=lambda e: e.id))) for group in groups if group]


def fold_events(events: Sequence[StoredEvent]) -> list[ActionRow]:
    """Actions from a flat list of events, newest action first."""
    groups: dict[str, list[StoredEvent]] = {}
    for event in events:
        groups.setdefault(event.request_id, []).append(event)
    rows = fold(list(groups.values()))
    return sorted(rows, key=lambda row: row.newest_id, reverse=True)


def actions_frame(rows: Sequence[ActionRow], zone: ZoneInfo, *, with_user: bool) -> pd.DataFrame:
    """The rows as a table: times in ``zone``, everything in words."""
    records = []
    for row in rows:
        final = row.final
        record: dict[str, Any] = {
            "ID": row.newest_id,
            "Time": row.first.time.astimezone(zone),
            "Who": final.actor_email,
            "Action": action_words(final.action),
            "Outcome": row.outcome_words(),
            "Target": row.target_words(zone),
            "What changed": row.change_words(),
        }
        if with_user:
            record["User"] = final.user_id or ""
        record["Reason"] = final.reason or ""
        record["Ticket"] = final.ticket or ""
        records.append(record)
    columns = ["ID", "Time", "Who", "Action", "Outcome", "Target", "What changed"]
    columns += [*(["User"] if with_user else []), "Reason", "Ticket"]
    return pd.DataFrame(records, columns=columns)
