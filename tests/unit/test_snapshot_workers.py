"""Sync workers as separate processes on the real PostgreSQL, against the sandbox over HTTP:
jobs of one user never overlap, a worker SIGKILLed mid-sync loses nothing, and the shared
database limiter keeps three workers under the sandbox's limits."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select, text

from lib.db import make_engine
from lib.recall import RecallClient
from lib.snapshot import tables
from lib.snapshot.jobs import SYNC_TASK, make_app
from lib.snapshot.sync import discover
from tests.snapshot_db import migrated_postgres_url

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 120.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def db_url(postgres_url: str) -> Iterator[str]:
    with migrated_postgres_url(postgres_url) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = make_engine(db_url)
    yield made
    made.dispose()


class WorkerPool:
    """Worker processes started by a test; ``start()`` adds one."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.start: Callable[[], subprocess.Popen] = lambda: subprocess.Popen([])


@contextmanager
def workers(db_url: str, running: Any, count: int, **env: str) -> Iterator[WorkerPool]:
    environ = {
        **os.environ,
        "DATABASE_URL": db_url,
        "RECALL_BASE_URL": running.base_url,
        "RECALL_API_KEY": running.api_key,
        "SNAPSHOT_TOKEN_KEY": Fernet.generate_key().decode(),
        "SNAPSHOT_HEARTBEAT_S": "0.5",
        "SNAPSHOT_STALLED_AFTER_S": "2",
        "SNAPSHOT_RATE_LIMIT_SCALE": str(running.config.rate_limit_scale or 1),
        "SNAPSHOT_RATE_LIMIT_WINDOW_S": str(running.config.rate_limit_window_s),
        **env,
    }
    pool = WorkerPool()

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lib.snapshot", "worker", "--concurrency", "2"],
            cwd=REPO,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("SNAPSHOT_TEST_LOGS") else subprocess.DEVNULL,
        )
        pool.procs.append(proc)
        return proc

    pool.start = start
    for _ in range(count):
        start()
    try:
        yield pool
    finally:
        for proc in pool.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)


def defer(db_url: str, user_ids: list[str], *, queueing_lock: bool = True) -> None:
    app = make_app(db_url, sync=True)
    with app.open():
        task = app.tasks[SYNC_TASK]
        for user_id in user_ids:
            options: dict[str, Any] = {"lock": user_id}
            if queueing_lock:
                options["queueing_lock"] = user_id
            task.configure(**options).defer(user_id=user_id)


def job_statuses(engine: Engine) -> list[str]:
    """Statuses of the sync jobs (the periodic scheduling jobs left out)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT status FROM procrastinate_jobs WHERE task_name = :task"),
                {"task": SYNC_TASK},
            ).scalars()
        )


def syncs_pending(engine: Engine) -> bool:
    return any(s in ("todo", "doing") for s in job_statuses(engine))


def meeting_counts(engine: Engine) -> dict[str, int]:
    m = tables.meetings
    with engine.connect() as conn:
        return dict(conn.execute(select(m.c.user_id, func.count()).group_by(m.c.user_id)).all())


def test_jobs_of_one_user_never_run_at_once(
    db_url: str, engine: Engine, make_sandbox: Callable[..., Any]
) -> None:
    running = make_sandbox(seed=5, users=6, heavy_user_meetings=0, latency_ms=150)
    client = RecallClient(running.base_url, running.api_key)
    discover(engine, client)
    users = [u.external_id or "" for u in client.list_users()][:3]
    client.close()
    # Three jobs per user, no queueing lock: only the job lock keeps them apart.
    defer(db_url, users * 3, queueing_lock=False)
    with workers(db_url, running, 2, SNAPSHOT_KEEP_JOBS="1"):
        wait_for(
            lambda: job_statuses(engine).count("succeeded") >= 9 and not syncs_pending(engine),
            "9 jobs to finish",
        )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT j.lock, e.type, e.at FROM procrastinate_events e "
                "JOIN procrastinate_jobs j ON j.id = e.job_id "
                "WHERE e.type IN ('started', 'succeeded') AND j.task_name = :task "
                "ORDER BY j.id, e.at"
            ),
            {"task": SYNC_TASK},
        ).all()
    spans: dict[str, list[list[Any]]] = {}
    for lock, kind, at in rows:
        if kind == "started":
            spans.setdefault(lock, []).append([at, None])
        else:
            spans[lock][-1][1] = at
    assert set(users) <= set(spans)
    assert all(len(spans[user]) >= 3 for user in users)
    for lock, intervals in spans.items():
        intervals.sort()
        for earlier, later in itertools.pairwise(intervals):
            assert earlier[1] <= later[0], f"two syncs of {lock} overlapped"


def test_a_worker_killed_mid_sync_loses_nothing_and_the_job_completes_elsewhere(
    db_url: str, engine: Engine, make_sandbox: Callable[..., Any]
) -> None:
    running = make_sandbox(seed=6, users=4, heavy_user_meetings=1500, latency_ms=400)
    client = RecallClient(running.base_url, running.api_key)
    discover(engine, client)
    user_ids = [u.external_id or "" for u in client.list_users()]
    live = {uid: len(client.list_meetings(uid)) for uid in user_ids}
    client.close()
    import httpx

    httpx.post(f"{running.base_url}/_sandbox/stats/reset")
    defer(db_url, user_ids)
    with workers(db_url, running, 1) as pool:
        procs = pool.procs
        wait_for(lambda: "doing" in job_statuses(engine), "a job to start")
        # Let it get into the heavy account's meetings before the kill.
        wait_for(lambda: _requests(running, "meetings_list") > 0, "a meetings read to start")
        with engine.connect() as conn:
            synced_before_kill = conn.execute(
                select(func.count()).where(tables.users.c.status == "ok")
            ).scalar_one()
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=30)
        # The dead worker's heartbeat goes stale; a new worker puts its job back and runs it.
        wait_for(lambda: _stale_workers(engine) > 0, "the killed worker's heartbeat to go stale")
        pool.start()
        wait_for(lambda: not syncs_pending(engine), "every job to finish")
    assert synced_before_kill < len(user_ids)  # the kill landed with work in flight
    assert meeting_counts(engine) == {uid: n for uid, n in live.items() if n}
    with engine.connect() as conn:
        statuses = conn.execute(select(tables.users.c.status)).scalars().all()
    assert statuses == ["ok"] * len(user_ids)


def _requests(running: Any, endpoint: str) -> int:
    import httpx

    return httpx.get(f"{running.base_url}/_sandbox/stats").json()["by_endpoint"].get(endpoint, 0)


def _stale_workers(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat < now() - interval '2 seconds'"
            )
        ).scalar_one()


def test_three_workers_stay_under_the_shared_limits(
    db_url: str, engine: Engine, make_sandbox: Callable[..., Any]
) -> None:
    # authenticate 6/s, users list 1/s, per user 2/s: three unshared limiters would triple that.
    running = make_sandbox(
        seed=7, users=36, heavy_user_meetings=0, rate_limit_scale=0.02, rate_limit_window_s=1.0
    )
    with RecallClient(running.base_url, running.api_key) as client:
        discover(engine, client)
        user_ids = [u.external_id or "" for u in client.list_users()]
    import httpx

    httpx.post(f"{running.base_url}/_sandbox/stats/reset")
    defer(db_url, user_ids)
    with workers(db_url, running, 3):
        wait_for(lambda: not syncs_pending(engine), "every job to finish")
    stats = httpx.get(f"{running.base_url}/_sandbox/stats").json()
    assert stats["by_status"].get("429", 0) == 0, stats
    assert stats["by_endpoint"]["authenticate"] >= len(user_ids)
    with engine.connect() as conn:
        statuses = conn.execute(select(tables.users.c.status)).scalars().all()
    assert statuses == ["ok"] * len(user_ids)
