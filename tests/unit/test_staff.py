from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from lib.staff import MINIMUM_ROLE, Action, Role, StaffMember, can, check_sso_claims, role_for
from lib.staff.__main__ import main as staff_cli
from lib.staff.accounts import (
    DEMO_ACCOUNTS,
    AccountError,
    check_password,
    hash_password,
    load_accounts,
)
from lib.staff.config import StaffConfig, demo_accounts_enabled, startup_problems

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)

# The permission table as the product describes it, written out independently of the code.
EXPECTED_MINIMUM = {
    "find_users": "viewer",
    "view_account": "viewer",
    "run_preview": "viewer",
    "export_view": "viewer",
    "read_preset": "viewer",
    "validate_preset": "viewer",
    "view_status": "viewer",
    "change_preferences": "editor",
    "change_override": "editor",
    "refresh_meetings": "editor",
    "build_connection_link": "editor",
    "disconnect_calendar": "admin",
    "delete_user": "admin",
    "mint_user": "admin",
    "rename_user": "admin",
    "manage_preset": "admin",
    "read_audit": "admin",
    "export_audit": "admin",
    "manage_staff_sessions": "admin",
    "find_bot": "viewer",
    "view_raw_data": "admin",
}
ORDER = ["viewer", "editor", "admin"]


def member(role: Role) -> StaffMember:
    return StaffMember(f"{role}@corp.example", role.value, role, "local", NOW)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_permission_matrix(role: Role, action: Action):
    allowed = ORDER.index(role.value) >= ORDER.index(EXPECTED_MINIMUM[action.value])
    assert can(member(role), action) is allowed


def test_every_action_is_in_the_table_and_nobody_signed_out_can_do_anything():
    assert set(MINIMUM_ROLE) == set(Action)
    assert not any(can(None, action) for action in Action)


def test_role_for_prefers_exact_email_then_highest_of_groups_and_domain():
    kwargs = {
        "email_roles": {"Lowered@Corp.example": "viewer"},
        "domain_roles": {"corp.example": "editor"},
        "group_roles": {"console-admins": "admin"},
    }
    assert role_for("someone@corp.example", **kwargs) is Role.EDITOR
    assert role_for("someone@corp.example", groups=["console-admins"], **kwargs) is Role.ADMIN
    assert role_for("lowered@corp.example", groups=["console-admins"], **kwargs) is Role.VIEWER
    assert role_for("someone@other.example", **kwargs) is None
    assert role_for("someone@other.example", groups=["unknown"], **kwargs) is None


def test_unknown_role_text_grants_nothing():
    assert (
        role_for("a@corp.example", email_roles={"a@corp.example": "root"}, domain_roles={}) is None
    )


def claims(**overrides):
    base = {
        "email": "pat@corp.example",
        "email_verified": True,
        "iat": int((NOW - timedelta(hours=1)).timestamp()),
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({}, None),
        ({"email_verified": False}, "not verified"),
        ({"email_verified": "true"}, "not verified"),
        ({"email": "pat@evil.example"}, "not in a domain"),
        ({"email": ""}, "did not share an email"),
        ({"iat": int((NOW - timedelta(hours=13)).timestamp())}, "expired"),
        ({"iat": None}, "no issue time"),
    ],
)
def test_sso_claim_checks(overrides, problem):
    result = check_sso_claims(
        claims(**overrides), allowed_domains=["corp.example"], max_session_hours=12, now=NOW
    )
    assert result.ok is (problem is None)
    if problem:
        assert problem in (result.problem or "")


def problems(config: StaffConfig, *, mode="sandbox", sso=False, has_local_accounts=False):
    return startup_problems(config, mode=mode, sso=sso, has_local_accounts=has_local_accounts)


def test_refuses_default_or_short_cookie_keys_and_accepts_a_long_random_one():
    assert "well-known default" in problems(StaffConfig(cookie_key=SecretStr("some_key")))[0]
    assert "shorter than" in problems(StaffConfig(cookie_key=SecretStr("x" * 20)))[0]
    assert problems(StaffConfig(cookie_key=SecretStr("k" * 48))) == []


def test_live_mode_needs_a_cookie_key_and_accounts():
    found = problems(StaffConfig(), mode="live")
    assert any("No [staff] cookie_key" in p for p in found)
    assert any("No staff accounts" in p for p in found)
    ok = StaffConfig(cookie_key=SecretStr("k" * 48))
    assert problems(ok, mode="live", has_local_accounts=True) == []


def test_refuses_demo_accounts_alongside_a_real_key():
    found = problems(
        StaffConfig(demo_accounts=True, cookie_key=SecretStr("k" * 48)),
        mode="live",
        has_local_accounts=True,
    )
    assert any("Demo staff accounts" in p for p in found)


def test_refuses_sso_without_allowed_domains():
    assert any("allowed_domains" in p for p in problems(StaffConfig(), sso=True))
    assert problems(StaffConfig(allowed_domains=("corp.example",)), sso=True) == []


def test_demo_accounts_exist_only_in_sandbox_without_sso():
    assert demo_accounts_enabled(StaffConfig(), mode="sandbox", sso=False)
    assert not demo_accounts_enabled(StaffConfig(), mode="live", sso=False)
    assert not demo_accounts_enabled(StaffConfig(), mode="sandbox", sso=True)


def test_demo_passwords_match_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for account in DEMO_ACCOUNTS:
        password = f"{account.username}-demo-2026"
        assert password in readme
        assert check_password(password, account.password_hash)
        assert not check_password(password + "x", account.password_hash)


def test_short_passwords_are_refused():
    with pytest.raises(AccountError):
        hash_password("short")


def run_cli(monkeypatch, path: Path, *args: str, password: str | None = None) -> int:
    if password is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return staff_cli(["--file", str(path), *args])


def test_cli_add_reset_role_remove(tmp_path: Path, monkeypatch, capsys):
    path = tmp_path / "staff.yaml"
    first = "correct horse battery"
    second = "another long passphrase"
    assert (
        run_cli(
            monkeypatch,
            path,
            "add",
            "Pat@Corp.example",
            "--role",
            "editor",
            "--password-stdin",
            password=first,
        )
        == 0
    )
    text = path.read_text()
    assert first not in text and "$2b$" in text
    (account,) = load_accounts(path)
    assert account.username == "pat@corp.example" and account.role is Role.EDITOR
    assert check_password(first, account.password_hash)

    assert (
        run_cli(
            monkeypatch,
            path,
            "add",
            "pat@corp.example",
            "--role",
            "admin",
            "--password-stdin",
            password=first,
        )
        == 2
    )
    assert (
        run_cli(monkeypatch, path, "reset", "pat@corp.example", "--password-stdin", password=second)
        == 0
    )
    assert check_password(second, load_accounts(path)[0].password_hash)
    assert run_cli(monkeypatch, path, "role", "pat@corp.example", "admin") == 0
    assert load_accounts(path)[0].role is Role.ADMIN
    assert run_cli(monkeypatch, path, "list") == 0
    assert "pat@corp.example\tadmin" in capsys.readouterr().out
    assert run_cli(monkeypatch, path, "remove", "pat@corp.example") == 0
    assert load_accounts(path) == []
    assert run_cli(monkeypatch, path, "remove", "pat@corp.example") == 2


def test_the_example_secrets_file_starts_the_console_in_sandbox_mode(tmp_path: Path):
    import tomllib

    from lib.staff.config import load_staff_config

    example = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml.example"
    secrets = tomllib.loads(example.read_text())
    config = load_staff_config(secrets)
    assert config.credentials_file is None and config.cookie_key is None
    assert problems(config) == []
