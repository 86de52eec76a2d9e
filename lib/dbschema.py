"""Schema versions of the console's database, kept by Alembic (migrations in ``lib/migrations``).

``python -m lib.db upgrade`` brings a database to the newest schema. A store opening a database
calls ``prepare``: a fresh database (none of the console's tables yet) is upgraded on the spot,
so a first start and every test on an empty file or schema need no extra step; a database with
the console's tables at an older revision is refused with ``SchemaOutOfDateError`` naming the
command, because changing a shared production schema is an operator's decision.

Migrations run inside one transaction holding a lock (an advisory lock on PostgreSQL, the write
lock on SQLite), so replicas starting together apply each migration once.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, inspect, text

from lib.db import EngineStore, backend_name, begin_write

UPGRADE_COMMAND = "python -m lib.db upgrade"
# Tables that exist in every console database made before migrations (the baseline's tables):
# finding one without a version table means "made by the older code", not "fresh".
BASELINE_TABLES = frozenset({"audit_events", "audit_head", "preset_versions", "preset_sent_marks"})
VERSION_TABLE = "alembic_version"
_MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x6D696772617465  # "migrate"


class SchemaOutOfDateError(RuntimeError):
    """The database's schema is older (or newer) than this code; the message says what to run."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    return MigrationContext.configure(conn).get_current_revision()


def schema_state(engine: Engine) -> str:
    """``"current"``, ``"fresh"`` (no console tables), ``"behind"`` or ``"unknown"`` (a revision
    this code does not know, e.g. written by newer code)."""
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        if VERSION_TABLE not in names:
            return "behind" if names & BASELINE_TABLES else "fresh"
        revision = current_revision(conn)
    if revision == head_revision():
        return "current"
    if revision is None:
        return "fresh" if not names & BASELINE_TABLES else "behind"
    script = ScriptDirectory.from_config(_config())
    try:
        script.get_revision(revision)
    except Exception:
        return "unknown"
    return "behind"


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply every pending migration; return the revision the database ended at."""
    with begin_write(engine) as conn:
        if backend_name(engine) == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        command.upgrade(_config(conn), revision)
        return current_revision(conn)


def out_of_date_message(state: str) -> str:
    """Words for an operator about a database in ``state``."""
    if state == "unknown":
        return (
            "The console's database was migrated by a newer version of the console; "
            "run this version's code only against a database it knows."
        )
    return (
        f"The console's database schema is out of date. Run `{UPGRADE_COMMAND}`, then start again."
    )


def check(engine: Engine) -> None:
    """Raise ``SchemaOutOfDateError`` unless the database is at the newest revision."""
    state = schema_state(engine)
    if state != "current":
        raise SchemaOutOfDateError(out_of_date_message(state))


def prepare(engine: Engine) -> None:
    """Upgrade a fresh database; accept a current one; refuse anything else."""
    state = schema_state(engine)
    if state == "fresh":
        upgrade(engine)
        return
    if state != "current":
        raise SchemaOutOfDateError(out_of_date_message(state))


class MigratedStore(EngineStore):
    """A store whose tables come from the migrations (``prepare`` on opening), with a clock for
    the times it records (tests pass their own)."""

    def __init__(
        self,
        url_or_engine: str | URL | Engine,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        super().__init__(url_or_engine, lambda: prepare(self._engine))


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.db upgrade|check|current [--url URL]``; exit 0 on success, 1 when
    ``check`` finds the schema out of date, 2 when the database cannot be used."""
    import argparse
    import os
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    from lib.audit.__main__ import resolve_url
    from lib.db import make_engine, safe_url

    parser = argparse.ArgumentParser(
        prog="python -m lib.db", description="Migrate the console's database schema."
    )
    parser.add_argument(
        "command",
        choices=("upgrade", "check", "current"),
        help="upgrade: apply pending migrations; check: exit 1 unless up to date; "
        "current: print the revision",
    )
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or the data dir)")
    args = parser.parse_args(argv)
    url = resolve_url(args.url, os.environ)
    try:
        engine = make_engine(url)
        try:
            if args.command == "upgrade":
                revision = upgrade(engine)
                print(f"{safe_url(url)} is at revision {revision}")
                return 0
            if args.command == "check":
                state = schema_state(engine)
                if state == "current":
                    print(f"{safe_url(url)} is up to date ({head_revision()})")
                    return 0
                print(out_of_date_message(state), file=sys.stderr)
                return 1
            with engine.connect() as conn:
                print(current_revision(conn) or "none")
            return 0
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"cannot use the database at {safe_url(url)}: {detail}", file=sys.stderr)
        return 2
