"""lib/override_save.py: a save on its own thread always ends in words, even when it crashes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from lib.actions import Actions, OverrideChange
from lib.audit import AuditStore
from lib.override_save import OverrideSave
from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox
from lib.staff import Role, StaffMember
from tests.audit_key import TEST_AUDIT_KEY

EDITOR = StaffMember("ed@corp.example", "Ed", Role.EDITOR, "local", datetime.now(UTC))


@pytest.fixture
def setup(make_sandbox: Callable[..., RunningSandbox], tmp_path):
    running = make_sandbox(users=4, heavy_user_meetings=0)
    client = RecallClient(running.base_url, running.api_key)
    audit = AuditStore(f"sqlite:///{tmp_path / 'console.db'}", key=TEST_AUDIT_KEY)
    user_id = sorted(u.external_id for u in running.state.workspace.users())[0]
    meeting = client.list_meetings(user_id)[0]
    actions = Actions(staff=EDITOR, client=client, audit=audit, user_exists=lambda _: True)
    yield actions, user_id, meeting
    client.close()
    audit.close()


def test_a_crash_mid_save_is_reported_as_unknown_with_recall_read_again(setup, monkeypatch):
    actions, user_id, meeting = setup

    def crash(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(actions, "set_overrides", crash)
    change = OverrideChange(meeting.id, meeting.override_should_record, True)
    save = OverrideSave(actions, user_id, [change], reason="Customer asked", ticket=None).start()
    assert save.wait(30)
    result = save.result()
    assert result.warning and not result.keep_edits
    assert "outcome of the save is unknown (RuntimeError)" in result.message
    assert "database went away" not in result.message  # internals stay in the log
    label = {None: "Auto", True: "Always", False: "Never"}[meeting.override_should_record]
    assert f"{meeting.title or meeting.id}: {label}" in result.message


def test_a_save_that_works_says_so(setup):
    actions, user_id, meeting = setup
    wanted = meeting.override_should_record is not True
    change = OverrideChange(meeting.id, meeting.override_should_record, wanted)
    save = OverrideSave(actions, user_id, [change], reason="Customer asked", ticket=None)
    assert not save.done
    with pytest.raises(RuntimeError):
        save.result()
    assert save.start().wait(30)
    assert save.result().message.startswith("Saved 1 override(s)")
    assert not save.result().warning
