"""Live mode refuses to start without a usable audit key, as it does without a cookie key."""

from __future__ import annotations

import pytest

from lib.audit import find_heads
from lib.audit.keys import SANDBOX_KEY_FILE, sandbox_key
from lib.staff import Role
from tests.app.test_shell import texts

LIVE = {"recall": {"api_key": "rk_test_live_key"}, "staff": {"cookie_key": "k" * 48}}


@pytest.mark.parametrize(
    ("console", "expected"),
    [
        ({}, "No [console] audit_key"),
        ({"audit_key": "short-audit-key"}, "shorter than 32"),
        ({"audit_key": "changeme"}, "well-known placeholder"),
    ],
)
def test_live_mode_refuses_to_start_without_a_usable_audit_key(console_app, console, expected):
    at = console_app(None, **LIVE, console=console).run()
    assert not at.exception
    assert "cannot start" in texts(at)
    assert expected in texts(at)
    assert not at.text_input


def test_live_mode_with_an_audit_key_raises_no_key_problem(console_app):
    at = console_app(None, **LIVE, console={"audit_key": "a" * 48}).run()
    assert "audit_key" not in texts(at)


def test_sandbox_mode_generates_a_key_into_the_data_directory(console_app, data_dir):
    at = console_app(Role.ADMIN).run()
    assert not at.exception
    assert (data_dir / SANDBOX_KEY_FILE).is_file()


def test_the_audit_page_shows_the_signed_head_to_keep(console_app, data_dir):
    at = console_app(Role.ADMIN).run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    (shown,) = [c.value for c in at.code if c.value.startswith("audit-head.v1.")]
    (head,) = find_heads(shown)
    assert head.signed_by(sandbox_key(data_dir))
