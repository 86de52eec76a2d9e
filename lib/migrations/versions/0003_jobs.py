"""The job library's tables (procrastinate 3.10.0), on PostgreSQL only: sync jobs need it.

On SQLite this revision does nothing: a SQLite console has no workers (it has no job queue).

Revision ID: 0003_jobs
Revises: 0002_snapshot
Create Date: 2026-12-04
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0003_jobs"
down_revision = "0002_snapshot"
branch_labels = None
depends_on = None

_SCHEMA = Path(__file__).resolve().parents[1] / "sql" / "procrastinate_3_10_0.sql"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if sa.inspect(bind).has_table("procrastinate_jobs"):
        return
    # The script holds many statements and no parameters: psycopg runs it as one simple query.
    bind.connection.driver_connection.execute(_SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    raise NotImplementedError("drop the procrastinate tables by hand if you mean to")
