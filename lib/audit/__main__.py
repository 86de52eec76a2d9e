"""Command line for operators: ``python -m lib.audit verify|prune|head|rekey``.

Exit status: 0 when the chain verifies (or the prune or re-key succeeded), 1 when the chain is
broken or signed with another key (a prune or re-key then changes nothing), 2 when the log cannot
be reached, no key is configured or the arguments are wrong. The database URL comes from
``--url``, else ``DATABASE_URL``, else the SQLite file in ``CONSOLE_DATA_DIR`` (default
``./data``). The audit key comes from ``--key-file``, else ``CONSOLE_AUDIT_KEY``, else
``[console] audit_key`` in ``.streamlit/secrets.toml``, else the sandbox's generated
``audit.key`` beside a SQLite database or in the data directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from lib.audit.anchor import SignedHead, find_heads
from lib.audit.keys import SANDBOX_KEY_FILE, AuditKey, AuditKeyError
from lib.audit.store import RETENTION_DAYS, AuditError, AuditStore, ChainBrokenError
from lib.db import default_sqlite_url, normalise_url, safe_url
from lib.settings import read_secrets_file

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_ERROR = 2
KEY_ENV = "CONSOLE_AUDIT_KEY"
OLD_KEY_ENV = "CONSOLE_AUDIT_OLD_KEY"


class UsageError(Exception):
    """Something the operator must supply or fix; the message says what."""


def resolve_url(explicit: str | None, environ: Mapping[str, str]) -> str:
    """The database URL the command works on."""
    if explicit:
        return explicit
    if environ.get("DATABASE_URL"):
        return environ["DATABASE_URL"]
    return default_sqlite_url(Path(environ.get("CONSOLE_DATA_DIR") or "data"))


def _sqlite_dir(url: str) -> Path | None:
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database)).expanduser().parent


def _read_key_file(path: Path) -> AuditKey:
    try:
        return AuditKey(path.read_text(encoding="utf-8").strip())
    except OSError as exc:
        raise UsageError(f"cannot read the key file {path}: {exc.strerror}") from None
    except AuditKeyError as exc:
        raise UsageError(f"{path}: {exc}") from None


def resolve_key(
    key_file: str | None, url: str, environ: Mapping[str, str], secrets: Mapping[str, Any]
) -> AuditKey:
    """The audit key the command signs and verifies with (see the module docstring)."""
    if key_file:
        return _read_key_file(Path(key_file))
    console = secrets.get("console")
    configured = environ.get(KEY_ENV) or (
        console.get("audit_key") if isinstance(console, Mapping) else None
    )
    if isinstance(configured, str) and configured.strip():
        try:
            return AuditKey(configured.strip())
        except AuditKeyError as exc:
            raise UsageError(str(exc)) from None
    for folder in (_sqlite_dir(url), Path(environ.get("CONSOLE_DATA_DIR") or "data")):
        if folder is not None and (folder / SANDBOX_KEY_FILE).is_file():
            return _read_key_file(folder / SANDBOX_KEY_FILE)
    raise UsageError(
        f"no audit key: set {KEY_ENV} or [console] audit_key in .streamlit/secrets.toml, "
        "or pass --key-file"
    )


def _old_key(args: argparse.Namespace, environ: Mapping[str, str]) -> AuditKey | None:
    if args.from_unkeyed:
        return None
    if args.old_key_file:
        return _read_key_file(Path(args.old_key_file))
    if environ.get(OLD_KEY_ENV):
        try:
            return AuditKey(environ[OLD_KEY_ENV].strip())
        except AuditKeyError as exc:
            raise UsageError(f"{OLD_KEY_ENV}: {exc}") from None
    raise UsageError(
        f"say which key the log is signed with now: --old-key-file, {OLD_KEY_ENV}, or "
        "--from-unkeyed for a log written before the audit key existed"
    )


def _anchors(value: str) -> list[SignedHead]:
    path = Path(value)
    try:
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else value
    except OSError as exc:
        raise UsageError(f"cannot read {value}: {exc.strerror}") from None
    heads = list(dict.fromkeys(find_heads(text)))  # a CSV repeats its head on every row
    if not heads:
        raise UsageError(
            "no signed head found in --against (expected an export, a log file or a "
            "token starting audit-head.v1.)"
        )
    return heads


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
    verify.add_argument(
        "--against",
        metavar="HEAD",
        help="an export, a log file or a signed head token taken earlier: the log must still "
        "contain what it names (finds truncation and rewrites since then)",
    )
    head = commands.add_parser("head", help="print the signed head, to keep outside the database")
    head.add_argument("--url", help="database URL (default: DATABASE_URL or the data dir)")
    rekey = commands.add_parser(
        "rekey", help="verify under the old key, then re-sign every event with the configured key"
    )
    rekey.add_argument("--url", help="database URL (default: DATABASE_URL or the data dir)")
    old = rekey.add_mutually_exclusive_group()
    old.add_argument("--old-key-file", help=f"file holding the current key (or {OLD_KEY_ENV})")
    old.add_argument(
        "--from-unkeyed",
        action="store_true",
        help="the log was written before the audit key existed (plain sha256 chain)",
    )
    prune = commands.add_parser("prune", help="delete events older than the retention period")
    prune.add_argument(
        "--days",
        type=int,
        default=RETENTION_DAYS,
        help=f"keep this many days of events (default {RETENTION_DAYS})",
    )
    prune.add_argument("--url", help="database URL (default: DATABASE_URL or the data dir)")
    for command in (verify, head, rekey, prune):
        command.add_argument("--key-file", help=f"file holding the audit key (or {KEY_ENV})")
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> int:
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
        key = resolve_key(
            args.key_file, url, env, read_secrets_file() if secrets is None else secrets
        )
        anchors = _anchors(args.against) if getattr(args, "against", None) else []
        old_key = _old_key(args, env) if args.command == "rekey" else None
        with AuditStore(url, create=False, key=key) as store:
            if args.command == "verify":
                result = store.verify(against=anchors)
                print(result.summary())
                if result.ok:
                    print(f"signed head: {store.signed_head()}")
                return EXIT_OK if result.ok else EXIT_BROKEN
            if args.command == "head":
                print(store.signed_head())
                return EXIT_OK
            if args.command == "rekey":
                try:
                    done = store.rekey(old_key)
                except ChainBrokenError as exc:
                    print(f"re-key refused, nothing changed: {exc.result.summary()}")
                    return EXIT_BROKEN
                print(f"re-signed {done.events} events: key {done.from_key_id} -> {done.to_key_id}")
                print(f"signed head: {done.head}")
                return EXIT_OK
            cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=args.days)
            try:
                deleted = store.prune(cutoff)
            except ChainBrokenError as exc:
                print(f"prune refused, nothing deleted: {exc.result.summary()}")
                return EXIT_BROKEN
            print(f"pruned {deleted} events recorded before {cutoff:%Y-%m-%dT%H:%M:%SZ}")
            return EXIT_OK
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
    except AuditError as exc:
        print(f"{exc} ({safe_url(url)})", file=sys.stderr)
    except SQLAlchemyError as exc:
        # The driver's first line says what failed; the rest is SQLAlchemy boilerplate.
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"cannot use the audit log at {safe_url(url)}: {detail}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
