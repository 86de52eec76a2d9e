"""``python -m lib.snapshot worker [--concurrency N]``: run a sync worker (any number, on any
machine, against one PostgreSQL). ``python -m lib.snapshot schedule``: defer one round now."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from lib.dbschema import SchemaOutOfDateError
from lib.snapshot.config import SnapshotConfig, SnapshotConfigError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.snapshot")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="run sync jobs until stopped")
    worker.add_argument("--concurrency", type=int, default=1, help="jobs at once (default 1)")
    commands.add_parser("schedule", help="discover users and defer the due syncs once")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Request lines say nothing the job log does not; keep the worker's log readable.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config = SnapshotConfig.from_env()
        from lib.snapshot import jobs

        if args.command == "worker":
            jobs.run_worker(config, concurrency=max(1, args.concurrency))
            return 0
        rt = jobs.start_runtime(config)
        app = jobs.make_app(config.database_url, sync=True)
        with app.open():
            from lib.snapshot.sync import discover

            discover(rt.engine, rt.client)
            task = app.tasks[jobs.SYNC_TASK]
            count = jobs.defer_due(rt.engine, jobs.due_users(rt.engine, config), task)
        print(f"deferred {count} sync job(s)")
        rt.close()
        return 0
    except (SnapshotConfigError, SchemaOutOfDateError) as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
