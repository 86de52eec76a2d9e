"""Alembic migrations of the console's database (audit log, preset versions, snapshot).

Run them with ``python -m lib.db upgrade``; ``lib.dbschema`` drives Alembic from code, so there
is no ``alembic.ini`` to keep in step with the settings.
"""
