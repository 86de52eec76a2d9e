"""Workspace snapshot: calendar users, connections, meetings; shared limiter and kept tokens.

Revision ID: 0002_snapshot
Revises: 0001_baseline
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lib.audit.schema import UTCDateTime

revision = "0002_snapshot"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_users",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("recall_id", sa.String(64)),
        sa.Column("preferences", sa.JSON(none_as_null=True)),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("last_error", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("synced_at", UTCDateTime()),
        sa.Column("attempted_at", UTCDateTime()),
        sa.Column("next_meeting_at", UTCDateTime()),
        sa.Column("upcoming_meetings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("listed_at", UTCDateTime()),
    )
    op.create_index("ix_snapshot_users_synced_at", "snapshot_users", ["synced_at"])
    op.create_index("ix_snapshot_users_next_meeting_at", "snapshot_users", ["next_meeting_at"])
    op.create_table(
        "snapshot_connections",
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("snapshot_users.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("connected", sa.Boolean, nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("connection_id", sa.String(64)),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "snapshot_meetings",
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("snapshot_users.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("meeting_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("start_time", UTCDateTime()),
        sa.Column("end_time", UTCDateTime()),
        sa.Column("ical_uid", sa.String(1024)),
        sa.Column("bot_id", sa.String(64)),
        sa.Column("will_record", sa.Boolean, nullable=False),
        sa.Column("will_record_reason", sa.Text),
        sa.Column("override_should_record", sa.Boolean),
        sa.Column("is_external", sa.Boolean, nullable=False),
        sa.Column("is_hosted_by_me", sa.Boolean, nullable=False),
        sa.Column("is_recurring", sa.Boolean, nullable=False),
        sa.Column("organizer_email", sa.String(320)),
        sa.Column("attendee_emails", sa.JSON),
        sa.Column("meeting_url", sa.Text),
        sa.Column("meeting_platform", sa.String(32)),
        sa.Column("calendar_platform", sa.String(32)),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_snapshot_meetings_start_time", "snapshot_meetings", ["start_time"])
    op.create_index("ix_snapshot_meetings_ical_uid", "snapshot_meetings", ["ical_uid"])
    op.create_index("ix_snapshot_meetings_bot_id", "snapshot_meetings", ["bot_id"])
    op.create_table(
        "snapshot_tokens",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "snapshot_rate_buckets",
        sa.Column("limit_name", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(300), primary_key=True),
        sa.Column("paused_until", sa.Float, nullable=False, server_default="0"),
    )
    op.create_table(
        "snapshot_rate_slots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("limit_name", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("stamp", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_snapshot_rate_slots_bucket",
        "snapshot_rate_slots",
        ["limit_name", "scope", "stamp"],
    )


def downgrade() -> None:
    for table in (
        "snapshot_rate_slots",
        "snapshot_rate_buckets",
        "snapshot_tokens",
        "snapshot_meetings",
        "snapshot_connections",
        "snapshot_users",
    ):
        op.drop_table(table)
