"""The embedded default: a local PostgreSQL from the wheel under the data directory and a worker
thread in the console's process sync the sandbox's 150 users with no setup at all."""

from __future__ import annotations

import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from lib import dbschema
from lib.db import make_engine
from lib.snapshot import embedded, tables


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Run as root, the wheel's server drops to its own user, which must be able to reach the
    # directory: pytest's private tmp dirs are closed to other users.
    path = Path(tempfile.mkdtemp(prefix="console-embedded-"))
    path.chmod(0o755)
    yield path / "data"
    shutil.rmtree(path, ignore_errors=True)


def test_the_embedded_default_syncs_the_whole_sandbox(data_dir: Path, sandbox: Any) -> None:
    running = embedded.start(
        data_dir,
        recall_base_url=sandbox.base_url,
        recall_api_key=SecretStr(sandbox.api_key),
        rate_limit_scale=0,
    )
    assert (data_dir / embedded.POSTGRES_DIR / "PG_VERSION").exists()
    key_file = data_dir / embedded.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    engine = make_engine(running.database_url)
    try:
        assert dbschema.schema_state(engine) == "current"
        deadline = time.monotonic() + 300
        synced = 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                synced = conn.execute(
                    select(func.count()).where(tables.users.c.status == "ok")
                ).scalar_one()
            if synced == 150:
                break
            time.sleep(0.5)
        assert synced == 150
        with engine.connect() as conn:
            meetings = conn.execute(select(func.count()).select_from(tables.meetings)).scalar_one()
        assert meetings > 150
        assert running.thread.is_alive()
    finally:
        engine.dispose()
