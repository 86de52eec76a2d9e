"""A migrated console database per test, on SQLite and on the test PostgreSQL (private schema)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from lib import dbschema
from lib.db import default_sqlite_url, make_engine
from tests.pg_schema import postgres_schema


@contextmanager
def migrated_engine(backend: str, tmp_path: Path, postgres_url: str | None) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(default_sqlite_url(tmp_path))
        dbschema.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    assert postgres_url
    with postgres_schema(postgres_url, prefix="snapshot") as url:
        engine = make_engine(url)
        dbschema.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def migrated_postgres_url(postgres_url: str) -> Iterator[str]:
    """A private, migrated PostgreSQL schema's URL (for workers in other processes)."""
    with postgres_schema(postgres_url, prefix="snapshot") as url:
        engine = make_engine(url)
        dbschema.upgrade(engine)
        engine.dispose()
        yield url
