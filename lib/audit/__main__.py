"""Command line for operators: ``python -m lib.audit verify|prune``.

Exit status: 0 when the chain verifies (or the prune succeeded), 1 when the chain is broken (a
prune then refuses to delete anything), 2 when the log cannot be reached or the arguments are
wrong. The database URL comes from ``--url``, else ``DATABASE_URL``, else the SQLite file in
``CONSOLE_DATA_DIR`` (default ``./data``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from lib.audit.store import RETENTION_DAYS, AuditError, AuditStore, ChainBrokenError
from lib.db import default_sqlite_url, normalise_url, safe_url

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_ERROR = 2


def resolve_url(explicit: str | None, environ: Mapping[str, str]) -> str:
    """The database URL the command works on."""
    if explicit:
        return explicit
    if environ.get("DATABASE_URL"):
        return environ["DATABASE_URL"]
    return default_sqlite_url(Path(environ.get("CONSOLE_DATA_DIR") or "data"))


def _missing_sqlite_file(url: str) -> bool:
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return parsed.database != ":memory:" and not Path(parsed.database).expanduser().exists()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.audit", description="Verify or prune the console's audit log."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check the hash chain; exit 1 where it breaks")
    verify.add_argument("--url", help="database URL (default: DATABASE_URL or the data dir)")
    prune = commands.add_parser("prune", help="delete events older than the retention period")
    prune.add_argument(
        "--days",
        type=int,
        default=RETENTION_DAYS,
        help=f"keep this many days of events (default {RETENTION_DAYS})",
    )
    prune.add_argument("--url", help="database URL (default: DATABASE_URL or the data dir)")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; return the exit status."""
    args = _parser().parse_args(argv)
    env = os.environ if environ is None else environ
    url = resolve_url(args.url, env)
    if args.command == "prune" and args.days < 1:
        print("--days must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    try:
        if _missing_sqlite_file(url):
            print(f"no audit database at {safe_url(url)}", file=sys.stderr)
            return EXIT_ERROR
        with AuditStore(url, create=False) as store:
            if args.command == "verify":
                result = store.verify()
                print(result.summary())
                return EXIT_OK if result.ok else EXIT_BROKEN
            cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=args.days)
            try:
                deleted = store.prune(cutoff)
            except ChainBrokenError as exc:
                print(f"prune refused, nothing deleted: {exc.result.summary()}")
                return EXIT_BROKEN
            print(f"pruned {deleted} events recorded before {cutoff:%Y-%m-%dT%H:%M:%SZ}")
            return EXIT_OK
    except AuditError as exc:
        print(f"{exc} ({safe_url(url)})", file=sys.stderr)
    except SQLAlchemyError as exc:
        # The driver's first line says what failed; the rest is SQLAlchemy boilerplate.
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"cannot use the audit log at {safe_url(url)}: {detail}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
