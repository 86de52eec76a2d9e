"""Alembic migrations: a fresh database gets the schema every store declares, a database made by
the earlier ``create_all`` code upgrades with its audit chain intact, and an out-of-date schema
is refused with the command that fixes it."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect, text

from lib import dbschema, deletions
from lib.audit import AuditStore, NewEvent
from lib.audit import schema as audit_schema
from lib.audit.chain import GENESIS_HASH
from lib.db import default_sqlite_url, make_engine
from lib.presets import versions as preset_versions
from lib.presets.versions import PresetVersions
from lib.snapshot import tables as snapshot_tables
from lib.staff import sessions as staff_sessions
from tests.audit_key import TEST_AUDIT_KEY
from tests.pg_schema import postgres_schema

_baseline = importlib.import_module("lib.migrations.versions.0001_baseline")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = make_engine(default_sqlite_url(tmp_path))
        yield made
        made.dispose()
        return
    base = request.getfixturevalue("postgres_url")
    with postgres_schema(base, prefix="migrate") as url:
        made = make_engine(url)
        yield made
        made.dispose()


def _all_metadata() -> MetaData:
    combined = MetaData()
    for source in (
        audit_schema.metadata,
        preset_versions.metadata,
        snapshot_tables.metadata,
        staff_sessions.metadata,
        deletions.metadata,
    ):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


def _is_job_library(change: tuple) -> bool:
    """The job library's tables and the optional search indexes (``0004``) are not declared by
    any store."""
    obj = change[1]
    table = getattr(obj, "table", obj)
    if change[0] == "remove_index" and obj.name.endswith("_search"):
        return True
    return change[0] in ("remove_table", "remove_index") and table.name.startswith("procrastinate_")


def _legacy_create(engine: Engine) -> None:
    """What the console did before migrations: ``create_all``, the guard, the head row."""
    with engine.begin() as conn:
        audit_schema.metadata.create_all(conn)
        preset_versions.metadata.create_all(conn)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(_baseline._SQLITE_GUARD_TRIGGER)
        else:
            conn.execute(text(_baseline._POSTGRES_GUARD_FUNCTION))
            conn.execute(text(_baseline._POSTGRES_GUARD_TRIGGER))
        conn.execute(
            audit_schema.head.insert().values(
                id=1,
                last_id=0,
                last_hash=GENESIS_HASH,
                checkpoint_id=0,
                checkpoint_hash=GENESIS_HASH,
            )
        )


def _event(n: int) -> NewEvent:
    return NewEvent(
        actor_email="ada@console.example",
        actor_role="admin",
        action="preferences.update",
        user_id=f"user-{n}",
        reason=f"ticket {n}",
        before={"record_external": False},
        after={"record_external": True},
        time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
    )


def test_a_fresh_database_gets_the_schema_every_store_declares(engine: Engine) -> None:
    AuditStore(engine, key=TEST_AUDIT_KEY)
    assert dbschema.schema_state(engine) == "current"
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), _all_metadata())
    # Tables the migrations create that no store declares (the job library's) are expected.
    unexpected = [d for d in diff if not _is_job_library(d)]
    assert unexpected == []


def test_job_tables_exist_on_postgresql_only(engine: Engine) -> None:
    dbschema.upgrade(engine)
    names = set(inspect(engine).get_table_names())
    assert ("procrastinate_jobs" in names) is (engine.dialect.name == "postgresql")


def test_a_database_made_before_migrations_upgrades_with_its_chain_intact(engine: Engine) -> None:
    _legacy_create(engine)
    legacy = AuditStore(engine, create=False, key=TEST_AUDIT_KEY)
    for n in range(5):
        legacy.append(_event(n))
    assert dbschema.schema_state(engine) == "behind"

    with pytest.raises(dbschema.SchemaOutOfDateError, match=r"python -m lib\.db upgrade"):
        AuditStore(engine, key=TEST_AUDIT_KEY)
    with pytest.raises(dbschema.SchemaOutOfDateError, match=r"python -m lib\.db upgrade"):
        PresetVersions(engine)

    assert dbschema.upgrade(engine) == dbschema.head_revision()
    store = AuditStore(engine, key=TEST_AUDIT_KEY)
    result = store.verify()
    assert result.ok, result.summary()
    assert result.checked == 5
    store.append(_event(6))
    assert store.verify().ok
    assert store.verify().checked == 6
    # The append-only guard survived the upgrade.
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(audit_schema.events.update().values(reason="rewritten"))
    PresetVersions(engine)


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    AuditStore(engine, key=TEST_AUDIT_KEY).append(_event(1))
    dbschema.upgrade(engine)
    dbschema.upgrade(engine)
    assert AuditStore(engine, key=TEST_AUDIT_KEY).verify().checked == 1


def test_a_revision_this_code_does_not_know_is_refused(engine: Engine) -> None:
    dbschema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    assert dbschema.schema_state(engine) == "unknown"
    with pytest.raises(dbschema.SchemaOutOfDateError, match="newer version"):
        AuditStore(engine, key=TEST_AUDIT_KEY)


def test_the_command_line_checks_and_upgrades(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = default_sqlite_url(tmp_path)
    engine = make_engine(url)
    _legacy_create(engine)
    engine.dispose()
    assert dbschema.main(["check", "--url", url]) == 1
    assert "python -m lib.db upgrade" in capsys.readouterr().err
    assert dbschema.main(["upgrade", "--url", url]) == 0
    assert dbschema.main(["check", "--url", url]) == 0
    assert dbschema.main(["current", "--url", url]) == 0
    assert capsys.readouterr().out.strip().endswith(dbschema.head_revision())


def test_search_indexes_where_postgresql_has_trigrams(postgres_url: str) -> None:
    with postgres_schema(postgres_url, prefix="migrate") as url:
        made = make_engine(url)
        try:
            dbschema.upgrade(made)
            with made.connect() as conn:
                available = conn.execute(
                    text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
                ).first()
                names = set(
                    conn.execute(
                        text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
                    ).scalars()
                )
        finally:
            made.dispose()
    if available is None:
        pytest.skip("this PostgreSQL has no pg_trgm")
    assert {
        "ix_snapshot_meetings_title_search",
        "ix_snapshot_meetings_ical_uid_search",
        "ix_snapshot_meetings_attendees_search",
    } <= names
