"""Writes from the account page: overrides and preferences (diff, reason, conflicts, audit),
and what a viewer cannot do however the edit state is crafted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from lib.autorecord import PREFERENCE_KEYS
from lib.staff import Role
from tests import sandbox_variant
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

USER = "nw-000005"
PREFS_EDITOR = f"prefs-editor-{USER}-(keep current values)-0"


def meetings_editor_key(user_id: str = USER, generation: int = 0) -> str:
    return f"meetings-editor-{user_id}-{generation}"


def seed_edits(at, key: str, edited_rows: dict) -> None:
    """What the browser sends after cells are edited, set before the next run."""
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}


def editable_rows(at, count: int, user_id: str = USER) -> list[tuple[int, str]]:
    """(row position, meeting id) of upcoming meetings with a link and no override yet."""
    frame = at.data_editor(key=meetings_editor_key(user_id)).value
    soon = datetime.now(UTC) + timedelta(hours=1)
    picked = [
        (position, str(meeting_id))
        for position, (meeting_id, row) in enumerate(frame.iterrows())
        if row["override"] == "Auto"
        and isinstance(row["join_url"], str)
        and pd.Timestamp(row["start"]) > soon
    ]
    assert len(picked) >= count, "the seeded calendar has upcoming meetings with links"
    return picked[:count]


def frame_with(at, column: str) -> pd.DataFrame:
    """The one read-only table on the page that has ``column``."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def flash(at) -> str:
    """Success and warning messages as a reader sees them."""
    return "\n".join(unescape(e.value) for group in (at.success, at.warning) for e in group)


def set_reason(at, prefix: str, reason: str, ticket: str = "") -> None:
    at.text_input(key=f"{prefix}-reason").input(reason)
    if ticket:
        at.text_input(key=f"{prefix}-ticket").input(ticket)


# -- overrides ------------------------------------------------------------------------------------


def test_override_change_is_shown_as_a_diff_and_saved_with_a_reason(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    [(row, meeting_id)] = editable_rows(at, 1)
    title = probe.client.get_meeting(USER, meeting_id).title
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is None

    seed_edits(at, meetings_editor_key(), {row: {"override": "Always"}})
    at.run()
    assert "**1 override change(s) to save**" in texts(at)
    diff = frame_with(at, "To")
    assert diff[["Meeting", "From", "To"]].to_dict("records") == [
        {"Meeting": title, "From": "Auto", "To": "Always"}
    ]
    assert probe.writes() == {}, "an edit alone writes nothing"

    # No reason: refused in words, nothing sent, the attempt on record.
    save_overrides(at)
    assert "Give a reason" in texts(at)
    assert probe.writes() == {}
    assert "**1 override change(s) to save**" in texts(at), "the edit is kept"

    set_reason(at, "overrides", REASON, ticket="SUP-9")
    save_overrides(at)
    assert "Saved 1 override(s); Recall now records 1 of them." in flash(at)
    assert probe.writes() == {"meeting_update": 1}
    saved = probe.client.get_meeting(USER, meeting_id)
    assert saved.override_should_record is True
    assert saved.will_record is True
    # The page shows Recall's new value in a fresh editor, with nothing pending.
    shown = at.data_editor(key=meetings_editor_key(generation=1)).value
    assert shown.loc[meeting_id, "override"] == "Always"
    assert "override change(s) to save" not in texts(at)

    events = audit_events(data_dir, action="meeting.override")
    assert actions_of(events) == [
        ("meeting.override", "failed"),
        ("meeting.override", "attempt"),
        ("meeting.override", "ok"),
    ]
    assert events[0].error_class == "ReasonRequiredError"
    ok = events[-1]
    assert (ok.user_id, ok.target, ok.reason, ok.ticket) == (USER, meeting_id, REASON, "SUP-9")
    assert ok.before == {"override_should_record": None}
    assert ok.after["override_should_record"] is True
    assert ok.after["will_record"] is True

    # The Activity tab: one row per action, the refusal says why in words, the meeting is named.
    activity = frame_with(at, "Action")
    overrides = activity[activity["Action"] == "Change a meeting's override"]
    assert list(overrides["Outcome"]) == ["Done", "Refused: no reason was given"]
    done = overrides.iloc[0]
    assert done["What changed"].startswith("override: Auto -> Always")
    assert saved.title and saved.title in done["Target"]
    assert "Open the account" in set(activity["Action"])


def test_override_changed_behind_the_page_is_a_conflict_and_not_overwritten(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    (row_a, meeting_a), (row_b, meeting_b) = editable_rows(at, 2)
    seed_edits(
        at, meetings_editor_key(), {row_a: {"override": "Always"}, row_b: {"override": "Never"}}
    )
    at.run()
    assert "**2 override change(s) to save**" in texts(at)

    # Someone else sets meeting A to Never between load and save.
    probe.client.update_meeting(USER, meeting_a, False)
    probe.reset()
    set_reason(at, "overrides", REASON)
    save_overrides(at)

    message = flash(at)
    # Part of the save did not happen: a warning, not a success.
    assert not at.success
    assert "Saved 1 override(s)" in message
    assert "was not set when you loaded the page but is now off" in message
    assert "your change to on was not applied" in message
    # Only B was written; A keeps the other person's value.
    assert probe.writes() == {"meeting_update": 1}
    assert probe.client.get_meeting(USER, meeting_a).override_should_record is False
    assert probe.client.get_meeting(USER, meeting_b).override_should_record is False
    shown = at.data_editor(key=meetings_editor_key(generation=1)).value
    assert shown.loc[meeting_a, "override"] == "Never"

    by_target = {}
    for event in audit_events(data_dir, action="meeting.override"):
        by_target.setdefault(event.target, []).append(event)
    assert [(e.outcome.value, e.error_class) for e in by_target[meeting_a]] == [
        ("failed", "ConflictError")
    ]
    conflict = by_target[meeting_a][0]
    assert conflict.before == {"override_should_record": False}
    assert conflict.after == {"override_should_record": True}
    assert [e.outcome.value for e in by_target[meeting_b]] == ["attempt", "ok"]


def test_discard_drops_pending_overrides(console_app, app_sandbox):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    [(row, _)] = editable_rows(at, 1)
    seed_edits(at, meetings_editor_key(), {row: {"override": "Never"}})
    at.run()
    click(at, "Discard changes")
    assert "override change(s) to save" not in texts(at)
    at.run()
    assert "override change(s) to save" not in texts(at)
    assert probe.writes() == {}


def test_pending_override_survives_a_filter_change(console_app, app_sandbox):
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    [(row, meeting_id)] = editable_rows(at, 1)
    seed_edits(at, meetings_editor_key(), {row: {"override": "Never"}})
    at.run()
    title = frame_with(at, "To")["Meeting"].iloc[0]
    # A search that hides the edited meeting keeps the edit, and saving still applies it.
    at.text_input(key="meetings-search").input("no meeting has this title").run()
    assert "**1 override change(s) to save**" in texts(at)
    assert list(frame_with(at, "To")["Meeting"]) == [title]
    set_reason(at, "overrides", REASON)
    save_overrides(at)
    probe = SandboxProbe(app_sandbox)
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is False


# -- preferences ----------------------------------------------------------------------------------


def _recording(probe: SandboxProbe, user_id: str) -> dict[str, bool]:
    """Recall's will_record for each meeting that has not ended."""
    now = datetime.now(UTC)
    return {
        m.id: m.will_record
        for m in probe.client.list_meetings(user_id)
        if m.end_time is None or m.end_time > now
    }


def test_preference_change_shows_diff_and_effect_then_saves(console_app, app_sandbox, data_dir):
    if sandbox_variant.active().get("base_preferences") == "all":
        # The promised effect follows the documented presets (base preferences OR-ed); a Recall
        # that ANDs them records none of this user's meetings, which the console reports as a
        # disagreement instead (tests/app/test_switch_disagreements.py).
        pytest.skip("the effect is predicted under the OR reading")
    probe = SandboxProbe(app_sandbox)
    loaded = probe.client.get_user(USER).preferences
    # The seeded user records all meetings; the "only meetings I host" filter stops some.
    flag = "record_only_host"
    assert getattr(loaded, flag) is False
    before = _recording(probe, USER)

    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    seed_edits(at, PREFS_EDITOR, {PREFERENCE_KEYS.index(flag): {"new": True}})
    at.text_input(key=f"prefs-bot-name-{USER}-0").input("Support Notetaker")
    at.run()
    assert not at.exception
    diff = frame_with(at, "Preference")
    assert diff.to_dict("records") == [
        {"Preference": flag, "Now": "off", "New": "on"},
        {"Preference": "bot_name", "Now": loaded.bot_name, "New": "Support Notetaker"},
    ]
    effect = next(m.value for m in at.markdown if m.value.startswith("Effect on upcoming"))
    assert probe.writes() == {}

    set_reason(at, "prefs", REASON)
    click(at, "Save preferences")
    assert probe.writes() == {"user_update": 1}
    saved = probe.client.get_user(USER).preferences
    assert getattr(saved, flag) is True and saved.bot_name == "Support Notetaker"
    # The effect promised before saving is what Recall now does.
    after = _recording(probe, USER)
    starts = sum(1 for m, rec in after.items() if rec and not before.get(m, False))
    stops = sum(1 for m, rec in after.items() if not rec and before.get(m, False))
    assert stops > 0, "the user is a guest in some upcoming meetings"
    assert effect == (
        f"Effect on upcoming meetings: **{starts}** start being recorded, "
        f"**{stops}** stop (overrides still win)."
    )
    assert f"Preferences saved: {starts} upcoming meeting(s) start being recorded" in flash(at)
    # The page now shows the saved values and nothing pending.
    assert "Change to save" not in texts(at)
    assert at.metric[4].value == "Support Notetaker"

    [ok] = audit_events(data_dir, action="preferences.update", outcome="ok")
    # All six flags are on record, as read before and as read back after.
    assert ok.before == {**loaded.flags(), "bot_name": loaded.bot_name}
    assert ok.after == {**loaded.flags(), flag: True, "bot_name": "Support Notetaker"}
    assert ok.reason == REASON


def test_preset_selection_fills_the_new_column(console_app, app_sandbox):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    at.selectbox(key=f"prefs-preset-{USER}-0").set_value("only meetings I host").run()
    diff = frame_with(at, "Preference")
    loaded = probe.client.get_user(USER).preferences.flags()
    # The documented preset: external and internal meetings, only those the user hosts.
    wanted = {"record_external", "record_internal", "record_only_host"}
    on_off = {True: "on", False: "off"}
    expected = [
        {"Preference": key, "Now": on_off[loaded[key]], "New": on_off[key in wanted]}
        for key in PREFERENCE_KEYS
        if loaded[key] != (key in wanted)
    ]
    assert expected, "the seeded user is not already on this preset"
    assert diff.sort_values("Preference").to_dict("records") == sorted(
        expected, key=lambda r: r["Preference"]
    )


def test_preference_changed_behind_the_page_is_a_conflict(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    flag = "record_recurring"
    assert probe.client.get_user(USER).preferences.record_recurring is False
    seed_edits(at, PREFS_EDITOR, {PREFERENCE_KEYS.index(flag): {"new": True}})
    at.run()
    probe.client.update_preferences(USER, {flag: True, "record_confirmed": True})
    probe.reset()
    set_reason(at, "prefs", REASON)
    click(at, "Save preferences")
    assert "was off when you loaded the page but is now on" in "\n".join(e.value for e in at.error)
    assert probe.writes() == {}
    # The other person's change stands.
    assert probe.client.get_user(USER).preferences.record_confirmed is True
    [failed] = audit_events(data_dir, action="preferences.update")
    assert (failed.outcome.value, failed.error_class) == ("failed", "ConflictError")
    assert failed.before == {flag: True}


def test_empty_bot_name_is_refused(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    at.text_input(key=f"prefs-bot-name-{USER}-0").input("   ").run()
    set_reason(at, "prefs", REASON)
    click(at, "Save preferences")
    assert "bot name cannot be empty" in "\n".join(e.value for e in at.error)
    assert probe.writes() == {}


# -- a viewer cannot write ------------------------------------------------------------------------


def test_viewer_with_crafted_edits_gets_no_save_and_sends_no_write(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.VIEWER).run()
    open_account(at, USER)
    # Read-only in the browser: every meetings column and the whole preferences table.
    meetings = at.data_editor(key=meetings_editor_key())
    columns = json.loads(meetings.proto.columns)
    assert all(config.get("disabled") for name, config in columns.items() if name != "_index")
    assert at.data_editor(key=PREFS_EDITOR).proto.disabled
    assert at.text_input(key=f"prefs-bot-name-{USER}-0").disabled

    probe.reset()
    seed_edits(at, meetings_editor_key(), {0: {"override": "Always"}, 1: {"override": "Never"}})
    seed_edits(at, PREFS_EDITOR, {i: {"new": True} for i in range(len(PREFERENCE_KEYS))})
    at.session_state[f"prefs-bot-name-{USER}-0"] = "Crafted"
    at.run()
    assert not at.exception
    labels = button_labels(at)
    for label in ["Save overrides", "Save preferences", "Disconnect", "Delete calendar user"]:
        assert label not in labels
    for label in ["Build link", "Resync now"]:
        assert label not in labels
    assert "to save" not in texts(at)
    assert probe.writes() == {}
    assert "authenticate" not in probe.requests()
    assert [e.action for e in audit_events(data_dir)] == ["view_as.start"]


def test_editor_may_change_only_the_override_and_new_columns(console_app, app_sandbox):
    probe = SandboxProbe(app_sandbox)
    at = console_app(Role.EDITOR).run()
    open_account(at, USER)
    columns = json.loads(at.data_editor(key=meetings_editor_key()).proto.columns)
    editable = {n for n, c in columns.items() if n != "_index" and not c.get("disabled")}
    assert editable == {"override"}
    prefs = json.loads(at.data_editor(key=PREFS_EDITOR).proto.columns)
    assert {n for n, c in prefs.items() if not c.get("disabled")} == {"new"}

    # Edits crafted for the locked columns change nothing.
    seed_edits(
        at,
        meetings_editor_key(),
        {0: {"title": "renamed", "recall_will_record": True}, 1: {"override": "Sometimes"}},
    )
    seed_edits(at, PREFS_EDITOR, {0: {"current": True, "meaning": "x"}, 1: {"new": "yes"}})
    at.run()
    assert not at.exception
    assert "to save" not in texts(at)
    assert "Save overrides" not in button_labels(at)
    assert "Save preferences" not in button_labels(at)
    assert probe.writes() == {}


def test_admin_sees_the_save_controls_too(console_app):
    at = console_app(Role.ADMIN).run()
    open_account(at, USER)
    [(row, _)] = editable_rows(at, 1)
    seed_edits(at, meetings_editor_key(), {row: {"override": "Never"}})
    seed_edits(at, PREFS_EDITOR, {PREFERENCE_KEYS.index("record_recurring"): {"new": True}})
    at.run()
    assert {"Save overrides", "Save preferences"} <= set(button_labels(at))
