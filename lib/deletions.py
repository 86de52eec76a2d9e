"""Calendar users deleted through the console, shared by every console process.

Recall's ``authenticate`` silently re-creates a deleted user, and each console process keeps its
own user list for a while. A delete made in one process is written here first, so every other
process sharing the database knows at once that the id is gone (or going), whatever its own
list still says. A mark is written before the delete is sent (``finished_at`` empty: a delete
in flight) and completed when it ends; it is removed when a user list read after it shows the
id again (the company's product re-created the user) or an admin re-creates it on purpose.

Typical use::

    deletions = UserDeletions(engine)
    deletions.started(base_url, "nw-000001", by="ada@corp.example")
    ...  # the DELETE request
    deletions.finished(base_url, "nw-000001")
    deletions.get(base_url, "nw-000001")  # -> Deletion(..., finished_at=...)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, select

from lib.audit.schema import UTCDateTime
from lib.db import begin_write
from lib.dbschema import MigratedStore

metadata = MetaData()

deletions_table = Table(
    "user_deletions",
    metadata,
    # The workspace is named by its base URL: one database may serve consoles of several.
    Column("workspace", String(500), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("actor_email", String(320), nullable=False),
    PrimaryKeyConstraint("workspace", "user_id"),
)


@dataclass(frozen=True)
class Deletion:
    """One user deleted (or being deleted) through the console."""

    user_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    actor_email: str

    @property
    def in_flight(self) -> bool:
        return self.finished_at is None


class UserDeletions(MigratedStore):
    """The ``user_deletions`` table (migration 0005) in SQLite or PostgreSQL."""

    def started(self, workspace: str, user_id: str, *, by: str) -> Deletion:
        """Mark ``user_id`` as being deleted (replacing any earlier mark)."""
        mark = Deletion(user_id, self._clock(), None, by)
        key = _key(workspace, user_id)
        with begin_write(self._engine) as conn:
            conn.execute(deletions_table.delete().where(*key))
            conn.execute(
                deletions_table.insert().values(
                    workspace=_workspace(workspace),
                    user_id=user_id,
                    started_at=mark.started_at,
                    finished_at=None,
                    actor_email=by,
                )
            )
        return mark

    def finished(self, workspace: str, user_id: str) -> None:
        """The delete request ended (whatever its outcome: a later check re-reads the list)."""
        with begin_write(self._engine) as conn:
            conn.execute(
                deletions_table.update()
                .where(*_key(workspace, user_id))
                .values(finished_at=self._clock())
            )

    def get(self, workspace: str, user_id: str) -> Deletion | None:
        """The mark for ``user_id``, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(
                    deletions_table.c.started_at,
                    deletions_table.c.finished_at,
                    deletions_table.c.actor_email,
                ).where(*_key(workspace, user_id))
            ).first()
        if row is None:
            return None
        return Deletion(user_id, row.started_at, row.finished_at, row.actor_email)

    def forget(
        self, workspace: str, user_id: str, *, started_at: dt.datetime | None = None
    ) -> None:
        """Remove the mark; with ``started_at``, only that mark (not a newer delete's)."""
        conditions = list(_key(workspace, user_id))
        if started_at is not None:
            conditions.append(deletions_table.c.started_at == started_at)
        with begin_write(self._engine) as conn:
            conn.execute(deletions_table.delete().where(*conditions))


def _workspace(base_url: str) -> str:
    return base_url.rstrip("/")


def _key(workspace: str, user_id: str) -> tuple:
    return (
        deletions_table.c.workspace == _workspace(workspace),
        deletions_table.c.user_id == user_id,
    )
