"""Sync jobs on procrastinate (a job queue kept in PostgreSQL): any number of workers, on any
number of machines, share one database and never coordinate otherwise.

- One job per user, deferred with ``queueing_lock`` (at most one waiting job per user) and
  ``lock`` (jobs of one user run one at a time, whichever worker takes them).
- A worker killed mid-job stops sending heartbeats; ``retry_stalled`` (run when a worker starts
  and every minute by the periodic task) puts its jobs back in the queue. A sync is one
  transaction of upserts, so running it again leaves no duplicate rows.
- Recall's workspace limits are held by ``DatabaseRateLimiter``, shared by all workers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.engine import make_url

from lib import dbschema
from lib.db import make_engine, normalise_url
from lib.recall import RecallClient
from lib.recall.errors import RateLimitedError
from lib.snapshot import tables
from lib.snapshot.config import SnapshotConfig
from lib.snapshot.ratelimit import DatabaseRateLimiter
from lib.snapshot.sync import discover, sync_user
from lib.snapshot.tokens import DatabaseTokenCache

QUEUE = "snapshot"
SYNC_TASK = "snapshot:sync_user"
SCHEDULE_TASK = "snapshot:schedule"
RETRY_TASK = "snapshot:retry_stalled"
RUNTIME_KEY = "snapshot_runtime"
# Users deferred per scheduling round; the next round (a minute later) takes the next ones.
ROUND_SIZE = 2000
PRIORITY_SOON = 10
PRIORITY_ROUTINE = 0

logger = logging.getLogger(__name__)


def conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (the job library speaks psycopg directly)."""
    url = normalise_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the snapshot workers need PostgreSQL (DATABASE_URL)")
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str, *, sync: bool = False) -> procrastinate.App:
    """The job app on ``database_url``; ``sync=True`` gives one for deferring from plain code."""
    info = conninfo(database_url)
    connector = (
        procrastinate.SyncPsycopgConnector(conninfo=info)
        if sync
        else procrastinate.PsycopgConnector(conninfo=info)
    )
    app = procrastinate.App(connector=connector)
    # Registered per app (not on a shared blueprint), so a process can hold several apps.
    app.task(
        name=SYNC_TASK,
        queue=QUEUE,
        pass_context=True,
        retry=procrastinate.RetryStrategy(
            max_attempts=5, exponential_wait=5, retry_exceptions={RateLimitedError}
        ),
    )(sync_user_job)
    app.periodic(cron="* * * * *")(
        app.task(name=SCHEDULE_TASK, queue=QUEUE, queueing_lock=SCHEDULE_TASK, pass_context=True)(
            schedule_job
        )
    )
    app.periodic(cron="* * * * *")(
        app.task(name=RETRY_TASK, queue=QUEUE, pass_context=True)(retry_stalled_job)
    )
    return app


@dataclass
class Runtime:
    """What a worker process's jobs share: one engine, one client (its limiter and token cache
    backed by the database)."""

    config: SnapshotConfig
    engine: Engine
    client: RecallClient

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


def start_runtime(config: SnapshotConfig) -> Runtime:
    """Build what one worker's jobs use; handed to them through the job context, so several
    workers (or an embedded one beside a test's) can live in one process."""
    engine = make_engine(config.database_url)
    limiter = DatabaseRateLimiter(
        engine, scale=config.rate_limit_scale, window_s=config.rate_limit_window_s
    )
    tokens = DatabaseTokenCache(engine, config.token_key.get_secret_value())
    client = RecallClient(
        config.recall_base_url,
        config.recall_api_key,
        limiter=limiter,
        token_cache=tokens,
        deadline=120.0,
    )
    return Runtime(config, engine, client)


def _runtime(context: procrastinate.JobContext) -> Runtime:
    return context.additional_context[RUNTIME_KEY]


def sync_user_job(context: procrastinate.JobContext, user_id: str) -> None:
    rt = _runtime(context)
    result = sync_user(rt.engine, rt.client, user_id)
    logger.info("synced %s: %s, %d meetings", user_id, result.outcome, result.meetings)


def schedule_job(context: procrastinate.JobContext, timestamp: int) -> None:
    rt = _runtime(context)
    if discovery_due(rt.engine, rt.config):
        discover(rt.engine, rt.client)
    defer_due(rt.engine, due_users(rt.engine, rt.config), context.app.tasks[SYNC_TASK])


async def retry_stalled_job(context: procrastinate.JobContext, timestamp: int) -> None:
    await retry_stalled(context.app, _runtime(context).config.stalled_after_s)


async def retry_stalled(app: procrastinate.App, stalled_after_s: float) -> int:
    """Put back in the queue the jobs of workers that stopped sending heartbeats."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s)
    count = 0
    for job in stalled:
        await app.job_manager.retry_job(job)
        count += 1
    if count:
        logger.warning("put %d stalled job(s) back in the queue", count)
    return count


def discovery_due(
    engine: Engine, config: SnapshotConfig, *, now: dt.datetime | None = None
) -> bool:
    """Whether Recall's user list should be read again: it costs one users-list call per page
    (60 a minute for the workspace), so it is read every ``discover_minutes``, not every round."""
    now = now or dt.datetime.now(dt.UTC)
    with engine.connect() as conn:
        last = conn.execute(select(func.max(tables.users.c.listed_at))).scalar()
    return last is None or now - last >= dt.timedelta(minutes=config.discover_minutes)


def due_users(
    engine: Engine, config: SnapshotConfig, *, now: dt.datetime | None = None
) -> list[tuple[str, int]]:
    """Users to read now, most urgent first, with their job priority: users never read, users
    with a meeting soon whose data is older than ``soon_refresh_minutes``, and every user older
    than ``max_age_hours``."""
    now = now or dt.datetime.now(dt.UTC)
    u = tables.users
    soon = now + dt.timedelta(hours=config.soon_hours)
    soon_stale = now - dt.timedelta(minutes=config.soon_refresh_minutes)
    old = now - dt.timedelta(hours=config.max_age_hours)
    has_soon = (u.c.next_meeting_at <= soon) & (u.c.next_meeting_at >= now)
    query = (
        select(u.c.user_id, u.c.next_meeting_at, u.c.synced_at)
        .where(
            or_(
                u.c.synced_at.is_(None),
                has_soon & (u.c.synced_at < soon_stale),
                u.c.synced_at < old,
            )
        )
        .order_by(
            u.c.synced_at.is_not(None),
            u.c.next_meeting_at.is_(None),
            u.c.next_meeting_at,
            u.c.synced_at,
        )
        .limit(ROUND_SIZE)
    )
    out = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            urgent = row.next_meeting_at is not None and now <= row.next_meeting_at <= soon
            out.append((row.user_id, PRIORITY_SOON if urgent else PRIORITY_ROUTINE))
    return out


def defer_due(engine: Engine, users: Iterable[tuple[str, int]], task: Any) -> int:
    """Defer one sync job per user; a user with a job already waiting is skipped."""
    count = 0
    for user_id, priority in users:
        try:
            task.configure(lock=user_id, queueing_lock=user_id, priority=priority).defer(
                user_id=user_id
            )
            count += 1
        except pexc.AlreadyEnqueued:
            continue
    return count


def run_worker(config: SnapshotConfig, *, concurrency: int = 1) -> None:
    """Run a worker until stopped (SIGTERM/SIGINT finish the running jobs first)."""
    engine = make_engine(config.database_url)
    try:
        dbschema.check(engine)
    finally:
        engine.dispose()
    rt = start_runtime(config)
    try:
        asyncio.run(serve(rt, concurrency=concurrency))
    finally:
        rt.close()


async def serve(rt: Runtime, *, concurrency: int, install_signal_handlers: bool = True) -> None:
    """Run a worker on ``rt`` until stopped; stalled jobs of dead workers are requeued first."""
    config = rt.config
    app = make_app(config.database_url)
    async with app.open_async():
        await retry_stalled(app, config.stalled_after_s)
        await app.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            update_heartbeat_interval=config.heartbeat_s,
            stalled_worker_timeout=config.stalled_after_s,
            delete_jobs="never" if config.keep_finished_jobs else "successful",
            additional_context={RUNTIME_KEY: rt},
            install_signal_handlers=install_signal_handlers,
        )
