"""The Calendars tab: which role gets which account action, and what each one leaves in Recall
and in the audit log."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from lib.staff import Role
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    audit_events,
    button_labels,
    go_to_account,
    open_account,
    texts,
    unescape,
)

BOTH_CALENDARS = "nw-000006"  # Microsoft and Google connected
TO_DELETE = "nw-000007"
ACCOUNT_ACTIONS = {"Disconnect", "Build link", "Resync now", "Delete calendar user"}
EXPECTED_ACTIONS = {
    Role.VIEWER: set(),
    Role.EDITOR: {"Build link", "Resync now"},
    Role.ADMIN: ACCOUNT_ACTIONS,
}


def flash(at) -> str:
    return "\n".join(unescape(e.value) for group in (at.success, at.warning) for e in group)


def errors(at) -> str:
    return "\n".join(unescape(e.value) for e in at.error)


def press(at, label: str, index: int = 0):
    """Press the ``index``-th button with this label (one per calendar for Disconnect)."""
    buttons = [b for b in at.button if b.label == label]
    assert len(buttons) > index, button_labels(at)
    buttons[index].click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("role", list(Role))
def test_account_actions_follow_the_role(console_app, app_sandbox, role):
    probe = SandboxProbe(app_sandbox)
    at = console_app(role).run()
    open_account(at, BOTH_CALENDARS)
    shown = set(button_labels(at)) & ACCOUNT_ACTIONS
    assert shown == EXPECTED_ACTIONS[role]
    disconnects = [b for b in at.button if b.label == "Disconnect"]
    assert len(disconnects) == (2 if role is Role.ADMIN else 0), "one per connected calendar"
    assert ("Danger zone" in str([e.label for e in at.expander])) is (role is Role.ADMIN)
    assert probe.writes() == {}


def test_admin_disconnects_one_calendar_after_confirming(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.ADMIN).run()
    open_account(at, BOTH_CALENDARS)
    platforms = ["google", "microsoft"]  # the order of the two calendar columns
    microsoft = platforms.index("microsoft")

    at.text_input(key="disconnect-microsoft-reason").input(REASON)
    press(at, "Disconnect", microsoft)
    assert "Tick the box to confirm." in errors(at)
    assert probe.writes() == {}

    boxes = [c for c in at.checkbox if c.label.startswith("I understand")]
    boxes[microsoft].check()
    at.text_input(key="disconnect-microsoft-reason").input("")
    press(at, "Disconnect", microsoft)
    assert "Give a reason" in errors(at)
    assert probe.writes() == {}

    boxes = [c for c in at.checkbox if c.label.startswith("I understand")]
    boxes[microsoft].check()
    at.text_input(key="disconnect-microsoft-reason").input(REASON)
    press(at, "Disconnect", microsoft)
    assert "Disconnected Microsoft Outlook." in flash(at)
    assert probe.writes() == {"user_disconnect": 1}
    user = probe.client.get_user(BOTH_CALENDARS)
    assert user.connection("microsoft").connected is False
    assert user.connection("google").connected is True
    assert "**Microsoft Outlook** :orange-badge[Disconnected]" in texts(at)
    assert next(m for m in at.metric if m.label == "Calendars connected").value == "1"

    events = audit_events(data_dir, action="calendar.disconnect")
    assert [(e.outcome.value, e.error_class) for e in events] == [
        ("failed", "ReasonRequiredError"),
        ("attempt", None),
        ("ok", None),
    ]
    ok = events[-1]
    assert (ok.user_id, ok.target, ok.reason) == (BOTH_CALENDARS, "microsoft", REASON)
    assert ok.before == {"connected": True}
    assert ok.after == {"connected": False}


def test_admin_delete_needs_the_typed_user_id(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    count = probe.user_count()
    at = console_app(Role.ADMIN).run()
    open_account(at, TO_DELETE)

    at.text_input(key="delete-reason").input(REASON)
    at.text_input(key="delete-confirm").input("nw-000008")
    press(at, "Delete calendar user")
    assert "does not match the user id" in errors(at)
    assert probe.writes() == {}
    assert probe.listed(TO_DELETE)

    at.text_input(key="delete-reason").input(REASON)
    at.text_input(key="delete-confirm").input(TO_DELETE)
    probe.reset()
    press(at, "Delete calendar user")
    assert f"Deleted calendar user {TO_DELETE}." in flash(at)
    assert probe.writes() == {"user_delete": 1}
    assert not probe.listed(TO_DELETE)
    assert probe.user_count() == count - 1
    # The view ends with the user; nothing reads (and so recreates) the deleted id afterwards.
    assert "Meetings" not in [t.label for t in at.tabs]
    at.run()
    go_to_account(at, TO_DELETE)
    assert "is not a calendar user of this workspace" in texts(at)
    assert "authenticate" not in probe.requests()
    assert probe.user_count() == count - 1

    events = audit_events(data_dir, action="user.delete")
    assert [(e.outcome.value, e.error_class) for e in events] == [
        ("failed", "ConfirmationMismatchError"),
        ("attempt", None),
        ("ok", None),
    ]
    assert events[-1].before == {"deleted": False}
    assert events[-1].after == {"deleted": True}
    [end] = audit_events(data_dir, action="view_as.end")
    assert end.after == {"ended_because": "calendar user deleted"}


def test_editor_resync_and_connection_link_are_audited_without_the_token(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, "nw-000005")

    at.text_input(key="refresh-reason").input(REASON)
    press(at, "Resync now")
    listed = len(probe.client.list_meetings("nw-000005"))
    assert f"Resynced: Recall now lists {listed} meetings." in flash(at)
    assert probe.writes() == {"meetings_refresh": 1}
    [refresh] = audit_events(data_dir, action="meetings.refresh", outcome="ok")
    assert refresh.after == {"meetings": listed}

    at.text_input(key="connection-link-reason").input(REASON)
    press(at, "Build link")
    [link] = [c.value for c in at.code]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(f"{probe.base_url}/_sandbox/oauth/google/authorize?")
    assert query["client_id"] == ["sandbox-google-client"]
    token = json.loads(query["state"][0])["recall_calendar_auth_token"]
    assert len(token) > 20
    [created] = audit_events(data_dir, action="connection_link.create", outcome="ok")
    assert created.after == {"platform": "google"}
    # The link carries the user's calendar token; the audit log never does.
    everything = json.dumps([e.model_dump(mode="json") for e in audit_events(data_dir)])
    assert token not in everything
    assert "recall_calendar_auth_token" not in everything
