"""The app frame: navigation per role, the sandbox banner, and refusing bad configurations."""

from __future__ import annotations

import pytest

from lib.audit import AuditStore
from lib.audit.keys import sandbox_key
from lib.staff import Role
from lib.ui.state import SK_STAFF

ALL_PAGES = {
    "pages/directory.py",
    "pages/account.py",
    "pages/preview.py",
    "pages/presets.py",
    "pages/status.py",
    "pages/find_bot.py",
    "pages/audit.py",
}
ADMIN_ONLY = {"pages/audit.py"}


def texts(at) -> str:
    return "\n".join(
        [t.value for t in at.title]
        + [m.value for m in at.markdown]
        + [e.value for e in at.error]
        + [i.value for i in at.info]
        + [w.value for w in at.warning]
        + [c.value for c in at.caption]
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_pages(console_app, role):
    at = console_app(role).run()
    assert not at.exception
    assert "Sandbox mode" in texts(at)
    allowed = ALL_PAGES if role is Role.ADMIN else ALL_PAGES - ADMIN_ONLY
    for page in sorted(ALL_PAGES - allowed):
        # An unregistered page cannot be reached, not even by naming it.
        with pytest.raises(ValueError):
            at.switch_page(page)
    for page in sorted(allowed):
        at.switch_page(page).run()
        assert not at.exception, page
        assert "Sandbox mode" in texts(at)
        assert f"Role: {role.label}" in texts(at)


def test_signed_out_sees_only_the_sign_in_form(console_app):
    at = console_app(None).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username or email", "Password"]
    assert "Find a user" not in texts(at)


def test_demo_sign_in_and_sign_out_are_audited(console_app, data_dir):
    at = console_app(None).run()
    at.text_input[0].input("admin")
    at.text_input[1].input("admin-demo-2026")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[SK_STAFF].role is Role.ADMIN
    at.button(key="console.sign_out").click().run()
    assert SK_STAFF not in at.session_state
    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as store:
        actions = [e.action for e in store.query(newest_first=False)]
        assert actions == ["signin", "signout"]
        assert store.verify().ok


def test_wrong_password_is_refused_in_words(console_app):
    at = console_app(None).run()
    at.text_input[0].input("admin")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert SK_STAFF not in at.session_state
    assert "do not match" in texts(at)


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ({"staff": {"cookie_key": "some_key"}}, "well-known default"),
        ({"staff": {"cookie_key": "short-key"}}, "shorter than"),
        (
            {
                "recall": {"api_key": "rk_test_live_key"},
                "staff": {"demo_accounts": True, "cookie_key": "k" * 48},
            },
            "Demo staff accounts",
        ),
        (
            {
                "auth": {
                    "client_id": "x",
                    "client_secret": "y",
                    "server_metadata_url": "http://127.0.0.1:9/x",
                }
            },
            "allowed_domains",
        ),
    ],
)
def test_refuses_to_start_on_unsafe_configuration(console_app, secrets, expected):
    at = console_app(None, **secrets).run()
    assert not at.exception
    assert "cannot start" in texts(at)
    assert expected in texts(at)
    assert not at.text_input  # no sign-in form
