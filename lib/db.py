"""Engines shared by every store that keeps its own tables (audit log, preset versions).

SQLite is the single-host default; PostgreSQL is how several console replicas share one database.
Both get settings that make concurrent writers safe: SQLite waits for the write lock instead of
failing at once, and write transactions can take that lock up front (``begin_write``).

Schema changes go through Alembic migrations in ``lib/migrations/versions`` (``lib.dbschema``
runs them; operators run ``python -m lib.db upgrade``). A store never calls ``create_all``: it
calls ``lib.dbschema.prepare(engine)``, which migrates a fresh database and refuses an
out-of-date one. To add a table: define it in the store's module as usual, then add a revision
file next to the others whose ``down_revision`` is the current head and whose ``upgrade``
creates the table with ``op.create_table`` (skipping it when ``sa.inspect(op.get_bind())
.has_table(...)`` says it exists, if earlier code may already have made it with ``create_all``).
``tests/unit/test_db_migrations.py`` checks that the migrated schema matches every store's
``MetaData``, so a table without a migration fails the suite.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

DEFAULT_DATABASE_FILE = "console.db"
# Long enough to ride out another replica's append or a prune; short enough that a stuck
# writer surfaces as an error on the page instead of a hung request.
SQLITE_BUSY_TIMEOUT_S = 15.0
POSTGRES_CONNECT_TIMEOUT_S = 10
POSTGRES_POOL: dict[str, Any] = {
    "pool_size": 5,
    "max_overflow": 10,
    "pool_timeout": 30,
    # Load balancers and managed databases drop idle connections; recycle before they do.
    "pool_recycle": 1800,
    "pool_pre_ping": True,
}
APPLICATION_NAME = "calendar-console"

# Execution option read by the SQLite ``begin`` hook: which BEGIN flavour to emit.
_SQLITE_BEGIN_OPTION = "console_sqlite_begin"


def default_sqlite_url(data_dir: Path) -> str:
    """URL of the console's SQLite database inside ``data_dir`` (made absolute)."""
    path = Path(data_dir).expanduser().resolve() / DEFAULT_DATABASE_FILE
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def normalise_url(url: str | URL) -> URL:
    """Parse ``url``, mapping the bare PostgreSQL schemes hosting providers hand out
    (``postgres://``, ``postgresql://``) to the installed psycopg 3 driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def backend_name(engine: Engine) -> str:
    """``"sqlite"`` or ``"postgresql"`` (the dialect name)."""
    return engine.dialect.name


def safe_url(url: str | URL) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return normalise_url(url).render_as_string(hide_password=True)
    except Exception:
        # An unparsable URL may still hold a password somewhere; say nothing about it.
        return "<unparsable database URL>"


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url`` with the console's settings.

    SQLite: WAL journal (readers never block the writer), a busy timeout, foreign keys on,
    ``synchronous=NORMAL`` (durable across application crashes in WAL mode), and transaction
    control taken over from the sqlite3 module so ``begin_write`` can emit ``BEGIN IMMEDIATE``.
    The directory of a file database is created when missing.
    PostgreSQL: a bounded, pre-pinged, recycled pool and a connect timeout.
    Statement parameters are hidden from exception messages on both, so a failed write never
    echoes what it was writing.
    """
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return _postgres_engine(parsed)
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def _sqlite_is_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in str(url.query.get("mode", ""))


def _sqlite_engine(url: URL) -> Engine:
    kwargs: dict[str, Any] = {"hide_parameters": True}
    connect_args: dict[str, Any] = {}
    if "timeout" not in url.query:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
    memory = _sqlite_is_memory(url)
    if memory:
        # One shared connection, or every pooled connection would see its own empty database.
        connect_args["check_same_thread"] = False
        kwargs["poolclass"] = StaticPool
    elif url.database:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy emits BEGIN itself (see _on_begin); the sqlite3 module's implicit
        # transactions would otherwise start too late for BEGIN IMMEDIATE and skip SELECTs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        flavour = conn.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {flavour}")

    return engine


def _enable_wal(cursor: Any) -> None:
    # Switching a new database file to WAL needs an exclusive lock, and SQLite reports "locked"
    # at once instead of calling the busy handler when another process is switching it too.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    if "application_name" not in url.query:
        connect_args["application_name"] = APPLICATION_NAME
    return create_engine(url, connect_args=connect_args, hide_parameters=True, **POSTGRES_POOL)


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A transaction that intends to write, committed on success.

    On SQLite it takes the database's write lock at BEGIN (``BEGIN IMMEDIATE``), waiting up to
    the busy timeout: a transaction that reads first and upgrades later can fail outright when
    another connection wrote in between, which WAL mode reports instead of waiting.
    """
    with engine.connect() as conn:
        if backend_name(engine) == "sqlite":
            conn = conn.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn


@contextmanager
def begin_snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction whose statements all see one consistent snapshot.

    SQLite gives that to any transaction; PostgreSQL needs REPEATABLE READ (its default,
    READ COMMITTED, takes a new snapshot per statement).
    """
    with engine.connect() as conn:
        if backend_name(engine) == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


class EngineStore:
    """Base of a store that keeps its own tables: given a URL it makes and owns its engine (and
    disposes of it on ``close``); given an engine from ``make_engine`` it shares it.

    ``prepare`` sets the tables up once the engine is there; when it fails, an engine the store
    made is disposed of before the error propagates.
    """

    def __init__(self, url_or_engine: str | URL | Engine, prepare: Callable[[], None]) -> None:
        if isinstance(url_or_engine, Engine):
            self._engine = url_or_engine
            self._owns_engine = False
        else:
            self._engine = make_engine(url_or_engine)
            self._owns_engine = True
        try:
            prepare()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        # The engine's URL may carry a password: name the backend only.
        return f"{type(self).__name__}(backend={self.backend!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return backend_name(self._engine)

    @property
    def engine(self) -> Engine:
        """The engine in use."""
        return self._engine

    def close(self) -> None:
        """Release the connection pool if this store created it."""
        if self._owns_engine:
            self._engine.dispose()


if __name__ == "__main__":
    import sys

    from lib.dbschema import main

    sys.exit(main())
