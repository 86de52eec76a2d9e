"""Tables of the audit store and the guards that keep the events table append-only.

``audit_events`` holds the chain; ids are assigned by the store (last id + 1 under the head
lock), so they are gapless and a missing id is itself evidence of a deletion. ``audit_head`` is a
single row holding the last id and hash (so a deleted tail is detected) and the retention
checkpoint (id and hash of the last pruned event, where verification starts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

HEAD_ROW_ID = 1
# Transaction-level setting that the PostgreSQL guard accepts as "this DELETE is the prune".
PRUNE_SETTING = "calendar_console.audit_prune"
# Serialises head-row creation across replicas starting at once (PostgreSQL advisory lock key).
SCHEMA_LOCK_KEY = 0x6175646974  # "audit"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as naive
    UTC and given their zone back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("audit times must be timezone-aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# BigInteger on PostgreSQL; INTEGER on SQLite, where only that spelling is the rowid.
_ID = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

events = Table(
    "audit_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("actor_email", String(320), nullable=False),
    Column("actor_role", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("user_id", String(255)),
    Column("target", String(500)),
    # What the target is, in words, as known when the event was recorded (e.g. a meeting's title
    # and start), so the log can name it long after the target is gone. Added after the first
    # release: migration 0005 adds it to older databases.
    Column("target_info", JSON(none_as_null=True)),
    Column("reason", Text),
    Column("ticket", String(200)),
    # JSON (not JSONB) on PostgreSQL keeps the text as written; values are plain JSON data.
    Column("value_before", JSON(none_as_null=True)),
    Column("value_after", JSON(none_as_null=True)),
    Column("error_class", String(200)),
    Column("request_id", String(100), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("outcome IN ('attempt', 'ok', 'failed')", name="audit_events_outcome"),
)
Index("ix_audit_events_occurred_at", events.c.occurred_at)
Index("ix_audit_events_actor", events.c.actor_email, events.c.id)
Index("ix_audit_events_user", events.c.user_id, events.c.id)
Index("ix_audit_events_action", events.c.action, events.c.id)
Index("ix_audit_events_request", events.c.request_id)

head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("checkpoint_id", BigInteger, nullable=False),
    Column("checkpoint_hash", String(64), nullable=False),
    CheckConstraint(f"id = {HEAD_ROW_ID}", name="audit_head_single_row"),
    CheckConstraint("last_id >= checkpoint_id", name="audit_head_order"),
)


def tables_exist(conn: Connection) -> bool:
    """True when both audit tables are present."""
    names = set(inspect(conn).get_table_names())
    return {events.name, head.name} <= names


def ensure_head(conn: Connection, genesis_hash: str) -> None:
    """Create the head row of an empty log; call inside a write transaction on a migrated
    database (the tables and the append-only guards come from the migrations).

    The head row is only created for an empty log: a missing head beside existing events is
    damage for ``verify`` to report, not something to paper over with a fresh head.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
    has_head = conn.execute(head.select().where(head.c.id == HEAD_ROW_ID)).first() is not None
    has_events = conn.execute(events.select().limit(1)).first() is not None
    if not has_head and not has_events:
        conn.execute(
            head.insert().values(
                id=HEAD_ROW_ID,
                last_id=0,
                last_hash=genesis_hash,
                checkpoint_id=0,
                checkpoint_hash=genesis_hash,
            )
        )


def allow_prune_delete(conn: Connection) -> None:
    """Let this transaction (only) delete from the events table on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PRUNE_SETTING})
