"""The status page: every role sees which Recall is in use, whether it answers and how fast,
the rate-limit table, the audit store (URL masked) and its chain, and the version."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from lib.audit import AuditStore, NewEvent
from lib.audit.keys import sandbox_key
from lib.sandbox.config import FAULT_KINDS
from lib.staff import Role
from lib.ui import audit_chain
from lib.ui.state import SK_STATUS_CHECK_AGAIN, SK_STATUS_VERIFY
from lib.ui.status_checks import LIMIT_LABELS, forget_ping
from lib.version import version
from tests.unit.test_audit_store import postgres_schema

PAGE = "pages/status.py"


@pytest.fixture(autouse=True)
def fresh_ping():
    # Pings are shared for a few seconds per base URL; a port reused by another test's
    # sandbox must not hand this test an earlier measurement.
    forget_ping()
    yield
    forget_ping()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.success, at.error, at.warning, at.info, at.title):
        parts += [e.value for e in kind]
    return "\n".join(parts)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at: AppTest, column: str):
    return next(f.value for f in at.dataframe if column in f.value.columns)


def open_status(console_app, role: Role = Role.VIEWER, **secrets) -> AppTest:
    at = console_app(role, **secrets).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def users_list_requests(sandbox) -> int:
    stats = httpx.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    return int(stats["by_endpoint"]["users_list"])


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_status(console_app, app_sandbox, role):
    at = open_status(console_app, role)
    figures = metrics(at)
    assert figures["Recall"] == "Sandbox"
    assert figures["Response time"].endswith(" ms")
    assert figures["Audit chain"] == "Intact"
    assert figures["Console version"] == version()
    assert app_sandbox.base_url in texts(at)
    assert "Answering" in texts(at)
    limits = frame_with(at, "Allowed")
    assert set(limits["Limit"]) == {label for label, _ in LIMIT_LABELS.values()}
    # The ping is one users-list request, counted against that limit and that endpoint.
    users_row = limits.set_index("Limit").loc[LIMIT_LABELS["users_list"][0]]
    assert users_row["Used"] >= 1 and users_row["Allowed"] == 60
    endpoints = frame_with(at, "Requests").set_index("Endpoint")
    assert endpoints.loc["users_list", "Requests"] >= 1
    assert endpoints.loc["user_update", "Requests"] == 0
    # Only admins get a link into the audit log.
    assert bool(at.get("page_link")) is (role is Role.ADMIN)


def test_views_within_a_few_seconds_share_one_ping(console_app, app_sandbox):
    at = open_status(console_app)
    before = users_list_requests(app_sandbox)
    at.run()
    assert users_list_requests(app_sandbox) == before
    at.button(key=SK_STATUS_CHECK_AGAIN).click().run()
    assert users_list_requests(app_sandbox) == before + 1


def test_a_stopped_sandbox_is_reported_in_words(console_app, app_sandbox):
    at = open_status(console_app)
    app_sandbox.stop()
    at.button(key=SK_STATUS_CHECK_AGAIN).click().run()
    assert not at.exception
    assert metrics(at)["Response time"] == "No answer"
    failure = next(e.value for e in at.error if "did not answer" in e.value)
    assert "Traceback" not in failure
    assert at.button(key=SK_STATUS_CHECK_AGAIN).label == "Retry"
    # The rest of the page still renders.
    assert metrics(at)["Audit chain"] == "Intact"
    assert frame_with(at, "Allowed") is not None


def test_a_failing_recall_is_reported_and_retry_recovers(console_app, app_sandbox):
    # Every request gets a fault: server errors, 429s or dropped connections.
    response = httpx.post(
        f"{app_sandbox.base_url}/_sandbox/config",
        headers={"Authorization": f"Token {app_sandbox.api_key}"},
        json={
            "fault_rate": 1.0,
            "fault_kinds": [k for k in FAULT_KINDS if k != "drop_after_apply"],
        },
        timeout=5,
    )
    assert response.status_code == 200, response.text
    at = open_status(console_app)
    assert metrics(at)["Response time"] == "No answer"
    assert any("did not answer" in e.value for e in at.error)
    retry = at.button(key=SK_STATUS_CHECK_AGAIN)
    assert retry.label == "Retry"
    app_sandbox.state.faults.configure(rate=0.0, kinds=())
    retry.click().run()
    assert not at.exception
    assert metrics(at)["Response time"].endswith(" ms")
    assert not [e for e in at.error if "did not answer" in e.value]


def test_a_tampered_store_shows_a_broken_chain(console_app, data_dir):
    with AuditStore(
        f"sqlite:///{(data_dir / 'console.db').resolve()}", key=sandbox_key(data_dir)
    ) as store:
        for n in range(4):
            store.append(
                NewEvent(
                    actor_email="a@x.example", actor_role="admin", action="signin", reason=f"{n}"
                )
            )
        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("UPDATE audit_events SET actor_email = 'b@x.example' WHERE id = 2"))
    at = open_status(console_app, Role.VIEWER)
    assert metrics(at)["Audit chain"] == "Broken at #2"
    assert any("Chain broken at event #2" in e.value for e in at.error)


def test_a_large_store_is_verified_on_request(console_app, data_dir, monkeypatch):
    monkeypatch.setattr(audit_chain, "AUTO_VERIFY_MAX_EVENTS", 1)
    with AuditStore(
        f"sqlite:///{(data_dir / 'console.db').resolve()}", key=sandbox_key(data_dir)
    ) as store:
        for _ in range(3):
            store.append(NewEvent(actor_email="a@x.example", actor_role="admin", action="signin"))
    at = open_status(console_app, Role.EDITOR)
    assert metrics(at)["Audit chain"] == "Not verified"
    at.button(key=SK_STATUS_VERIFY).click().run()
    assert metrics(at)["Audit chain"] == "Intact"
    assert "3 events verified" in texts(at)


def test_the_store_is_named_with_its_url_masked(console_app, data_dir):
    at = open_status(console_app)
    assert "SQLite" in texts(at)
    assert str((data_dir / "console.db").resolve()) in texts(at)


@pytest.mark.postgres
def test_a_postgres_password_is_never_shown(console_app, postgres_url):
    with postgres_schema(postgres_url) as url:
        password = make_url(url).password
        assert password
        at = open_status(console_app, console={"database_url": url})
        shown = texts(at)
        assert "PostgreSQL" in shown
        assert f":{password}@" not in shown
        assert make_url(url).render_as_string(hide_password=True) in shown
        assert metrics(at)["Audit chain"] == "Intact"


@pytest.mark.parametrize(("configured", "shown"), [(None, "v1.11"), ("v1.10", "v1.10")])
def test_the_bots_create_bot_version_is_shown(console_app, app_sandbox, configured, shown):
    secrets = {"recall": {"bot_api_version": configured}} if configured else {}
    at = open_status(console_app, **secrets)
    line = next(m.value for m in at.markdown if "Create Bot API" in m.value)
    assert f"`{shown}`" in line
