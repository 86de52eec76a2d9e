"""AppTest fixtures: the real entrypoint against a private sandbox, signed in as a role.

Signing in is tested on its own (test_shell.py, test_signin_*.py); page tests start signed in by
recording a staff session in the console's database and putting the staff identity and that
session where the sign-in gate keeps them, exactly as a completed sign-in leaves them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lib.sandbox.server import RunningSandbox
from lib.settings import load_settings
from lib.staff import Role, StaffMember
from lib.staff.sessions import SessionStore, new_secret
from lib.ui.state import SK_SESSION, SK_STAFF

REPO = Path(__file__).resolve().parents[2]
APP_TIMEOUT = 60

STAFF = {
    Role.VIEWER: StaffMember(
        "viewer@console.example", "Vera Viewer", Role.VIEWER, "demo", datetime.now(UTC)
    ),
    Role.EDITOR: StaffMember(
        "editor@console.example", "Ed Editor", Role.EDITOR, "demo", datetime.now(UTC)
    ),
    Role.ADMIN: StaffMember(
        "admin@console.example", "Ada Admin", Role.ADMIN, "demo", datetime.now(UTC)
    ),
}


def start_session(at: AppTest, staff: StaffMember, secrets: dict[str, Any]) -> str:
    """Sign ``staff`` in on ``at`` as a completed sign-in does; returns the session id."""
    url = load_settings(secrets=secrets, env={}).database_url_or_default
    with SessionStore(url) as store:
        session = store.start(
            new_secret(),
            email=staff.email,
            name=staff.name,
            role=staff.role,
            method=staff.auth_method,
            signed_in_at=staff.signed_in_at,
        )
    at.session_state[SK_STAFF] = staff
    at.session_state[SK_SESSION] = session.id
    return session.id


def console_secrets(running: RunningSandbox, data_dir: Path, **extra: Any) -> dict[str, Any]:
    secrets: dict[str, Any] = {
        "sandbox": {"base_url": running.base_url, "api_key": running.api_key},
        "console": {"data_dir": str(data_dir)},
    }
    for section, values in extra.items():
        secrets.setdefault(section, {}).update(values)
    return secrets


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def app_sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    """A private sandbox per test, so writes never leak between tests."""
    return make_sandbox(seed=1, users=40)


@pytest.fixture
def console_app(
    app_sandbox: RunningSandbox, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., AppTest]:
    """Factory: ``console_app(Role.EDITOR)`` gives an AppTest of app.py, signed in, not yet run.
    ``console_app(None)`` is signed out."""
    monkeypatch.chdir(REPO)
    for name in ("RECALL_API_KEY", "RECALL_BASE_URL", "DATABASE_URL", "CONSOLE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)

    def _make(role: Role | None = Role.VIEWER, **secrets: Any) -> AppTest:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=APP_TIMEOUT)
        all_secrets = console_secrets(app_sandbox, data_dir, **secrets)
        for section, values in all_secrets.items():
            at.secrets[section] = values
        if role is not None:
            start_session(at, STAFF[role], all_secrets)
        return at

    return _make
