"""Users synced per minute by 1, 2 and 3 snapshot workers against the sandbox at scaled limits.

Each run: a private PostgreSQL schema (``CONSOLE_TEST_POSTGRES_URL``), a sandbox with
``--users`` users, ``--latency-ms`` per request and its limits scaled to ``--scale`` of a
``--window`` second window; every user deferred at once; the clock stops when the last job is
done. The bound is what the authenticate limit allows on a first pass (one mint per user):
``300 * scale`` per window. Prints a Markdown row per worker count.

    python -m bench.bench_snapshot_workers [--users 90] [--scale 0.05] [--window 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import text

from lib.db import make_engine
from lib.recall import RecallClient
from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import start_in_thread
from lib.snapshot.jobs import SYNC_TASK, make_app
from lib.snapshot.sync import discover
from tests.snapshot_db import migrated_postgres_url

REPO = Path(__file__).resolve().parents[1]


def run(workers: int, args: argparse.Namespace, base: str) -> tuple[float, int]:
    sandbox = start_in_thread(
        SandboxConfig(
            seed=11,
            users=args.users,
            heavy_user_meetings=0,
            latency_ms=args.latency_ms,
            rate_limit_scale=args.scale,
            rate_limit_window_s=args.window,
        )
    )
    try:
        with migrated_postgres_url(base) as url:
            engine = make_engine(url)
            with RecallClient(sandbox.base_url, sandbox.api_key) as client:
                discover(engine, client)
                ids = [u.external_id or "" for u in client.list_users()]
            httpx.post(f"{sandbox.base_url}/_sandbox/stats/reset")
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "RECALL_BASE_URL": sandbox.base_url,
                "RECALL_API_KEY": sandbox.api_key,
                "SNAPSHOT_TOKEN_KEY": Fernet.generate_key().decode(),
                "SNAPSHOT_RATE_LIMIT_SCALE": str(args.scale),
                "SNAPSHOT_RATE_LIMIT_WINDOW_S": str(args.window),
            }
            app = make_app(url, sync=True)
            with app.open():
                task = app.tasks[SYNC_TASK]
                for uid in ids:
                    task.configure(lock=uid, queueing_lock=uid).defer(user_id=uid)
            started = time.perf_counter()
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "lib.snapshot", "worker", "--concurrency", "1"],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(workers)
            ]
            try:
                while True:
                    with engine.connect() as conn:
                        pending = conn.execute(
                            text(
                                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t "
                                "AND status IN ('todo', 'doing')"
                            ),
                            {"t": SYNC_TASK},
                        ).scalar_one()
                    if not pending:
                        break
                    time.sleep(0.2)
                elapsed = time.perf_counter() - started
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    proc.wait(timeout=60)
                engine.dispose()
            stats = httpx.get(f"{sandbox.base_url}/_sandbox/stats").json()
            return elapsed, int(stats["by_status"].get("429", 0))
    finally:
        sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=90)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--window", type=float, default=15.0)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    args = parser.parse_args()
    base = os.environ.get("CONSOLE_TEST_POSTGRES_URL")
    if not base:
        print("set CONSOLE_TEST_POSTGRES_URL to a PostgreSQL the benchmark may use")
        return 2
    bound = 300 * args.scale * 60 / args.window
    print("| Workers | Users | Time | Users/min | Bound (authenticate) | 429 answers |")
    print("| --- | --- | --- | --- | --- | --- |")
    for workers in (1, 2, 3):
        elapsed, throttled = run(workers, args, base)
        rate = args.users / elapsed * 60
        print(
            f"| {workers} | {args.users} | {elapsed:.1f} s | {rate:.0f} | {bound:.0f}/min "
            f"| {throttled} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
