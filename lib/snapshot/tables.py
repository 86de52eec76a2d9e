"""Tables of the workspace snapshot: what Recall said about each calendar user, and when.

Every row carries ``synced_at``, the time it was last read from Recall, so any screen built on
the snapshot can say how old its answer is. Meetings keep the fields searches and the auto-record
rules read as columns (indexed where a search needs it) and the whole meeting as Recall sent it
(``raw``), so the rules can be replayed on the snapshot without a Recall call.

The job tables (rate-limit state, kept calendar tokens) live here too: they are shared by every
worker through the database. The schema itself is created by the migrations, never here.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from lib.audit.schema import UTCDateTime

metadata = MetaData()

users = Table(
    "snapshot_users",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("recall_id", String(64)),
    Column("preferences", JSON(none_as_null=True)),
    # "pending" (never read), "ok", "failing" (``last_error`` says why, in words for staff).
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("last_error", Text),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("synced_at", UTCDateTime()),
    Column("attempted_at", UTCDateTime()),
    # Start of the user's next upcoming meeting as of the last sync: freshness goes to these first.
    Column("next_meeting_at", UTCDateTime()),
    Column("upcoming_meetings", Integer, nullable=False, server_default="0"),
    # Set while the user is still in Recall's user list; cleared users are removed by discovery.
    Column("listed_at", UTCDateTime()),
)
Index("ix_snapshot_users_synced_at", users.c.synced_at)
Index("ix_snapshot_users_next_meeting_at", users.c.next_meeting_at)

connections = Table(
    "snapshot_connections",
    metadata,
    Column(
        "user_id",
        String(255),
        ForeignKey("snapshot_users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("platform", String(32), primary_key=True),
    Column("connected", Boolean, nullable=False),
    Column("email", String(320)),
    Column("connection_id", String(64)),
    Column("synced_at", UTCDateTime(), nullable=False),
)

meetings = Table(
    "snapshot_meetings",
    metadata,
    Column(
        "user_id",
        String(255),
        ForeignKey("snapshot_users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("meeting_id", String(64), primary_key=True),
    Column("title", Text),
    Column("start_time", UTCDateTime()),
    Column("end_time", UTCDateTime()),
    Column("ical_uid", String(1024)),
    Column("bot_id", String(64)),
    Column("will_record", Boolean, nullable=False),
    Column("will_record_reason", Text),
    Column("override_should_record", Boolean),
    Column("is_external", Boolean, nullable=False),
    Column("is_hosted_by_me", Boolean, nullable=False),
    Column("is_recurring", Boolean, nullable=False),
    Column("organizer_email", String(320)),
    Column("attendee_emails", JSON),
    Column("meeting_url", Text),
    Column("meeting_platform", String(32)),
    Column("calendar_platform", String(32)),
    Column("raw", JSON, nullable=False),
    Column("synced_at", UTCDateTime(), nullable=False),
)
Index("ix_snapshot_meetings_start_time", meetings.c.start_time)
Index("ix_snapshot_meetings_ical_uid", meetings.c.ical_uid)
Index("ix_snapshot_meetings_bot_id", meetings.c.bot_id)

# Calendar tokens kept between jobs, encrypted (``lib.snapshot.tokens``); dropped on expiry.
tokens = Table(
    "snapshot_tokens",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# The shared rate limiter (``lib.snapshot.ratelimit``): one row per limit and scope holds the
# pause a 429's Retry-After asked for; one row per request slot still inside the window.
rate_buckets = Table(
    "snapshot_rate_buckets",
    metadata,
    Column("limit_name", String(64), primary_key=True),
    Column("scope", String(300), primary_key=True),
    Column("paused_until", Float, nullable=False, server_default="0"),
)
rate_slots = Table(
    "snapshot_rate_slots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("limit_name", String(64), nullable=False),
    Column("scope", String(300), nullable=False),
    Column("stamp", Float, nullable=False),
)
Index(
    "ix_snapshot_rate_slots_bucket", rate_slots.c.limit_name, rate_slots.c.scope, rate_slots.c.stamp
)
