"""An override save in flight survives the page's reruns, and its end is always shown.

Recall is slowed down (sandbox latency) so the save is still running while the page reruns, as
it does in a browser when the meetings grid sends its state again. The page must neither lose
the save (edits still pending, no message) nor send it twice.
"""

from __future__ import annotations

from lib.staff import Role
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    audit_events,
    click,
    open_account,
    saves_in_flight,
    texts,
)
from tests.app.test_account_writes import (
    USER,
    editable_rows,
    flash,
    meetings_editor_key,
    seed_edits,
    set_reason,
)
from tests.app.test_faults_helpers import faults_on_writes, set_faults

LATENCY_MS = 1500


def edit_one_override(console_app) -> tuple[object, str]:
    at = open_account(console_app(Role.EDITOR).run(), USER)
    [(row, meeting_id)] = editable_rows(at, 1)
    seed_edits(at, meetings_editor_key(), {row: {"override": "Always"}})
    at.run()
    assert "**1 override change(s) to save**" in texts(at)
    set_reason(at, "overrides", REASON)
    return at, meeting_id


def test_a_slow_save_survives_reruns_and_ends_saved(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at, meeting_id = edit_one_override(console_app)
    set_faults(app_sandbox, 0.0, latency_ms=LATENCY_MS)

    click(at, "Save overrides")
    [save] = saves_in_flight(at).values()
    # The page came back while Recall was still answering, and says so.
    assert not save.done
    assert "Saving 1 override change(s)" in texts(at)
    # The grid reruns the page twice meanwhile: the save neither vanishes nor starts again.
    at.run()
    at.run()
    assert saves_in_flight(at) == {USER: save}
    assert "Save overrides" not in [b.label for b in at.button]

    assert save.wait(60)
    set_faults(app_sandbox, 0.0)
    at.run()
    assert "Saved 1 override(s); Recall now records 1 of them." in flash(at)
    assert "override change(s) to save" not in texts(at)
    assert saves_in_flight(at) == {}
    # The message stays for the reruns that follow, not just one.
    at.run()
    assert "Saved 1 override(s)" in flash(at)
    assert probe.writes() == {"meeting_update": 1}
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is True
    outcomes = [e.outcome.value for e in audit_events(data_dir, action="meeting.override")]
    assert outcomes == ["attempt", "ok"]


def test_a_failed_slow_save_shows_the_failure_and_what_recall_holds(
    console_app, app_sandbox, data_dir, monkeypatch
):
    probe = SandboxProbe(app_sandbox)
    at, meeting_id = edit_one_override(console_app)
    faults_on_writes(monkeypatch, app_sandbox, "500")

    click(at, "Save overrides")
    at.run()  # a rerun from the grid while the save may still be running
    for save in saves_in_flight(at).values():
        assert save.wait(60)
    at.run()
    message = flash(at)
    assert f"Meeting {meeting_id}:" in message
    assert "Read again from Recall, the override is now" in message
    assert "Auto" in message.split("Read again from Recall")[1]
    assert not any("Saved" in s.value for s in at.success)
    at.run()
    assert f"Meeting {meeting_id}:" in flash(at), "the failure stays on screen"
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is None
    outcomes = [e.outcome.value for e in audit_events(data_dir, action="meeting.override")]
    assert outcomes == ["attempt", "failed"]


def test_a_save_refused_for_want_of_a_reason_keeps_the_edits_and_says_why(console_app):
    at, _meeting_id = edit_one_override(console_app)
    set_reason(at, "overrides", "")
    click(at, "Save overrides")
    for save in saves_in_flight(at).values():
        assert save.wait(60)
    at.run()
    assert "Give a reason" in flash(at)
    assert "**1 override change(s) to save**" in texts(at)
