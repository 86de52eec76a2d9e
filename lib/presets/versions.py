"""Saved versions of the bot preset, kept in the console's database beside the audit log.

Calendar V1 bots take their configuration from one preset that Recall's team installs by hand,
so the console keeps what was prepared (who, when, why, the content hash) and a record of which
version was sent to Recall and on what date. A version never changes once saved: a change is a
new version. Content is stored in canonical form (``canonical_json``), so equal presets have
equal hashes and a diff shows only real changes.

Saving and marking a version as sent need ``Action.MANAGE_PRESET``; the store checks it itself
(``require_preset_manager``), so no page can save on behalf of a role that may not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)

from lib.actions import ActionError, PermissionDeniedError
from lib.audit.schema import UTCDateTime
from lib.db import begin_write
from lib.dbschema import MigratedStore
from lib.presets.api_version import ApiVersion
from lib.presets.canonical import canonical_json
from lib.presets.findings import Report
from lib.presets.validate import validate
from lib.staff import Action, StaffMember

MAX_NOTE_CHARS = 500
# Staff and the server may sit on either side of midnight UTC; a sent date one day beyond the
# server's "today" (or one day before the version's UTC save date) is a time zone, not an error.
_DATE_SLACK = dt.timedelta(days=1)
# Serialises version numbering and schema creation across replicas (PostgreSQL advisory lock).
_LOCK_KEY = 0x707265736574  # "preset"
# A preset this long is attached as a file rather than pasted into a chat message.
MESSAGE_INLINE_LIMIT = 30_000
# Summary sentences in a message beyond this are counted, not listed (the JSON says it all).
MESSAGE_SUMMARY_LINES = 40

metadata = MetaData()

versions_table = Table(
    "preset_versions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("author_email", String(320), nullable=False),
    Column("note", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
)

sent_table = Table(
    "preset_sent_marks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "version_number",
        Integer,
        ForeignKey("preset_versions.number", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("sent_on", Date, nullable=False),
    Column("marked_by", String(320), nullable=False),
    Column("marked_at", UTCDateTime(), nullable=False),
    UniqueConstraint("version_number", "sent_on", name="preset_sent_once_a_day"),
)


class PresetVersionError(ActionError):
    """A preset version operation that did not happen; ``message`` is written for staff."""


class InvalidPresetError(PresetVersionError):
    """The preset has errors, so it cannot be saved; ``report`` holds them."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


class DuplicateVersionError(PresetVersionError):
    """The preset is the same as the latest saved version."""

    def __init__(self, message: str, existing: Version) -> None:
        super().__init__(message)
        self.existing = existing


class VersionNotFoundError(PresetVersionError):
    pass


class SentMarkError(PresetVersionError):
    """The sent date is impossible, or the version is already marked sent on that date."""


class NoteRequiredError(PresetVersionError):
    pass


@dataclass(frozen=True)
class SentMark:
    """A record that staff sent a version to Recall's team on ``sent_on``."""

    sent_on: dt.date
    marked_by: str
    marked_at: dt.datetime


@dataclass(frozen=True, repr=False)
class Version:
    """One saved preset. ``content`` is the canonical JSON; ``sent`` is oldest mark first."""

    number: int
    created_at: dt.datetime
    author: str
    note: str
    content: str
    content_hash: str
    sent: tuple[SentMark, ...] = ()

    def __repr__(self) -> str:
        # The content can be megabytes of base64 media; name the version instead.
        return f"Version(number={self.number}, content_hash={self.short_hash!r})"

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    @property
    def intact(self) -> bool:
        """Whether the content still matches the hash recorded when it was saved."""
        return _sha256(self.content) == self.content_hash

    @property
    def last_sent(self) -> SentMark | None:
        return self.sent[-1] if self.sent else None

    @property
    def size_bytes(self) -> int:
        return len(self.content.encode("utf-8"))


def require_preset_manager(staff: StaffMember) -> None:
    """Raise ``PermissionDeniedError`` unless ``staff`` may change the bot preset."""
    if not staff.can(Action.MANAGE_PRESET):
        raise PermissionDeniedError(
            f"Your role ({staff.role.label}) may not save preset versions or mark them sent; "
            "ask an admin."
        )


def clean_note(note: str | None) -> str:
    """The note as stored: required, trimmed, at most ``MAX_NOTE_CHARS`` characters."""
    value = (note or "").strip()
    if not value:
        raise NoteRequiredError("Add a note saying what changed and why.")
    if "\x00" in value:
        raise NoteRequiredError("The note cannot contain NUL characters.")
    if len(value) > MAX_NOTE_CHARS:
        raise NoteRequiredError(f"Keep the note under {MAX_NOTE_CHARS} characters.")
    return value


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _invalid_message(report: Report) -> str:
    count = len(report.errors)
    first = "; ".join(f"{f.location}: {f.message}" for f in report.errors[:2])
    more = f" (and {count - 2} more)" if count > 2 else ""
    noun = "error" if count == 1 else "errors"
    return f"The preset has {count} {noun}, so it was not saved: {first}{more}"


class PresetVersions(MigratedStore):
    """Saved preset versions in SQLite or PostgreSQL.

    Give it a URL (the store then owns and disposes of its engine) or an engine made by
    ``lib.db.make_engine`` (shared, for instance, with the audit store). A fresh database is
    migrated; an out-of-date one raises ``SchemaOutOfDateError``. ``clock`` gives the current
    UTC time (tests pass a fixed one).
    """

    @contextmanager
    def _locked_write(self) -> Iterator[Connection]:
        # SQLite's BEGIN IMMEDIATE already holds the database write lock; PostgreSQL needs an
        # explicit lock so two replicas cannot both take the next number.
        with begin_write(self._engine) as conn:
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            yield conn

    # -- writing ---------------------------------------------------------------------------

    def save(
        self,
        content: str | bytes | Mapping[str, Any],
        *,
        author: StaffMember,
        note: str | None,
        target: ApiVersion | None = None,
    ) -> Version:
        """Store ``content`` as the next version and return it.

        Refuses (``PresetVersionError`` subclasses) a role without ``MANAGE_PRESET``, a missing
        note, a preset with errors (warnings are fine; ``target`` is the Create Bot version the
        workspace's bots use, so a v1.10 field is an error for ``"v1.11"``) and a preset equal
        to the latest version.
        """
        require_preset_manager(author)
        clean = clean_note(note)
        report = validate(content, target=target)
        if not report.ok:
            raise InvalidPresetError(_invalid_message(report), report)
        canonical = canonical_json(content)
        digest = _sha256(canonical)
        with self._locked_write() as conn:
            latest = self._latest(conn)
            if latest is not None and latest.content_hash == digest:
                raise DuplicateVersionError(
                    f"This preset is the same as {latest.label} (hash {latest.short_hash}); "
                    "nothing was saved.",
                    latest,
                )
            number = 1 if latest is None else latest.number + 1
            created_at = self._clock()
            conn.execute(
                versions_table.insert().values(
                    number=number,
                    created_at=created_at,
                    author_email=author.email.strip().lower(),
                    note=clean,
                    content=canonical,
                    content_hash=digest,
                )
            )
            return self._get(conn, number)  # type: ignore[return-value]

    def mark_sent(self, number: int, *, by: StaffMember, sent_on: dt.date) -> Version:
        """Record that version ``number`` was sent to Recall on ``sent_on``; return the version.

        A version can be sent more than once (going back to an earlier preset is sending it
        again), but only once per date. The date cannot be before the version was saved or
        after today.
        """
        require_preset_manager(by)
        if isinstance(sent_on, dt.datetime) or not isinstance(sent_on, dt.date):
            raise SentMarkError("The sent date must be a calendar date.")
        with self._locked_write() as conn:
            version = self._get(conn, number)
            if version is None:
                raise VersionNotFoundError(f"There is no preset version {number}.")
            now = self._clock()
            if sent_on > (now + _DATE_SLACK).date():
                raise SentMarkError(
                    f"{sent_on.isoformat()} is in the future; pick the day it was sent."
                )
            if sent_on < (version.created_at - _DATE_SLACK).date():
                raise SentMarkError(
                    f"{version.label} was saved on {version.created_at.date().isoformat()}, "
                    f"so it cannot have been sent on {sent_on.isoformat()}."
                )
            if any(mark.sent_on == sent_on for mark in version.sent):
                raise SentMarkError(
                    f"{version.label} is already marked as sent on {sent_on.isoformat()}."
                )
            conn.execute(
                sent_table.insert().values(
                    version_number=number,
                    sent_on=sent_on,
                    marked_by=by.email.strip().lower(),
                    marked_at=now,
                )
            )
            return self._get(conn, number)  # type: ignore[return-value]

    # -- reading ---------------------------------------------------------------------------

    def list(self, *, limit: int | None = None) -> list[Version]:
        """Versions, newest first."""
        statement = select(versions_table).order_by(versions_table.c.number.desc())
        if limit is not None:
            statement = statement.limit(limit)
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()
            marks = self._marks(conn, [row.number for row in rows])
        return [_version(row, marks.get(row.number, ())) for row in rows]

    def get(self, number: int) -> Version | None:
        """The version with this number, if saved."""
        with self._engine.connect() as conn:
            return self._get(conn, number)

    def latest(self) -> Version | None:
        with self._engine.connect() as conn:
            return self._latest(conn)

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(versions_table)).scalar_one())

    def last_sent(self) -> tuple[Version, SentMark] | None:
        """The version most recently sent to Recall (latest date, then latest record), if any:
        what Recall should be running, as far as the console knows."""
        statement = (
            select(sent_table.c.version_number)
            .order_by(sent_table.c.sent_on.desc(), sent_table.c.id.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            number = conn.execute(statement).scalar()
            if number is None:
                return None
            version = self._get(conn, number)
        if version is None:  # pragma: no cover - the foreign key forbids it
            return None
        latest_mark = max(version.sent, key=lambda m: m.sent_on)
        return version, latest_mark

    def diff(self, a: int, b: int, *, context: int = 3) -> str:
        """Unified diff of the canonical JSON of version ``a`` to version ``b`` ("" if equal)."""
        with self._engine.connect() as conn:
            versions = [self._get(conn, number) for number in (a, b)]
        missing = [n for n, v in zip((a, b), versions, strict=True) if v is None]
        if missing:
            raise VersionNotFoundError(f"There is no preset version {missing[0]}.")
        before, after = versions
        assert before is not None and after is not None
        return diff_texts(
            before.content,
            after.content,
            before_label=f"{before.label} ({before.short_hash})",
            after_label=f"{after.label} ({after.short_hash})",
            context=context,
        )

    def _latest(self, conn: Connection) -> Version | None:
        number = conn.execute(select(func.max(versions_table.c.number))).scalar()
        return None if number is None else self._get(conn, int(number))

    def _get(self, conn: Connection, number: int) -> Version | None:
        row = conn.execute(select(versions_table).where(versions_table.c.number == number)).first()
        if row is None:
            return None
        return _version(row, self._marks(conn, [number]).get(number, ()))

    def _marks(self, conn: Connection, numbers: list[int]) -> dict[int, tuple[SentMark, ...]]:
        if not numbers:
            return {}
        rows = conn.execute(
            select(sent_table)
            .where(sent_table.c.version_number.in_(numbers))
            .order_by(sent_table.c.sent_on, sent_table.c.id)
        )
        found: dict[int, list[SentMark]] = {}
        for row in rows:
            found.setdefault(row.version_number, []).append(
                SentMark(sent_on=row.sent_on, marked_by=row.marked_by, marked_at=row.marked_at)
            )
        return {number: tuple(marks) for number, marks in found.items()}


def _version(row: Row[Any], marks: tuple[SentMark, ...]) -> Version:
    return Version(
        number=row.number,
        created_at=row.created_at,
        author=row.author_email,
        note=row.note,
        content=row.content,
        content_hash=row.content_hash,
        sent=marks,
    )


def diff_texts(
    before: str, after: str, *, before_label: str, after_label: str, context: int = 3
) -> str:
    """Unified diff of two texts, line by line ("" when they are equal)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=before_label,
        tofile=after_label,
        n=context,
    )
    # A last line without a newline would run into the next hunk header.
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def export_file_name(version: Version) -> str:
    """``recall-bot-preset-v3-1a2b3c4d5e6f.json``: the version and hash travel with the file."""
    return f"recall-bot-preset-{version.label}-{version.short_hash}.json"


def recall_message(version: Version, summary: list[str]) -> str:
    """A message to send Recall's team with this version: what it does, its hash, the JSON.

    A preset too long for a chat message is named as an attachment instead of pasted.
    """
    saved = version.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "Hi Recall team, please install this bot preset for our Calendar V1 workspace.",
        "",
        f"Preset version: {version.number} (saved {saved} by {version.author})",
        f"SHA-256 of the canonical JSON: {version.content_hash}",
        f"Change: {' '.join(version.note.split())}",
    ]
    if summary:
        lines += ["", "What it does:", *(f"- {line}" for line in summary[:MESSAGE_SUMMARY_LINES])]
        if len(summary) > MESSAGE_SUMMARY_LINES:
            lines.append(f"- … and {len(summary) - MESSAGE_SUMMARY_LINES} more (see the JSON)")
    lines.append("")
    if len(version.content) <= MESSAGE_INLINE_LIMIT:
        lines += ["Preset JSON:", "```", version.content.rstrip("\n"), "```"]
    else:
        size = version.size_bytes / 1024
        lines.append(
            f"The preset JSON is attached as {export_file_name(version)} ({size:,.0f} KiB); "
            "its SHA-256 is the hash above."
        )
    lines += [
        "",
        "Please reply once it is installed, so we can record the date it went live.",
    ]
    return "\n".join(lines) + "\n"
