"""Trigram indexes for the workspace meeting search, on PostgreSQL where ``pg_trgm`` can be had.

The search matches substrings of titles and prefixes of iCal UIDs, links and bot ids; without
these indexes each search reads every meeting (about 0.5 s per million). ``pg_trgm`` ships with
PostgreSQL's contrib package and is a trusted extension; where it is missing or may not be
created (some managed services, the embedded server) the search still works, only slower.

Revision ID: 0004_search_indexes
Revises: 0003_jobs
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_search_indexes"
down_revision = "0003_jobs"
branch_labels = None
depends_on = None

# (index name, indexed expression); names end in "_search" so schema comparisons can tell
# these optional indexes from the ones every database has.
_TRIGRAM = (
    ("ix_snapshot_meetings_title_search", "lower(title)"),
    ("ix_snapshot_meetings_ical_uid_search", "ical_uid"),
    ("ix_snapshot_meetings_url_search", "meeting_url"),
    ("ix_snapshot_meetings_bot_id_search", "bot_id"),
    ("ix_snapshot_meetings_attendees_search", "(attendee_emails::text)"),
)


def _trigram_schema(bind: sa.Connection) -> str | None:
    found = bind.execute(
        sa.text(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        )
    ).scalar()
    if found:
        return found
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return None
    savepoint = bind.begin_nested()
    try:
        # In ``public``, not the first schema of the search path: the extension is per database.
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return "public"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trigram_schema(bind)
    if schema is None:
        return
    for name, expression in _TRIGRAM:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON snapshot_meetings "
            f'USING gin ({expression} "{schema}".gin_trgm_ops)'
        )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_snapshot_meetings_organizer_search "
        "ON snapshot_meetings (lower(organizer_email))"
    )


def downgrade() -> None:
    for name, _expression in _TRIGRAM:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP INDEX IF EXISTS ix_snapshot_meetings_organizer_search")
