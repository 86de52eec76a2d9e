"""Baseline: the audit log and preset versions as the console created them before migrations.

Every step is skipped where its object already exists, so a database that the earlier
``create_all`` code made is brought under migrations without touching its rows (its audit chain
still verifies), and a fresh database gets the same schema.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lib.audit.schema import UTCDateTime

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Copied from the code that created these guards before migrations existed: a migration keeps
# the text it shipped with, whatever the application code says later.
_PRUNE_SETTING = "calendar_console.audit_prune"
_POSTGRES_GUARD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger
LANGUAGE plpgsql AS $guard$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('{_PRUNE_SETTING}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$guard$
"""
_POSTGRES_GUARD_TRIGGER = """
CREATE TRIGGER audit_events_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_guard()
"""
_SQLITE_GUARD_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS audit_events_no_update
BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
END
"""


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("audit_events"):
        op.create_table(
            "audit_events",
            sa.Column("id", _ID, primary_key=True, autoincrement=False),
            sa.Column("occurred_at", UTCDateTime(), nullable=False),
            sa.Column("actor_email", sa.String(320), nullable=False),
            sa.Column("actor_role", sa.String(64), nullable=False),
            sa.Column("action", sa.String(64), nullable=False),
            sa.Column("outcome", sa.String(16), nullable=False),
            sa.Column("user_id", sa.String(255)),
            sa.Column("target", sa.String(500)),
            sa.Column("reason", sa.Text),
            sa.Column("ticket", sa.String(200)),
            sa.Column("value_before", sa.JSON(none_as_null=True)),
            sa.Column("value_after", sa.JSON(none_as_null=True)),
            sa.Column("error_class", sa.String(200)),
            sa.Column("request_id", sa.String(100), nullable=False),
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
            sa.CheckConstraint(
                "outcome IN ('attempt', 'ok', 'failed')", name="audit_events_outcome"
            ),
        )
        op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"])
        op.create_index("ix_audit_events_actor", "audit_events", ["actor_email", "id"])
        op.create_index("ix_audit_events_user", "audit_events", ["user_id", "id"])
        op.create_index("ix_audit_events_action", "audit_events", ["action", "id"])
        op.create_index("ix_audit_events_request", "audit_events", ["request_id"])
    if _missing("audit_head"):
        op.create_table(
            "audit_head",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("last_id", sa.BigInteger, nullable=False),
            sa.Column("last_hash", sa.String(64), nullable=False),
            sa.Column("checkpoint_id", sa.BigInteger, nullable=False),
            sa.Column("checkpoint_hash", sa.String(64), nullable=False),
            sa.CheckConstraint("id = 1", name="audit_head_single_row"),
            sa.CheckConstraint("last_id >= checkpoint_id", name="audit_head_order"),
        )
    _audit_guard()
    if _missing("preset_versions"):
        op.create_table(
            "preset_versions",
            sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.Column("author_email", sa.String(320), nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("content", sa.Text, nullable=False),
            sa.Column("content_hash", sa.String(64), nullable=False),
        )
    if _missing("preset_sent_marks"):
        op.create_table(
            "preset_sent_marks",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "version_number",
                sa.Integer,
                sa.ForeignKey("preset_versions.number", ondelete="RESTRICT"),
                nullable=False,
            ),
            sa.Column("sent_on", sa.Date, nullable=False),
            sa.Column("marked_by", sa.String(320), nullable=False),
            sa.Column("marked_at", UTCDateTime(), nullable=False),
            sa.UniqueConstraint("version_number", "sent_on", name="preset_sent_once_a_day"),
        )
        op.create_index(
            "ix_preset_sent_marks_version_number", "preset_sent_marks", ["version_number"]
        )


def _audit_guard() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(_SQLITE_GUARD_TRIGGER)
        return
    exists = bind.execute(
        sa.text(
            "SELECT 1 FROM pg_trigger "
            "WHERE tgrelid = CAST('audit_events' AS regclass) "
            "AND tgname = 'audit_events_append_only'"
        )
    ).first()
    if exists is None:
        op.execute(_POSTGRES_GUARD_FUNCTION)
        op.execute(_POSTGRES_GUARD_TRIGGER)


def downgrade() -> None:
    # The audit log is the system of record: no migration ever drops it.
    raise NotImplementedError("the baseline cannot be downgraded")
