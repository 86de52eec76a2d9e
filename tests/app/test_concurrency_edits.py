"""Two staff members editing the same account at once, in two sessions of one console process
(so they share its caches, as two browser tabs on one server do): on the account page and in
the directory's side-by-side table.

Both load the account and make their edit; A saves, then B saves. B must be shown a conflict
for anything A changed under B's edit, never overwrite it silently; the sandbox keeps A's value
and the audit log has B's refused attempt. Edits to different fields both apply.
"""

from __future__ import annotations

from lib.autorecord import PREFERENCE_KEYS
from lib.staff import Role
from lib.ui.directory_prefs import KEY_DIR_SAVE, editor_key
from lib.ui.state import SK_DIR_PREFS_REASON
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    audit_events,
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
    flash,
    meetings_editor_key,
    seed_edits,
    set_reason,
)

BOT_NAME_INPUT = f"prefs-bot-name-{USER}-0"
ALICE = "editor@console.example"
BOB = "admin@console.example"


def two_sessions(console_app):
    """A (an editor) and B (an admin), both with the account open."""
    a = open_account(console_app(Role.EDITOR).run(), USER)
    b = open_account(console_app(Role.ADMIN).run(), USER)
    return a, b


def errors(at) -> str:
    return "\n".join(unescape(e.value) for e in at.error)


def test_same_preference_second_save_is_a_conflict(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    original = probe.client.get_user(USER).preferences.bot_name
    a, b = two_sessions(console_app)
    a.text_input(key=BOT_NAME_INPUT).input("Alpha Notetaker").run()
    b.text_input(key=BOT_NAME_INPUT).input("Bravo Notetaker").run()
    assert "Change to save" in texts(a) and "Change to save" in texts(b)

    set_reason(a, "prefs", REASON)
    click(a, "Save preferences")
    assert "Preferences saved" in flash(a)
    set_reason(b, "prefs", REASON)
    click(b, "Save preferences")

    assert (
        f"bot_name of this user's preferences was {original!r} when you loaded the page but "
        "is now 'Alpha Notetaker'; your change to 'Bravo Notetaker' was not applied"
    ) in errors(b)
    assert "Preferences saved" not in flash(b)
    assert probe.client.get_user(USER).preferences.bot_name == "Alpha Notetaker"

    events = audit_events(data_dir, action="preferences.update")
    assert [(e.actor_email, e.outcome.value) for e in events] == [
        (ALICE, "attempt"),
        (ALICE, "ok"),
        (BOB, "failed"),
    ]
    refused = events[-1]
    assert refused.error_class == "ConflictError"
    assert refused.before == {"bot_name": "Alpha Notetaker"}
    assert refused.after == {"bot_name": "Bravo Notetaker"}

    # B's edit is kept, now shown against A's value; saving it again is B's decision to make.
    b.run()
    diff = next(d.value for d in b.dataframe if "Preference" in d.value.columns)
    assert diff.to_dict("records") == [
        {"Preference": "bot_name", "Now": "Alpha Notetaker", "New": "Bravo Notetaker"}
    ]
    click(b, "Save preferences")
    assert "Preferences saved" in flash(b)
    assert probe.client.get_user(USER).preferences.bot_name == "Bravo Notetaker"


def test_an_untouched_editor_follows_a_change_saved_elsewhere(console_app, app_sandbox):
    a, b = two_sessions(console_app)
    a.text_input(key=BOT_NAME_INPUT).input("Alpha Notetaker").run()
    set_reason(a, "prefs", REASON)
    click(a, "Save preferences")

    click(b, "Reload")
    # B edited nothing, so B's form shows Recall's new name and offers nothing to save (an
    # old name left in the box would read as a change back).
    [name_box] = [t for t in b.text_input if t.label == "Bot name"]
    assert name_box.value == "Alpha Notetaker"
    assert "Change to save" not in texts(b)


def test_different_preferences_both_apply_and_neither_is_reverted(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    before = probe.client.get_user(USER).preferences
    assert before.record_recurring is False
    a, b = two_sessions(console_app)
    a.text_input(key=BOT_NAME_INPUT).input("Alpha Notetaker").run()
    seed_edits(b, PREFS_EDITOR, {PREFERENCE_KEYS.index("record_recurring"): {"new": True}})
    b.run()

    set_reason(a, "prefs", REASON)
    click(a, "Save preferences")
    set_reason(b, "prefs", REASON)
    click(b, "Save preferences")

    assert "Preferences saved" in flash(b), errors(b)
    after = probe.client.get_user(USER).preferences
    # B did not change the bot name, so did not send it: A's bot name stands.
    assert after.bot_name == "Alpha Notetaker"
    assert after.record_recurring is True
    ok = audit_events(data_dir, action="preferences.update", outcome="ok")
    # Each sent all six flags as re-read just before its save; only A changed the bot name.
    assert [(e.actor_email, e.after.get("bot_name"), e.after["record_recurring"]) for e in ok] == [
        (ALICE, "Alpha Notetaker", False),
        (BOB, None, True),
    ]
    # B's page now shows both changes, with nothing left to save.
    assert "Change to save" not in texts(b)
    assert next(m for m in b.metric if m.label == "Bot name").value == "Alpha Notetaker"


def test_same_meeting_override_second_save_is_a_conflict(console_app, app_sandbox, data_dir):
    probe = SandboxProbe(app_sandbox)
    a, b = two_sessions(console_app)
    [(row, meeting_id)] = editable_rows(a, 1)
    seed_edits(a, meetings_editor_key(), {row: {"override": "Always"}})
    a.run()
    seed_edits(b, meetings_editor_key(), {row: {"override": "Never"}})
    b.run()
    assert "**1 override change(s) to save**" in texts(a)
    assert "**1 override change(s) to save**" in texts(b)

    set_reason(a, "overrides", REASON)
    save_overrides(a)
    assert "Saved 1 override(s)" in flash(a)
    set_reason(b, "overrides", REASON)
    save_overrides(b)

    message = flash(b)
    assert "was not set when you loaded the page but is now on" in message
    assert "your change to off was not applied" in message
    assert not any("was not applied" in s.value for s in b.success)
    assert probe.client.get_meeting(USER, meeting_id).override_should_record is True
    # B's page shows the override Recall holds now.
    assert b.data_editor(key=meetings_editor_key(generation=1)).value.loc[
        meeting_id, "override"
    ] == ("Always")

    events = audit_events(data_dir, action="meeting.override")
    assert [(e.actor_email, e.outcome.value, e.error_class) for e in events] == [
        (ALICE, "attempt", None),
        (ALICE, "ok", None),
        (BOB, "failed", "ConflictError"),
    ]
    assert events[-1].target == meeting_id
    assert events[-1].before == {"override_should_record": True}
    assert events[-1].after == {"override_should_record": False}


# -- the directory's side-by-side table ------------------------------------------------------------


def test_same_user_in_the_directory_table_second_save_is_a_conflict(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    a = console_app(Role.EDITOR).run()  # the directory is the default page
    b = console_app(Role.ADMIN).run()
    row = 0
    user_id = str(a.data_editor[0].value.index[row])
    assert str(b.data_editor[0].value.index[row]) == user_id
    original = probe.client.get_user(user_id).preferences.bot_name
    for at, name in ((a, "Alpha Notetaker"), (b, "Bravo Notetaker")):
        at.session_state[editor_key(0)] = {
            "edited_rows": {row: {"bot_name": name}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        assert "Unsaved changes for 1 user" in unescape(texts(at))

    for at in (a, b):
        next(t for t in at.text_input if (t.key or "").startswith(SK_DIR_PREFS_REASON)).input(
            REASON
        )
        at.button(key=KEY_DIR_SAVE).click().run()
        assert not at.exception

    assert f"{user_id}" in unescape(texts(b)) and "was not changed" in unescape(texts(b))
    assert f"was {original!r} when you loaded the page but is now 'Alpha Notetaker'" in (
        unescape(texts(b))
    )
    assert probe.client.get_user(user_id).preferences.bot_name == "Alpha Notetaker"
    events = audit_events(data_dir, action="preferences.update")
    assert [(e.actor_email, e.outcome.value, e.error_class) for e in events] == [
        (ALICE, "attempt", None),
        (ALICE, "ok", None),
        (BOB, "failed", "ConflictError"),
    ]

    # The edit stays, now compared with A's value; saving it again is B's explicit decision.
    b.run()
    diff = next(d.value for d in b.dataframe if "field" in d.value.columns)
    assert diff[["field", "before", "after"]].to_dict("records") == [
        {"field": "Bot name", "before": "Alpha Notetaker", "after": "Bravo Notetaker"}
    ]
    b.button(key=KEY_DIR_SAVE).click().run()
    assert probe.client.get_user(user_id).preferences.bot_name == "Bravo Notetaker"
