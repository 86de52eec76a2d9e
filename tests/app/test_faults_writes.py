"""Writes from the account page when Recall fails them: all or nothing for the staff member.

A write either succeeds and is audited ``ok``, or fails, is audited ``failed`` with the value
Recall holds afterwards, and the page then shows that value. Two failures are driven: the write
is applied but its answer is lost (``drop_after_apply``), and Recall refuses it (``503``). Only
the PUT is faulted, so the reads around the write see what really happened.
"""

from __future__ import annotations

import pytest

from lib.autorecord import PREFERENCE_KEYS
from lib.staff import Role
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    actions_of,
    audit_events,
    button_labels,
    click,
    open_account,
    save_overrides,
    texts,
    unescape,
)
from tests.app.test_account_writes import (
    PREFS_EDITOR,
    USER,
    editable_rows,
    meetings_editor_key,
    seed_edits,
    set_reason,
)
from tests.app.test_faults_helpers import fast_recall, faults_on_writes

FLAG = "record_recurring"


@pytest.fixture(autouse=True)
def quick_to_give_up(monkeypatch):
    yield from fast_recall(monkeypatch)


@pytest.fixture
def write_faults(monkeypatch):
    """``write_faults(sandbox, kind)``: fail every PUT from now on, reads untouched."""
    return lambda sandbox, kind: faults_on_writes(monkeypatch, sandbox, kind)


NOT_CONFIRMED = "Recall did not confirm the change"


def shown_messages(at) -> str:
    return "\n".join(unescape(e.value) for g in (at.error, at.warning, at.success) for e in g)


def now_column(at, flag: str) -> bool:
    """The preferences table's "Now" value for ``flag`` (what the page says Recall holds)."""
    editors = [e for e in at.data_editor if "current" in e.value.columns]
    assert len(editors) == 1
    return bool(editors[0].value.loc[flag, "current"])


def edit_preference(at) -> None:
    seed_edits(at, PREFS_EDITOR, {PREFERENCE_KEYS.index(FLAG): {"new": True}})
    at.run()
    assert "Change to save" in texts(at)
    set_reason(at, "prefs", REASON)


# -- preferences ---------------------------------------------------------------------------------


def test_preference_write_applied_but_unconfirmed(console_app, app_sandbox, data_dir, write_faults):
    probe = SandboxProbe(app_sandbox)
    assert getattr(probe.client.get_user(USER).preferences, FLAG) is False
    at = open_account(console_app(Role.EDITOR).run(), USER)
    edit_preference(at)
    faults = write_faults(app_sandbox, "drop_after_apply")
    probe.reset()
    click(at, "Save preferences")

    assert NOT_CONFIRMED in shown_messages(at)
    assert "Preferences saved" not in shown_messages(at)
    # Recall applied it (every retry sent the same values, so once or five times is the same).
    assert probe.writes()["user_update"] >= 1
    assert getattr(probe.client.get_user(USER).preferences, FLAG) is True
    assert actions_of(audit_events(data_dir, action="preferences.update")) == [
        ("preferences.update", "attempt"),
        ("preferences.update", "failed"),
    ]
    failed = audit_events(data_dir, action="preferences.update")[-1]
    assert failed.error_class == "UnavailableError"
    assert failed.after[FLAG] is True, "the failure records what Recall holds afterwards"
    # The page shows Recall's value, with nothing left pending to send again.
    assert now_column(at, FLAG) is True
    assert "Change to save" not in texts(at)
    assert "Save preferences" not in button_labels(at)

    # Someone then sets a newer value; nothing on this page can send the old one over it.
    faults.active = False
    probe.client.update_preferences(USER, {FLAG: False})
    at.run()
    for label in ("Save preferences", "Save overrides"):
        assert label not in button_labels(at)
    assert getattr(probe.client.get_user(USER).preferences, FLAG) is False


def test_preference_write_refused_keeps_the_edit_and_a_retry_applies_once(
    console_app, app_sandbox, data_dir, write_faults
):
    probe = SandboxProbe(app_sandbox)
    at = open_account(console_app(Role.EDITOR).run(), USER)
    edit_preference(at)
    faults = write_faults(app_sandbox, "503")
    click(at, "Save preferences")

    assert NOT_CONFIRMED in shown_messages(at)
    assert getattr(probe.client.get_user(USER).preferences, FLAG) is False
    failed = audit_events(data_dir, action="preferences.update")[-1]
    assert (failed.outcome.value, failed.error_class) == ("failed", "UnavailableError")
    assert failed.after[FLAG] is False
    # Recall still holds the old value, so the page shows it and keeps the edit to retry.
    assert now_column(at, FLAG) is False
    assert "Change to save" in texts(at)

    faults.active = False
    probe.reset()
    click(at, "Save preferences")
    assert "Preferences saved" in shown_messages(at)
    assert probe.writes() == {"user_update": 1}
    assert getattr(probe.client.get_user(USER).preferences, FLAG) is True
    assert actions_of(audit_events(data_dir, action="preferences.update")) == [
        ("preferences.update", "attempt"),
        ("preferences.update", "failed"),
        ("preferences.update", "attempt"),
        ("preferences.update", "ok"),
    ]


# -- overrides -----------------------------------------------------------------------------------


def save_one_override(console_app, app_sandbox, write_faults, kind: str):
    at = open_account(console_app(Role.EDITOR).run(), USER)
    [(row, meeting_id)] = editable_rows(at, 1)
    seed_edits(at, meetings_editor_key(), {row: {"override": "Always"}})
    at.run()
    set_reason(at, "overrides", REASON)
    write_faults(app_sandbox, kind)
    save_overrides(at)
    return at, meeting_id


def test_override_write_applied_but_unconfirmed(console_app, app_sandbox, data_dir, write_faults):
    probe = SandboxProbe(app_sandbox)
    at, meeting_id = save_one_override(console_app, app_sandbox, write_faults, "drop_after_apply")

    message = "\n".join(unescape(w.value) for w in at.warning)
    assert f"Meeting {meeting_id}: {NOT_CONFIRMED}" in message
    assert not any("Saved" in s.value for s in at.success)
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is True
    events = audit_events(data_dir, action="meeting.override")
    assert [(e.outcome.value, e.error_class) for e in events] == [
        ("attempt", None),
        ("failed", "UnavailableError"),
    ]
    assert events[-1].after == {"override_should_record": True}
    shown = at.data_editor(key=meetings_editor_key(generation=1)).value
    assert shown.loc[meeting_id, "override"] == "Always"


def test_override_write_refused_leaves_recall_and_the_page_as_they_were(
    console_app, app_sandbox, data_dir, write_faults
):
    probe = SandboxProbe(app_sandbox)
    at, meeting_id = save_one_override(console_app, app_sandbox, write_faults, "503")

    assert NOT_CONFIRMED in "\n".join(unescape(w.value) for w in at.warning)
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is None
    events = audit_events(data_dir, action="meeting.override")
    assert [(e.outcome.value, e.error_class) for e in events] == [
        ("attempt", None),
        ("failed", "UnavailableError"),
    ]
    assert events[-1].after == {"override_should_record": None}
    shown = at.data_editor(key=meetings_editor_key(generation=1)).value
    assert shown.loc[meeting_id, "override"] == "Auto"
