"""The audit store: append, query, verify and prune one hash-chained, append-only log.

Appends from any number of threads and processes (console replicas) are serialised on the head
row: ``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` (the database write lock) on
SQLite. Inside that lock the next id, the previous hash and the new hash are computed and the
event and the head are written in one transaction, so the chain never forks and no event is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, func, select
from sqlalchemy.engine import URL

from lib.audit import schema
from lib.audit.chain import GENESIS_HASH, ChainEntry, ChainWalker, VerifyResult, event_hash
from lib.audit.events import (
    PRUNE_ACTION,
    RESERVED_ACTION_PREFIX,
    NewEvent,
    Outcome,
    StoredEvent,
)
from lib.db import EngineStore, begin_snapshot, begin_write
from lib.dbschema import prepare as prepare_schema

RETENTION_DAYS = 400
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000
SYSTEM_ACTOR = "system"
SYSTEM_ROLE = "system"
# Rows fetched per round trip when walking the whole chain.
_SCAN_BATCH = 1000

_COLUMN_FOR_FIELD = {"time": "occurred_at", "before": "value_before", "after": "value_after"}
_FIELD_FOR_COLUMN = {column: name for name, column in _COLUMN_FOR_FIELD.items()}


class AuditError(Exception):
    """The audit store cannot do what was asked."""


class AuditStoreMissingError(AuditError):
    """The database holds no audit log (and the store was told not to create one)."""


class ChainBrokenError(AuditError):
    """The chain does not verify, so the operation refused to go on."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result.summary())
        self.result = result


class AuditStore(EngineStore):
    """An append-only, hash-chained audit log in SQLite or PostgreSQL.

    Give it a URL (the store then owns and disposes of its engine) or an engine made by
    ``lib.db.make_engine`` (shared with other stores). With ``create=True`` a fresh database is
    migrated (``lib.dbschema.prepare``; an out-of-date one raises ``SchemaOutOfDateError``);
    with ``create=False`` a database without them raises ``AuditStoreMissingError``.
    """

    def __init__(self, url_or_engine: str | URL | Engine, *, create: bool = True) -> None:
        super().__init__(url_or_engine, lambda: self._prepare(create))

    def _prepare(self, create: bool) -> None:
        if create:
            prepare_schema(self._engine)
            with begin_write(self._engine) as conn:
                schema.ensure_head(conn, GENESIS_HASH)
            return
        with self._engine.connect() as conn:
            if not schema.tables_exist(conn):
                raise AuditStoreMissingError("this database holds no audit log")

    # -- writing ---------------------------------------------------------------------------

    def append(self, event: NewEvent) -> StoredEvent:
        """Record ``event`` as the new end of the chain and return it as stored."""
        if event.action.startswith(RESERVED_ACTION_PREFIX):
            raise ValueError(f"actions starting with {RESERVED_ACTION_PREFIX!r} are reserved")
        with begin_write(self._engine) as conn:
            return self._append_locked(conn, self._lock_head(conn), event)

    def _lock_head(self, conn: Connection) -> Row[Any]:
        row = conn.execute(
            select(schema.head).where(schema.head.c.id == schema.HEAD_ROW_ID).with_for_update()
        ).first()
        if row is None:
            raise AuditError("the audit log's head record is missing; run verify")
        return row

    def _append_locked(self, conn: Connection, head: Row[Any], event: NewEvent) -> StoredEvent:
        fields: dict[str, Any] = event.model_dump()
        fields["time"] = event.time or dt.datetime.now(dt.UTC)
        fields["id"] = head.last_id + 1
        fields["prev_hash"] = head.last_hash
        fields["hash"] = event_hash(fields)
        stored = StoredEvent.model_validate(fields)
        conn.execute(schema.events.insert().values(**_to_row(stored)))
        conn.execute(
            schema.head.update()
            .where(schema.head.c.id == schema.HEAD_ROW_ID)
            .values(last_id=stored.id, last_hash=stored.hash)
        )
        return stored

    def prune(
        self,
        before: dt.datetime,
        *,
        actor_email: str = SYSTEM_ACTOR,
        actor_role: str = SYSTEM_ROLE,
    ) -> int:
        """Delete events older than ``before``; return how many were deleted.

        Only a prefix of the chain is ever removed (events up to the first one at or after
        ``before``), so an old event recorded after a newer one waits for a later prune. The id
        and hash of the last deleted event become the checkpoint that verification starts from,
        and the prune itself is appended as an ``audit.prune`` event. The part to be deleted is
        verified first: a broken chain raises ``ChainBrokenError`` and nothing is deleted, so
        retention never destroys the evidence of tampering.
        """
        if before.tzinfo is None or before.utcoffset() is None:
            raise ValueError("before must be timezone-aware")
        with begin_write(self._engine) as conn:
            head = self._lock_head(conn)
            first_kept = conn.execute(
                select(func.min(schema.events.c.id)).where(schema.events.c.occurred_at >= before)
            ).scalar()
            last_pruned = head.last_id if first_kept is None else first_kept - 1
            if last_pruned <= head.checkpoint_id:
                return 0
            checkpoint_hash = self._verify_prefix(conn, head, last_pruned)
            schema.allow_prune_delete(conn)
            deleted = conn.execute(
                schema.events.delete().where(schema.events.c.id <= last_pruned)
            ).rowcount
            conn.execute(
                schema.head.update()
                .where(schema.head.c.id == schema.HEAD_ROW_ID)
                .values(checkpoint_id=last_pruned, checkpoint_hash=checkpoint_hash)
            )
            record = NewEvent(
                actor_email=actor_email,
                actor_role=actor_role,
                action=PRUNE_ACTION,
                reason="retention",
                after={
                    "before": before,
                    "deleted": deleted,
                    "checkpoint_id": last_pruned,
                    "checkpoint_hash": checkpoint_hash,
                },
            )
            self._append_locked(conn, head, record)
            return deleted

    def _verify_prefix(self, conn: Connection, head: Row[Any], last_pruned: int) -> str:
        """Check events up to ``last_pruned`` and the one linking to it; return its hash."""
        walker = ChainWalker(
            start_id=head.checkpoint_id,
            start_hash=head.checkpoint_hash,
            head_last_id=head.last_id,
        )
        checkpoint_hash: str | None = None
        for stored in self._scan(conn, upto=last_pruned + 1):
            failure = walker.feed(_entry(stored))
            if failure is not None:
                raise ChainBrokenError(failure)
            if stored.id == last_pruned:
                checkpoint_hash = stored.hash
        if checkpoint_hash is None:
            missing = head.checkpoint_id + walker.checked + 1
            raise ChainBrokenError(
                VerifyResult(
                    ok=False,
                    checked=walker.checked,
                    first_bad_id=missing,
                    problem=f"events from {missing} on are missing from the part to be pruned",
                )
            )
        return checkpoint_hash

    # -- reading ---------------------------------------------------------------------------

    def query(
        self,
        *,
        actor: str | None = None,
        user_id: str | None = None,
        action: str | None = None,
        outcome: Outcome | str | None = None,
        request_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[StoredEvent]:
        """Events matching every given filter, newest first unless told otherwise.

        ``actor`` matches the email case-insensitively; ``action`` is an exact code, or a prefix
        when it ends in ``.*`` (``"view_as.*"``); ``since`` is inclusive and ``until`` exclusive.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise ValueError("offset cannot be negative")
        where = _conditions(actor, user_id, action, outcome, request_id, since, until)
        order = schema.events.c.id.desc() if newest_first else schema.events.c.id.asc()
        statement = select(schema.events).where(*where).order_by(order).limit(limit).offset(offset)
        with self._engine.connect() as conn:
            return [_from_row(row) for row in conn.execute(statement)]

    def count(
        self,
        *,
        actor: str | None = None,
        user_id: str | None = None,
        action: str | None = None,
        outcome: Outcome | str | None = None,
        request_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> int:
        """How many events ``query`` with the same filters would page through."""
        where = _conditions(actor, user_id, action, outcome, request_id, since, until)
        statement = select(func.count()).select_from(schema.events).where(*where)
        with self._engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    def get(self, event_id: int) -> StoredEvent | None:
        """The event with this id, if stored."""
        with self._engine.connect() as conn:
            row = conn.execute(select(schema.events).where(schema.events.c.id == event_id)).first()
        return None if row is None else _from_row(row)

    def last_hash(self) -> str:
        """Hash of the newest event (the checkpoint or genesis hash for an empty log)."""
        with self._engine.connect() as conn:
            value = conn.execute(
                select(schema.head.c.last_hash).where(schema.head.c.id == schema.HEAD_ROW_ID)
            ).scalar()
        if value is None:
            raise AuditError("the audit log's head record is missing; run verify")
        return str(value)

    def verify(self) -> VerifyResult:
        """Walk the whole chain from the checkpoint to the head, in one consistent snapshot."""
        with begin_snapshot(self._engine) as conn:
            head = conn.execute(
                select(schema.head).where(schema.head.c.id == schema.HEAD_ROW_ID)
            ).first()
            if head is None:
                stored = conn.execute(select(func.count()).select_from(schema.events)).scalar()
                if not stored:
                    return VerifyResult(ok=True, checked=0)
                return VerifyResult(ok=False, checked=0, problem="the chain head record is missing")
            walker = ChainWalker(
                start_id=head.checkpoint_id,
                start_hash=head.checkpoint_hash,
                head_last_id=head.last_id,
            )
            for stored_event in self._scan(conn):
                failure = walker.feed(_entry(stored_event))
                if failure is not None:
                    return failure
            return walker.finish(head.last_hash)

    def _scan(self, conn: Connection, upto: int | None = None) -> Iterator[StoredEvent]:
        statement = select(schema.events).order_by(schema.events.c.id)
        if upto is not None:
            statement = statement.where(schema.events.c.id <= upto)
        result = conn.execute(statement, execution_options={"yield_per": _SCAN_BATCH})
        try:
            for row in result:
                yield _from_row(row)
        finally:
            result.close()


def _entry(event: StoredEvent) -> ChainEntry:
    return ChainEntry(
        id=event.id,
        prev_hash=event.prev_hash,
        hash=event.hash,
        expected_hash=event.expected_hash(),
    )


def _to_row(event: StoredEvent) -> dict[str, Any]:
    fields = event.model_dump()
    fields["outcome"] = str(event.outcome)
    return {_COLUMN_FOR_FIELD.get(name, name): value for name, value in fields.items()}


def _from_row(row: Row[Any]) -> StoredEvent:
    return StoredEvent.model_validate(
        {_FIELD_FOR_COLUMN.get(column, column): value for column, value in row._mapping.items()}
    )


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def _conditions(
    actor: str | None,
    user_id: str | None,
    action: str | None,
    outcome: Outcome | str | None,
    request_id: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> list[ColumnElement[bool]]:
    column = schema.events.c
    where: list[ColumnElement[bool]] = []
    if actor is not None:
        where.append(column.actor_email == actor.strip().lower())
    if user_id is not None:
        where.append(column.user_id == user_id)
    if action is not None:
        if action.endswith(".*"):
            where.append(column.action.startswith(action[:-1], autoescape=True))
        else:
            where.append(column.action == action)
    if outcome is not None:
        where.append(column.outcome == str(Outcome(outcome)))
    if request_id is not None:
        where.append(column.request_id == request_id)
    if since is not None:
        where.append(column.occurred_at >= _aware(since, "since"))
    if until is not None:
        where.append(column.occurred_at < _aware(until, "until"))
    return [and_(*where)] if where else []
