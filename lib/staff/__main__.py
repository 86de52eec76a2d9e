"""Manage local staff accounts: ``python -m lib.staff add|reset|remove|list``.

Passwords are read from the terminal (or one line of standard input with --password-stdin)
and stored only as bcrypt hashes.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from lib.settings import load_settings, read_secrets_file
from lib.staff.accounts import (
    AccountError,
    LocalAccount,
    hash_password,
    load_accounts,
    save_accounts,
    username_for,
)
from lib.staff.config import load_staff_config
from lib.staff.permissions import Role


def default_credentials_file() -> Path:
    secrets = read_secrets_file()
    configured = load_staff_config(secrets).credentials_file
    return configured or load_settings(secrets=secrets).data_dir / "staff.yaml"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        raise AccountError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.staff", description=__doc__)
    parser.add_argument("--file", type=Path, help="credentials file (default from settings)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a staff account")
    add.add_argument("email")
    add.add_argument("--role", choices=[r.value for r in Role], required=True)
    add.add_argument("--name", default=None)
    add.add_argument("--password-stdin", action="store_true")
    reset = commands.add_parser("reset", help="set a new password")
    reset.add_argument("email")
    reset.add_argument("--password-stdin", action="store_true")
    role = commands.add_parser("role", help="change a staff member's role")
    role.add_argument("email")
    role.add_argument("role", choices=[r.value for r in Role])
    remove = commands.add_parser("remove", help="remove a staff account")
    remove.add_argument("email")
    commands.add_parser("list", help="list staff accounts (no hashes)")
    args = parser.parse_args(argv)

    path: Path = args.file or default_credentials_file()
    accounts = {a.username: a for a in load_accounts(path)}
    try:
        if args.command == "list":
            for a in sorted(accounts.values(), key=lambda a: a.username):
                print(f"{a.email}\t{a.role.value}\t{a.name}")
            return 0
        username = username_for(args.email)
        if args.command == "add":
            if username in accounts:
                raise AccountError(f"{args.email} already exists; use reset or role")
            accounts[username] = LocalAccount(
                username=username,
                email=username,
                name=args.name or args.email.split("@")[0],
                role=Role(args.role),
                password_hash=hash_password(_read_password(args.password_stdin)),
            )
        elif username not in accounts:
            raise AccountError(f"no staff account for {args.email}")
        elif args.command == "reset":
            old = accounts[username]
            accounts[username] = LocalAccount(
                old.username,
                old.email,
                old.name,
                old.role,
                hash_password(_read_password(args.password_stdin)),
            )
        elif args.command == "role":
            old = accounts[username]
            accounts[username] = LocalAccount(
                old.username, old.email, old.name, Role(args.role), old.password_hash
            )
        elif args.command == "remove":
            del accounts[username]
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_accounts(path, list(accounts.values()))
    print(f"{args.command}: {args.email} ({path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
