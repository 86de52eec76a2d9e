"""The audit store: append, query, verify and prune one hash-chained, append-only log.

Appends from any number of threads and processes (console replicas) are serialised on the head
row: ``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` (the database write lock) on
SQLite. Inside that lock the next id, the previous hash and the new hash are computed and the
event and the head are written in one transaction, so the chain never forks and no event is lost.

Hashes are signed with the audit key (``lib.audit.keys``), which never enters the database. A
store opened without a key can read events but not append, verify, prune or re-key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, func, select
from sqlalchemy.engine import URL

from lib.audit import schema
from lib.audit.anchor import HeadLog, SignedHead
from lib.audit.chain import GENESIS_HASH, ChainEntry, ChainWalker, VerifyResult, event_hash
from lib.audit.events import (
    PRUNE_ACTION,
    REKEY_ACTION,
    RESERVED_ACTION_PREFIX,
    NewEvent,
    Outcome,
    StoredEvent,
)
from lib.audit.keys import AuditKey
from lib.db import EngineStore, begin_snapshot, begin_write
from lib.dbschema import prepare as prepare_schema

RETENTION_DAYS = 400
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000
SYSTEM_ACTOR = "system"
SYSTEM_ROLE = "system"
# Rows fetched per round trip when walking the whole chain.
_SCAN_BATCH = 1000
# After a hash mismatch, how many further events are tried before calling the key wrong.
_KEY_PROBE_EVENTS = 200
UNKEYED = "unkeyed"

_COLUMN_FOR_FIELD = {"time": "occurred_at", "before": "value_before", "after": "value_after"}
_FIELD_FOR_COLUMN = {column: name for name, column in _COLUMN_FOR_FIELD.items()}


class AuditError(Exception):
    """The audit store cannot do what was asked."""


class AuditStoreMissingError(AuditError):
    """The database holds no audit log (and the store was told not to create one)."""


class AuditKeyMissingError(AuditError):
    """The store was opened without the audit key and asked to sign or check the chain."""


class ChainBrokenError(AuditError):
    """The chain does not verify, so the operation refused to go on."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result.summary())
        self.result = result


@dataclass(frozen=True)
class RekeyResult:
    """What a re-key did: how many events were re-signed, from which key to which."""

    events: int
    from_key_id: str
    to_key_id: str
    head: SignedHead


class AuditStore(EngineStore):
    """An append-only, hash-chained audit log in SQLite or PostgreSQL, signed with ``key``.

    Give it a URL (the store then owns and disposes of its engine) or an engine made by
    ``lib.db.make_engine`` (shared with other stores). With ``create=True`` a fresh database is
    migrated (``lib.dbschema.prepare``; an out-of-date one raises ``SchemaOutOfDateError``);
    with ``create=False`` a database without them raises ``AuditStoreMissingError``. Without a
    ``key`` the store only reads.
    """

    def __init__(
        self,
        url_or_engine: str | URL | Engine,
        *,
        create: bool = True,
        key: AuditKey | None = None,
    ) -> None:
        self._key = key
        # The newest head this store object wrote or verified: the database going back behind
        # it (a deleted tail, a rewritten recent event) is caught without any exported copy.
        self._seen: SignedHead | None = None
        self._head_log = HeadLog()
        super().__init__(url_or_engine, lambda: self._prepare(create))

    def _prepare(self, create: bool) -> None:
        if create:
            prepare_schema(self._engine)
            with begin_write(self._engine) as conn:
                schema.ensure_head(conn, GENESIS_HASH)
        else:
            with self._engine.connect() as conn:
                if not schema.tables_exist(conn):
                    raise AuditStoreMissingError("this database holds no audit log")
        if self._key is not None:
            # A missing head is damage for verify to report, not a reason not to open.
            with contextlib.suppress(AuditError):
                self._head_log.write(self.signed_head())

    @property
    def key_id(self) -> str | None:
        """Public id of the key this store signs with (None: opened to read only)."""
        return None if self._key is None else self._key.key_id

    def _require_key(self, doing: str) -> AuditKey:
        if self._key is None:
            raise AuditKeyMissingError(
                f"cannot {doing} the audit log without the audit key: set [console] audit_key "
                "(or CONSOLE_AUDIT_KEY)"
            )
        return self._key

    # -- writing ---------------------------------------------------------------------------

    def append(self, event: NewEvent) -> StoredEvent:
        """Record ``event`` as the new end of the chain and return it as stored."""
        if event.action.startswith(RESERVED_ACTION_PREFIX):
            raise ValueError(f"actions starting with {RESERVED_ACTION_PREFIX!r} are reserved")
        key = self._require_key("append to")
        with begin_write(self._engine) as conn:
            stored = self._append_locked(conn, self._lock_head(conn), event)
        head = SignedHead.sign(stored.id, stored.hash, key)
        self._seen = head
        if self._head_log.due():
            self._head_log.write(head)
        return stored

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
        fields["hash"] = event_hash(fields, self._require_key("append to"))
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
        self._require_key("prune")
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
            failure = walker.feed(self._entry(stored))
            if failure is not None:
                raise ChainBrokenError(self._explain(conn, failure))
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

    def count_actions(
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
        """How many actions (events sharing a request id: an attempt and its outcome) have at
        least one event matching every given filter."""
        where = _conditions(actor, user_id, action, outcome, request_id, since, until)
        statement = select(func.count(schema.events.c.request_id.distinct())).where(*where)
        with self._engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    def query_actions(
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
    ) -> list[list[StoredEvent]]:
        """Actions with an event matching every filter, newest first (by their newest matching
        event), each as all of its events oldest first, matching or not, so an attempt and
        its outcome are read together."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise ValueError("offset cannot be negative")
        where = _conditions(actor, user_id, action, outcome, request_id, since, until)
        column = schema.events.c
        newest = func.max(column.id).label("newest")
        page = (
            select(column.request_id, newest)
            .where(*where)
            .group_by(column.request_id)
            .order_by(newest.desc())
            .limit(limit)
            .offset(offset)
        )
        with self._engine.connect() as conn:
            ids = [row.request_id for row in conn.execute(page)]
            if not ids:
                return []
            rows = conn.execute(
                select(schema.events).where(column.request_id.in_(ids)).order_by(column.id)
            )
            grouped: dict[str, list[StoredEvent]] = {request: [] for request in ids}
            for row in rows:
                event = _from_row(row)
                grouped[event.request_id].append(event)
        return [grouped[request] for request in ids if grouped[request]]

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

    def signed_head(self) -> SignedHead:
        """The head as it stands now, signed: what exports carry and the log records."""
        key = self._require_key("sign the head of")
        with self._engine.connect() as conn:
            row = conn.execute(
                select(schema.head.c.last_id, schema.head.c.last_hash).where(
                    schema.head.c.id == schema.HEAD_ROW_ID
                )
            ).first()
        if row is None:
            raise AuditError("the audit log's head record is missing; run verify")
        return SignedHead.sign(int(row.last_id), str(row.last_hash), key)

    def verify(self, against: Sequence[SignedHead] = ()) -> VerifyResult:
        """Walk the whole chain from the checkpoint to the head, in one consistent snapshot.

        ``against``: heads exported or logged earlier. Each must be signed with this store's key
        and still be part of the chain, so a deleted tail or a rewrite since then is found even
        though the database's own head was moved to match.
        """
        key = self._require_key("verify")
        # Read before the snapshot starts, so it never names an event the snapshot cannot see.
        seen = self._seen
        for anchor in against:
            if not anchor.signed_by(key):
                return VerifyResult(ok=False, checked=0, problem=self._foreign_head(anchor, key))
        with begin_snapshot(self._engine) as conn:
            head = conn.execute(
                select(schema.head).where(schema.head.c.id == schema.HEAD_ROW_ID)
            ).first()
            if head is None:
                stored = conn.execute(select(func.count()).select_from(schema.events)).scalar()
                if not stored and not against and seen is None:
                    return VerifyResult(ok=True, checked=0)
                return VerifyResult(ok=False, checked=0, problem="the chain head record is missing")
            walker = ChainWalker(
                start_id=head.checkpoint_id,
                start_hash=head.checkpoint_hash,
                head_last_id=head.last_id,
            )
            for stored_event in self._scan(conn):
                failure = walker.feed(self._entry(stored_event))
                if failure is not None:
                    return self._explain(conn, failure)
            result = walker.finish(head.last_hash)
            if not result.ok:
                return result
            problem = self._checkpoint_problem(conn, head)
            if problem is not None:
                return VerifyResult(ok=False, checked=result.checked, problem=problem)
            anchors = [*against, *([seen] if seen is not None else [])]
            for anchor in anchors:
                broken = self._against_anchor(conn, head, anchor, result.checked)
                if broken is not None:
                    return broken
        if self._seen is None or head.last_id >= self._seen.events:
            self._seen = SignedHead.sign(int(head.last_id), str(head.last_hash), key)
        return result

    def _entry(self, event: StoredEvent, extra_keys: Sequence[AuditKey | None] = ()) -> ChainEntry:
        expected = event.expected_hash(self._key)
        if expected != event.hash:
            for other in extra_keys:
                if event.expected_hash(other) == event.hash:
                    expected = event.hash
                    break
        return ChainEntry(
            id=event.id, prev_hash=event.prev_hash, hash=event.hash, expected_hash=expected
        )

    def _explain(self, conn: Connection, failure: VerifyResult) -> VerifyResult:
        """A hash mismatch told apart: an unkeyed event, the wrong key, or a changed field."""
        bad = failure.first_bad_id
        if bad is None or "does not match its hash" not in (failure.problem or ""):
            return failure
        events = list(self._scan(conn, start=bad, upto=bad + _KEY_PROBE_EVENTS - 1))
        if not events or events[0].id != bad:
            return failure
        key_id = self.key_id
        if events[0].expected_hash(None) == events[0].hash:
            problem = (
                f"event {bad} is hashed without the audit key (plain sha256): it was written "
                "before the key was configured, or rewritten by someone who does not hold it. "
                "If this log predates the audit key, sign it once with "
                "`python -m lib.audit rekey --from-unkeyed`"
            )
        elif not any(event.expected_hash(self._key) == event.hash for event in events):
            signer = self._recorded_key_id(conn)
            known = f" (the last re-key recorded key id {signer})" if signer else ""
            problem = (
                f"none of the events from {bad} on matches under the configured audit key "
                f"(key id {key_id}): this is not the key the log was signed with{known}. "
                "Configure the audit key the log was written with; if events were rewritten "
                "instead, keep a copy of the database and investigate"
            )
        else:
            problem = (
                f"event {bad} does not match its hash under the audit key (a field was changed "
                "and the hash recomputed without the key, or a replica runs with another "
                "audit key)"
            )
        return VerifyResult(ok=False, checked=failure.checked, first_bad_id=bad, problem=problem)

    def _recorded_key_id(self, conn: Connection) -> str | None:
        row = conn.execute(
            select(schema.events.c.value_after)
            .where(schema.events.c.action == REKEY_ACTION)
            .order_by(schema.events.c.id.desc())
            .limit(1)
        ).first()
        after = row.value_after if row is not None else None
        return str(after.get("to_key_id")) if isinstance(after, dict) else None

    def _checkpoint_problem(self, conn: Connection, head: Row[Any]) -> str | None:
        """A checkpoint must be the one the newest prune recorded (inside the signed chain):
        otherwise the oldest events were deleted and the checkpoint moved to hide it."""
        if head.checkpoint_id == 0:
            return None
        row = conn.execute(
            select(schema.events.c.value_after)
            .where(schema.events.c.action == PRUNE_ACTION)
            .order_by(schema.events.c.id.desc())
            .limit(1)
        ).first()
        after = row.value_after if row is not None else None
        if (
            isinstance(after, dict)
            and after.get("checkpoint_id") == head.checkpoint_id
            and after.get("checkpoint_hash") == head.checkpoint_hash
        ):
            return None
        return (
            f"the log starts after event {head.checkpoint_id}, but no retention prune recorded "
            "that starting point: the oldest events were deleted outside a prune"
        )

    def _against_anchor(
        self, conn: Connection, head: Row[Any], anchor: SignedHead, checked: int
    ) -> VerifyResult | None:
        if anchor.events > head.last_id:
            first_missing = head.last_id + 1
            missing = (
                f"event {first_missing} is"
                if first_missing == anchor.events
                else f"events {first_missing}-{anchor.events} are"
            )
            return VerifyResult(
                ok=False,
                checked=checked,
                first_bad_id=first_missing,
                problem=(
                    f"the log ends at event {head.last_id}, but a signed head taken earlier "
                    f"names event {anchor.events}: {missing} missing (the log was truncated and "
                    "its head moved back)"
                ),
            )
        if anchor.events < head.checkpoint_id:
            return None  # pruned since by retention; the prune itself is in the signed chain
        if anchor.events == head.checkpoint_id:
            stored_hash: str | None = head.checkpoint_hash
        else:
            stored_hash = conn.execute(
                select(schema.events.c.hash).where(schema.events.c.id == anchor.events)
            ).scalar()
        if anchor.events == 0 and stored_hash is None:
            stored_hash = GENESIS_HASH
        if stored_hash == anchor.hash:
            return None
        return VerifyResult(
            ok=False,
            checked=checked,
            first_bad_id=anchor.events or None,
            problem=(
                f"event {anchor.events} is not the one a signed head taken earlier names: the "
                f"events up to {anchor.events} were rewritten since that head was taken"
            ),
        )

    def _foreign_head(self, anchor: SignedHead, key: AuditKey) -> str:
        if anchor.key_id != key.key_id:
            return (
                f"the signed head for event {anchor.events} was signed with audit key id "
                f"{anchor.key_id}, not the configured key (id {key.key_id}): check it with the "
                "key it was signed with, or, if the log was re-keyed since, against a copy of "
                "the database taken before the re-key"
            )
        return (
            f"the signed head for event {anchor.events} does not match its signature: its "
            "count or hash was altered after it was exported"
        )

    # -- re-keying -------------------------------------------------------------------------

    def rekey(
        self,
        old_key: AuditKey | None,
        *,
        actor_email: str = SYSTEM_ACTOR,
        actor_role: str = SYSTEM_ROLE,
    ) -> RekeyResult:
        """Re-sign every stored event with this store's key, after verifying it under ``old_key``
        (``None``: a log written before keys, hashed with plain sha256).

        Events already signed with the new key (appended by replicas that were switched over
        first) are accepted too. A chain that does not verify raises ``ChainBrokenError`` and
        nothing changes. The rotation is recorded as an ``audit.rekey`` event. Runs in one
        transaction, rewriting the rows (delete and re-insert: updates stay forbidden).
        """
        key = self._require_key("re-key")
        from_id = old_key.key_id if old_key is not None else UNKEYED
        with begin_write(self._engine) as conn:
            head = self._lock_head(conn)
            walker = ChainWalker(
                start_id=head.checkpoint_id,
                start_hash=head.checkpoint_hash,
                head_last_id=head.last_id,
            )
            for stored in self._scan(conn):
                failure = walker.feed(self._entry(stored, extra_keys=(old_key,)))
                if failure is not None:
                    raise ChainBrokenError(failure)
            failure = walker.finish(head.last_hash)
            if not failure.ok:
                raise ChainBrokenError(failure)
            previous_hash = str(head.last_hash)
            prev = str(head.checkpoint_hash)
            schema.allow_prune_delete(conn)
            for first in range(head.checkpoint_id + 1, head.last_id + 1, _SCAN_BATCH):
                last = min(first + _SCAN_BATCH - 1, head.last_id)
                rows: list[dict[str, Any]] = []
                for stored in list(self._scan(conn, start=first, upto=last)):
                    fields = stored.model_dump()
                    fields["prev_hash"] = prev
                    fields["hash"] = prev = event_hash(fields, key)
                    rows.append(_to_row(StoredEvent.model_validate(fields)))
                conn.execute(schema.events.delete().where(schema.events.c.id.between(first, last)))
                if rows:
                    conn.execute(schema.events.insert(), rows)
            conn.execute(
                schema.head.update()
                .where(schema.head.c.id == schema.HEAD_ROW_ID)
                .values(last_hash=prev)
            )
            rekeyed = head.last_id - head.checkpoint_id
            record = NewEvent(
                actor_email=actor_email,
                actor_role=actor_role,
                action=REKEY_ACTION,
                reason="audit key rotation",
                after={
                    "from_key_id": from_id,
                    "to_key_id": key.key_id,
                    "events": rekeyed,
                    "previous_head": {"events": int(head.last_id), "hash": previous_hash},
                },
            )
            locked = self._lock_head(conn)
            stored_record = self._append_locked(conn, locked, record)
        signed = SignedHead.sign(stored_record.id, stored_record.hash, key)
        self._seen = signed
        self._head_log.write(signed)
        return RekeyResult(events=rekeyed, from_key_id=from_id, to_key_id=key.key_id, head=signed)

    def _scan(
        self, conn: Connection, upto: int | None = None, start: int | None = None
    ) -> Iterator[StoredEvent]:
        statement = select(schema.events).order_by(schema.events.c.id)
        if start is not None:
            statement = statement.where(schema.events.c.id >= start)
        if upto is not None:
            statement = statement.where(schema.events.c.id <= upto)
        result = conn.execute(statement, execution_options={"yield_per": _SCAN_BATCH})
        try:
            for row in result:
                yield _from_row(row)
        finally:
            result.close()


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
