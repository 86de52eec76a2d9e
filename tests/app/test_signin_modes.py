"""Demo accounts and the sandbox banner only for a sandbox on this machine."""

from __future__ import annotations

from pathlib import Path

from lib.staff import Role
from lib.staff.accounts import LocalAccount, hash_password, save_accounts
from lib.ui.state import SK_STAFF
from tests.app.test_shell import texts

REGION_URL = "https://us-east-1.recall.ai"


def test_a_region_url_named_as_the_sandbox_refuses_the_demo_accounts(console_app, data_dir: Path):
    credentials = data_dir / "staff.yaml"
    save_accounts(
        credentials,
        [
            LocalAccount(
                "pat@corp.example",
                "pat@corp.example",
                "Pat",
                Role.ADMIN,
                hash_password("correct horse battery", rounds=4),
            )
        ],
    )
    at = console_app(
        None,
        sandbox={"base_url": REGION_URL, "api_key": "rk_real_workspace_key"},
        staff={"cookie_key": "k" * 48, "credentials_file": str(credentials)},
        console={"audit_key": "a" * 48},  # live mode needs its own audit key
    ).run()
    assert not at.exception
    assert "Sandbox mode" not in texts(at)
    assert "demo account" not in texts(at)
    at.text_input[0].input("admin")
    at.text_input[1].input("admin-demo-2026")
    at.button[0].click().run()
    assert SK_STAFF not in at.session_state
    assert "do not match" in texts(at)


def test_a_loopback_sandbox_offers_the_demo_accounts(console_app):
    at = console_app(None).run()
    assert "demo account" in texts(at)
