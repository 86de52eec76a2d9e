"""``lib.db``: engine settings the audit store (and later the preset versions) rely on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError

from lib.db import (
    begin_snapshot,
    begin_write,
    default_sqlite_url,
    make_engine,
    normalise_url,
    safe_url,
)


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(default_sqlite_url(tmp_path))
    yield engine
    engine.dispose()


def test_sqlite_connections_get_wal_busy_timeout_and_foreign_keys(sqlite_engine):
    with sqlite_engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 15000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_a_timeout_in_the_url_is_respected(tmp_path):
    engine = make_engine(default_sqlite_url(tmp_path) + "?timeout=2")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2000
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))")
    with pytest.raises(IntegrityError), sqlite_engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO child VALUES (42)")


def test_begin_write_holds_the_write_lock_from_the_start(tmp_path):
    url = default_sqlite_url(tmp_path)
    holder = make_engine(url)
    impatient = make_engine(url + "?timeout=0.2")
    try:
        with holder.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        with begin_write(holder) as conn:
            # Nothing written yet, but the lock is taken: another writer must wait...
            with pytest.raises(OperationalError, match="locked"), begin_write(impatient):
                pass
            # ...while readers still read (WAL).
            with begin_snapshot(impatient) as reader:
                assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    finally:
        holder.dispose()
        impatient.dispose()


def test_a_waiting_writer_proceeds_once_the_lock_is_released(tmp_path):
    engine = make_engine(default_sqlite_url(tmp_path))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    locked = threading.Event()

    def hold() -> None:
        with begin_write(engine) as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            locked.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(5)
        with begin_write(engine) as conn:
            # Waited (busy timeout) for the first transaction to commit, then saw its row.
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    finally:
        holder.join(5)
        engine.dispose()


def test_the_directory_of_a_new_database_is_created(tmp_path):
    engine = make_engine(default_sqlite_url(tmp_path / "a" / "b"))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert (tmp_path / "a" / "b" / "console.db").exists()
    finally:
        engine.dispose()


def test_an_in_memory_database_is_one_database_for_every_thread():
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    seen: list[int] = []

    def read() -> None:
        with engine.connect() as conn:
            seen.append(conn.exec_driver_sql("SELECT count(*) FROM t").scalar())

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(5)
    assert seen == [0]
    engine.dispose()


def test_parameters_stay_out_of_error_messages(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
    with pytest.raises(IntegrityError) as caught, sqlite_engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1, :note)"), {"note": "rk_live_do_not_echo"})
    assert "rk_live_do_not_echo" not in str(caught.value)


def test_default_sqlite_url_is_absolute_and_survives_odd_directory_names(tmp_path, monkeypatch):
    odd = tmp_path / "my data?#%"
    url = default_sqlite_url(odd)
    assert make_url(url).database == str(odd / "console.db")
    monkeypatch.chdir(tmp_path)
    assert make_url(default_sqlite_url(Path("data"))).database == str(
        tmp_path / "data" / "console.db"
    )


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@db:5432/console", "postgresql+psycopg"),
        ("postgresql://u:p@db:5432/console", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@db:5432/console", "postgresql+psycopg"),
        ("sqlite:////tmp/console.db", "sqlite"),
    ],
)
def test_bare_postgres_schemes_use_the_installed_driver(given, driver):
    assert normalise_url(given).drivername == driver


def test_safe_url_masks_the_password():
    assert safe_url("postgres://u:s3cret@db/console") == "postgresql+psycopg://u:***@db/console"
    assert "s3cret" not in safe_url("not a url :s3cret@")


def test_other_backends_are_refused():
    with pytest.raises(ValueError, match="unsupported"):
        make_engine("mysql://u:p@db/console")


@pytest.mark.postgres
def test_postgres_engine_settings(postgres_url):
    engine = make_engine(postgres_url)
    try:
        assert engine.pool.size() == 5
        assert engine.pool._pre_ping
        assert engine.pool._recycle == 1800
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW application_name").scalar() == "calendar-console"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_snapshots_are_repeatable_read(postgres_url):
    engine = make_engine(postgres_url)
    try:
        with begin_snapshot(engine) as reader:
            level = reader.exec_driver_sql("SHOW transaction_isolation").scalar()
        assert level == "repeatable read"
        with begin_write(engine) as writer:
            level = writer.exec_driver_sql("SHOW transaction_isolation").scalar()
        assert level == "read committed"
    finally:
        engine.dispose()
