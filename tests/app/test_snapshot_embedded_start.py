"""``make run``'s embedded default: the console starts a local PostgreSQL and a worker thread
that fill the snapshot from the sandbox, with nothing configured."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from lib.db import make_engine
from lib.snapshot import embedded, tables
from lib.staff import Role


@pytest.fixture
def open_data_dir() -> Iterator[Path]:
    # The wheel's server runs as its own user when started by root: the directory must be
    # reachable by it, which pytest's private tmp dirs are not.
    path = Path(tempfile.mkdtemp(prefix="console-app-"))
    path.chmod(0o755)
    yield path / "data"
    shutil.rmtree(path, ignore_errors=True)


def test_make_runs_embedded_default_fills_the_snapshot(
    console_app: Callable[..., AppTest], open_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSOLE_SNAPSHOT", "embedded")
    at = console_app(Role.VIEWER, console={"data_dir": str(open_data_dir)}).run()
    assert not at.exception and not at.error
    deadline = time.monotonic() + 300
    synced = 0
    while time.monotonic() < deadline:
        if (open_data_dir / embedded.POSTGRES_DIR / "PG_VERSION").exists():
            engine = make_engine(embedded.embedded_postgres_url(open_data_dir))
            try:
                with engine.connect() as conn:
                    synced = conn.execute(
                        select(func.count()).where(tables.users.c.status == "ok")
                    ).scalar_one()
            except Exception:
                synced = 0  # the schema is still being created
            finally:
                engine.dispose()
            if synced == 40:
                break
        time.sleep(0.5)
    assert synced == 40


def test_without_the_switch_nothing_is_started(
    console_app: Callable[..., AppTest], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONSOLE_SNAPSHOT", raising=False)
    at = console_app(Role.VIEWER).run()
    assert not at.exception
    assert not (data_dir / embedded.POSTGRES_DIR).exists()
