"""Local staff accounts: a credentials file of bcrypt hashes, and the sandbox's demo accounts.

The file is the layout streamlit-authenticator reads (``credentials.usernames``), kept by the
``python -m lib.staff`` command; passwords never appear in it, only bcrypt hashes.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from lib.staff.permissions import Role, parse_role


@dataclass(frozen=True)
class LocalAccount:
    username: str
    email: str
    name: str
    role: Role
    password_hash: str


# Passwords are printed in the README (sandbox mode only); only their hashes live here.
DEMO_ACCOUNTS: tuple[LocalAccount, ...] = (
    LocalAccount(
        "viewer",
        "viewer@console.example",
        "Vera Viewer",
        Role.VIEWER,
        "$2b$10$RFVsMEzxPanuvYwhF6im2.3XK6jgNEPDIU4oaSzVJvk56w13ce/qS",
    ),
    LocalAccount(
        "editor",
        "editor@console.example",
        "Ed Editor",
        Role.EDITOR,
        "$2b$10$FgWimX7Neu3FdkyURk/ZteL93X21VKZrI7Pxbmj.jkzh//R.aW6jS",
    ),
    LocalAccount(
        "admin",
        "admin@console.example",
        "Ada Admin",
        Role.ADMIN,
        "$2b$10$o4OQ51vRPfYeDIw8MH/MV.b1c1cOgillhpE1USXo/y3sXOu6SPPNu",
    ),
)

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def hash_password(password: str, *, rounds: int = 12) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


def username_for(email: str) -> str:
    """Usernames are the lower-cased email, so a person has one account whatever the case."""
    return email.strip().lower()


def load_accounts(path: Path | None) -> list[LocalAccount]:
    if path is None or not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    users = ((data.get("credentials") or {}).get("usernames")) or {}
    accounts = []
    for username, entry in users.items():
        roles = entry.get("roles") or []
        role = parse_role(roles[0]) if roles else None
        if role is None:
            continue  # an account with no valid role cannot sign in
        accounts.append(
            LocalAccount(
                username=str(username),
                email=str(entry.get("email", username)),
                name=str(entry.get("name") or entry.get("first_name") or username),
                role=role,
                password_hash=str(entry["password"]),
            )
        )
    return accounts


def save_accounts(path: Path, accounts: list[LocalAccount]) -> None:
    """Write atomically so a concurrent reader never sees half a file."""
    data = {
        "credentials": {
            "usernames": {
                a.username: {
                    "email": a.email,
                    "name": a.name,
                    "password": a.password_hash,
                    "roles": [a.role.value],
                }
                for a in sorted(accounts, key=lambda a: a.username)
            }
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".staff-", suffix=".yaml")
    with os.fdopen(handle, "w") as out:
        yaml.safe_dump(data, out, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def authenticator_credentials(accounts: list[LocalAccount]) -> dict[str, Any]:
    """The credentials mapping streamlit-authenticator takes (hashes only)."""
    return {
        "usernames": {
            a.username: {
                "email": a.email,
                "first_name": a.name,
                "last_name": "",
                "name": a.name,
                "password": a.password_hash,
                "roles": [a.role.value],
            }
            for a in accounts
        }
    }
