"""Alembic environment: runs on the connection ``lib.dbschema`` hands over (already inside a
locked transaction), so every replica sees one migration at a time."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
