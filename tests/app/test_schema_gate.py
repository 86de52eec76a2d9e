"""The console refuses to start on an out-of-date database schema and names the command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib import dbschema
from lib.db import default_sqlite_url, make_engine
from lib.staff import Role
from tests.unit.test_db_migrations import _legacy_create


def test_an_out_of_date_schema_stops_the_console_with_the_command(
    console_app: Callable[..., AppTest], data_dir: Path
) -> None:
    engine = make_engine(default_sqlite_url(data_dir))
    _legacy_create(engine)
    # Signed out: the gate stands before sign-in, whose sessions live in the same database.
    at = console_app(None).run()
    assert not at.exception
    assert any("python -m lib.db upgrade" in e.value for e in at.error)
    # Nothing past the gate ran: no page, no navigation.
    assert not at.text_input and not at.dataframe

    dbschema.upgrade(engine)
    engine.dispose()
    at.run()
    assert not any("python -m lib.db upgrade" in e.value for e in at.error)


def test_a_fresh_data_directory_is_migrated_on_first_start(
    console_app: Callable[..., AppTest], data_dir: Path
) -> None:
    at = console_app(Role.VIEWER).run()
    assert not at.exception and not at.error
    engine = make_engine(default_sqlite_url(data_dir))
    assert dbschema.schema_state(engine) == "current"
    engine.dispose()


def test_an_unreachable_database_is_left_to_the_pages(
    console_app: Callable[..., AppTest],
) -> None:
    # Nothing listens on port 1: the gate cannot check, and says nothing about migrations.
    at = console_app(
        None, console={"database_url": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"}
    ).run()
    assert not at.exception
    assert not any("python -m lib.db upgrade" in e.value for e in at.error)
    # The sign-in gate's own explanation of an unreachable store is what staff see.
    assert any("cannot be opened" in e.value for e in at.error)
