"""AppTest fixtures: the real entrypoint against a private sandbox, signed in as a role.

Signing in is tested on its own (test_signin.py); page tests start signed in by putting the
staff identity where the sign-in gate keeps it, exactly as a completed sign-in leaves it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lib.sandbox.server import RunningSandbox
from lib.staff import Role, StaffMember
from lib.ui.state import SK_STAFF

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
        for section, values in console_secrets(app_sandbox, data_dir, **secrets).items():
            at.secrets[section] = values
        if role is not None:
            at.session_state[SK_STAFF] = STAFF[role]
        return at

    return _make
