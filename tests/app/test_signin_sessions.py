"""Staff sessions through the real entrypoint: checked on every run, ended by admins (audited),
and one per SSO sign-in, so a replayed identity stays signed out after sign-out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lib.audit import AuditStore
from lib.staff import Role
from lib.staff.sessions import SessionState, SessionStore, new_secret
from lib.ui.sessions.admin import REVOKE_ACTION
from lib.ui.state import SK_SESSION, SK_SESSIONS_CHOSEN, SK_SESSIONS_REASON, SK_STAFF
from tests.app.conftest import STAFF, start_session
from tests.app.test_shell import texts

STATUS = "pages/status.py"


def db_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'console.db').resolve()}"


def end_button(at):
    return next(b for b in at.button if b.label == "End the chosen sessions")


def all_texts(at) -> str:
    return texts(at) + "\n" + "\n".join(s.value for s in at.success)


def test_a_session_ended_elsewhere_is_signed_out_at_the_next_run(console_app, data_dir):
    at = console_app(Role.EDITOR)
    with SessionStore(db_url(data_dir)) as store:
        store.revoke(at.session_state[SK_SESSION], by="admin@console.example", reason="left")
    at.run()
    assert not at.exception
    assert SK_STAFF not in at.session_state
    assert "An admin ended your session" in all_texts(at)
    assert [t.label for t in at.text_input] == ["Username or email", "Password"]


def test_a_session_past_the_age_limit_is_signed_out(console_app, data_dir):
    at = console_app(None)
    old = replace(STAFF[Role.VIEWER], signed_in_at=datetime.now(UTC) - timedelta(hours=13))
    start_session(at, old, {"console": {"data_dir": str(data_dir)}})
    at.run()
    assert SK_STAFF not in at.session_state
    assert "Your session has expired" in all_texts(at)


def test_a_signed_in_tab_without_a_recorded_session_is_signed_out(console_app):
    at = console_app(None)
    at.session_state[SK_STAFF] = STAFF[Role.ADMIN]
    at.run()
    assert SK_STAFF not in at.session_state
    assert "Password" in [t.label for t in at.text_input]


def test_admins_list_and_end_staff_sessions_with_an_audited_reason(console_app, data_dir):
    with SessionStore(db_url(data_dir)) as store:
        other = store.start(
            new_secret(), email="ed@corp.example", name="Ed", role=Role.EDITOR, method="local"
        )
    at = console_app(Role.ADMIN).run()
    at.switch_page(STATUS).run()
    assert not at.exception
    assert "Staff sessions" in [h.value for h in at.subheader]
    listed = at.dataframe[-1].value
    assert {"ed@corp.example", "admin@console.example"} <= set(listed["Email"])

    at.multiselect(key=SK_SESSIONS_CHOSEN).set_value([other.id])
    end_button(at).click().run()  # no reason yet: refused
    assert "Say why" in all_texts(at)
    with SessionStore(db_url(data_dir)) as store:
        assert store.check(other.id, max_age=timedelta(hours=12)).ok

    at.multiselect(key=SK_SESSIONS_CHOSEN).set_value([other.id])
    at.text_input(key=SK_SESSIONS_REASON).input("laptop lost, ticket OPS-7")
    end_button(at).click().run()
    assert not at.exception
    assert "Ended 1 session" in all_texts(at)
    with SessionStore(db_url(data_dir)) as store:
        check = store.check(other.id, max_age=timedelta(hours=12))
    assert check.state is SessionState.REVOKED
    assert check.session.revoked_by == "admin@console.example"
    with AuditStore(db_url(data_dir)) as audit:
        events = [e for e in audit.query(newest_first=False) if e.action == REVOKE_ACTION]
    assert [(e.target, e.reason, e.actor_email) for e in events] == [
        ("ed@corp.example", "laptop lost, ticket OPS-7", "admin@console.example")
    ]


def test_other_roles_see_no_staff_sessions(console_app):
    at = console_app(Role.EDITOR).run()
    at.switch_page(STATUS).run()
    assert not at.exception
    assert "Staff sessions" not in [h.value for h in at.subheader]


SSO = {
    "auth": {
        "client_id": "console",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "c" * 40,
    },
    "staff": {"allowed_domains": ["corp.example"], "roles": {"@corp.example": "editor"}},
}


def sso_user(issued: datetime) -> dict:
    return {
        "is_logged_in": True,
        "email": "alice@corp.example",
        "email_verified": True,
        "name": "Alice",
        "iss": "http://127.0.0.1:9",
        "sub": "alice",
        "iat": int(issued.timestamp()),
        "nonce": "n-1",
    }


def test_an_sso_sign_in_is_a_session_that_sign_out_ends_for_copies_too(console_app, data_dir):
    claims = sso_user(datetime.now(UTC))
    at = console_app(None, **SSO)
    at.user = claims
    at.run()
    assert not at.exception
    assert at.session_state[SK_STAFF].email == "alice@corp.example"
    session_id = at.session_state[SK_SESSION]
    at.button(key="console.sign_out").click().run()
    with SessionStore(db_url(data_dir)) as store:
        assert store.check(session_id, max_age=timedelta(hours=12)).state is SessionState.REVOKED

    # The same identity cookie, replayed in a new browser session: still signed out.
    replay = console_app(None, **SSO)
    replay.user = claims
    replay.run()
    assert not replay.exception
    assert SK_STAFF not in replay.session_state
    assert "You signed out" in all_texts(replay)

    # A new sign-in at the identity provider is a new session.
    fresh = console_app(None, **SSO)
    fresh.user = {**claims, "iat": claims["iat"] + 1, "nonce": "n-2"}
    fresh.run()
    assert fresh.session_state[SK_STAFF].email == "alice@corp.example"


def test_browsers_are_named_in_words():
    from lib.ui.sessions.admin import browser_words

    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0"
    safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1"
    assert browser_words(chrome) == "Chrome on Linux"
    assert browser_words(edge) == "Edge on Windows"
    assert browser_words(safari) == "Safari on iOS"
    assert browser_words("curl/8.0") == "Other"
    assert browser_words(None) == ""
