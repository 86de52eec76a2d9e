"""Previewing one user is viewing their account: a reason first (or the account already open
in view-as), and the same audit event as opening the account. Cohorts stay aggregate."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.staff import Role
from lib.ui.state import SK_PREVIEW_USER_ID, SK_VIEW_AS
from lib.viewas import ViewAsSession
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    audit_events,
    banner_shown,
    submit_reason,
)
from tests.app.test_preview import metrics, open_preview, texts

USER = "nw-000001"


def shows_the_account(at) -> bool:
    return bool(at.metric) or "Current preferences" in texts(at)


def test_no_reason_no_preview_and_nothing_fetched(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at = open_preview(console_app)
    at.text_input(key=SK_PREVIEW_USER_ID).input(USER).run()
    assert not at.exception
    assert "needs a reason that goes on the audit record" in texts(at)
    assert not shows_the_account(at)
    for weak in ["", "abc"]:
        submit_reason(at, weak)
        assert "Give a reason of at least 5 characters" in texts(at), weak
        assert not shows_the_account(at), weak
    # Nothing of the user was read from Recall: no token minted, no user or meetings fetched.
    assert "authenticate" not in probe.requests()
    assert audit_events(data_dir, action="view_as.*") == []


def test_with_a_reason_the_preview_is_shown_and_the_view_audited(
    console_app, app_sandbox, data_dir
):
    at = open_preview(console_app)
    at.text_input(key=SK_PREVIEW_USER_ID).input(USER).run()
    submit_reason(at, REASON, ticket="SUP-77")
    assert not at.exception
    assert shows_the_account(at) and "Start recording" in metrics(at)
    assert banner_shown(at)
    [start] = audit_events(data_dir, action="view_as.start")
    assert (start.user_id, start.actor_email, start.reason, start.ticket) == (
        USER,
        "viewer@console.example",
        REASON,
        "SUP-77",
    )


def test_the_open_account_needs_no_second_reason_but_another_user_does(
    console_app, app_sandbox, data_dir
):
    now = datetime.now(UTC)
    session = ViewAsSession("nw-000003", REASON, None, now, now)
    at = open_preview(console_app, Role.VIEWER, **{SK_VIEW_AS: session})
    assert "Previewing the open account" in texts(at) and shows_the_account(at)
    at.text_input(key=SK_PREVIEW_USER_ID).input(USER).run()
    assert not shows_the_account(at)
    assert [t.label for t in at.text_area] == ["Reason"]
    submit_reason(at, "Compare with the customer's colleague")
    assert shows_the_account(at)
    events = [(e.action, e.user_id) for e in audit_events(data_dir, action="view_as.*")]
    assert events == [("view_as.end", "nw-000003"), ("view_as.start", USER)]
