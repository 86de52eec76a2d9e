"""Staff sessions, the shared record of deleted users, and the audit events' ``target_info``.

Three additions made beside the migrations' introduction: server-side sign-in sessions
(``lib.staff.sessions``), deletes every console process must see before minting a token
(``lib.deletions``), and the words that name an audit event's target. A database where the
earlier code already created any of them (with ``create_all`` or ``ALTER TABLE``) keeps it.

Revision ID: 0005_sessions_deletions
Revises: 0004_search_indexes
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lib.audit.schema import UTCDateTime

revision = "0005_sessions_deletions"
down_revision = "0004_search_indexes"
branch_labels = None
depends_on = None


def _inspector() -> sa.Inspector:
    return sa.inspect(op.get_bind())


def upgrade() -> None:
    columns = {column["name"] for column in _inspector().get_columns("audit_events")}
    if "target_info" not in columns:
        op.add_column("audit_events", sa.Column("target_info", sa.JSON(none_as_null=True)))
    if not _inspector().has_table("staff_sessions"):
        op.create_table(
            "staff_sessions",
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("email", sa.String(320), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("method", sa.String(16), nullable=False),
            sa.Column("signed_in_at", UTCDateTime(), nullable=False),
            sa.Column("last_seen_at", UTCDateTime(), nullable=False),
            sa.Column("client", sa.String(200)),
            sa.Column("revoked_at", UTCDateTime()),
            sa.Column("revoked_by", sa.String(320)),
            sa.Column("revoke_reason", sa.String(200)),
        )
        op.create_index("ix_staff_sessions_email", "staff_sessions", ["email"])
        op.create_index("ix_staff_sessions_signed_in_at", "staff_sessions", ["signed_in_at"])
    if not _inspector().has_table("user_deletions"):
        op.create_table(
            "user_deletions",
            sa.Column("workspace", sa.String(500), nullable=False),
            sa.Column("user_id", sa.String(255), nullable=False),
            sa.Column("started_at", UTCDateTime(), nullable=False),
            sa.Column("finished_at", UTCDateTime(), nullable=True),
            sa.Column("actor_email", sa.String(320), nullable=False),
            sa.PrimaryKeyConstraint("workspace", "user_id"),
        )


def downgrade() -> None:
    op.drop_table("user_deletions")
    op.drop_table("staff_sessions")
