"""Preferences side by side on the directory: editors change them through the diff, a reason and
the audit trail, one user at a time; viewers see them read-only however the state is crafted."""

from __future__ import annotations

import re

import httpx
import pytest

from lib.actions import Actions, PermissionDeniedError
from lib.audit import AuditStore, Outcome
from lib.audit.keys import sandbox_key
from lib.recall import RecallClient
from lib.recall.models import PREFERENCE_FLAGS
from lib.staff import Role
from lib.ui.directory_prefs import KEY_DIR_DISCARD, KEY_DIR_SAVE, editor_key
from lib.ui.state import SK_DIR_PREFS_REASON, SK_DIR_QUERY
from tests.app.conftest import STAFF
from tests.audit_key import TEST_AUDIT_KEY

PAGE = "pages/directory.py"


def open_directory(console_app, role: Role):
    at = console_app(role).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def seed_edits(at, edited_rows: dict, generation: int = 0):
    at.session_state[editor_key(generation)] = {
        "edited_rows": edited_rows,
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    return at


def editor_ids(at) -> list[str]:
    return [str(uid) for uid in at.data_editor[0].value.index]


def prefs_of(sandbox, uid: str) -> dict:
    return sandbox.state.workspace.by_external_id(uid).preferences()


def stats(sandbox) -> dict:
    return httpx.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()["by_endpoint"]


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.info] + [w.value for w in at.warning] + [e.value for e in at.error]
    )
    parts += [s.value for s in at.success]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def reason_input(at):
    return next(t for t in at.text_input if (t.key or "").startswith(SK_DIR_PREFS_REASON))


def audit(data_dir) -> AuditStore:
    return AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir))


def test_editor_changes_two_users_with_a_reason_and_each_is_audited(
    console_app, app_sandbox, data_dir
):
    at = open_directory(console_app, Role.EDITOR)
    first, second, third = editor_ids(at)[:3]
    before = {uid: prefs_of(app_sandbox, uid) for uid in (first, second, third)}
    seed_edits(
        at,
        {
            0: {"record_external": not before[first]["record_external"]},
            1: {"bot_name": "  Acme Notes  ", "preferences": "crafted preset"},
            2: {"record_internal": before[third]["record_internal"]},  # same value: no change
        },
    )
    shown = texts(at)
    assert "Unsaved changes for 2 users" in shown
    assert "'preferences' of" in shown and "cannot be edited here" in shown
    diff = next(
        df.value for df in at.dataframe if list(df.value.columns)[:2] == ["user_id", "field"]
    )
    assert sorted(diff["user_id"]) == sorted([first, second])
    # Edits alone write nothing, however often the page reruns.
    at.run()
    at.run()
    assert stats(app_sandbox)["user_update"] == 0
    assert prefs_of(app_sandbox, first) == before[first]
    # Paging or searching would drop the edits, so those controls wait for Save or Discard.
    assert at.text_input(key=SK_DIR_QUERY).disabled

    reason_input(at).input("Customer asked by email (ticket 77)").run()
    at.button(key=KEY_DIR_SAVE).click().run()
    assert not at.exception

    assert prefs_of(app_sandbox, first) == {
        **before[first],
        "record_external": not before[first]["record_external"],
    }
    assert prefs_of(app_sandbox, second) == {**before[second], "bot_name": "Acme Notes"}
    assert prefs_of(app_sandbox, third) == before[third]
    assert stats(app_sandbox)["user_update"] == 2
    assert "Saved preferences for" in texts(at)
    # A fresh, unlocked editor showing the saved values.
    assert not at.text_input(key=SK_DIR_QUERY).disabled
    assert KEY_DIR_SAVE not in [b.key for b in at.button]
    table = at.data_editor[0].value
    assert bool(table.loc[first, "record_external"]) is (not before[first]["record_external"])
    assert table.loc[second, "bot_name"] == "Acme Notes"

    with audit(data_dir) as store:
        for uid, field, old, new in (
            (
                first,
                "record_external",
                before[first]["record_external"],
                not before[first]["record_external"],
            ),
            (second, "bot_name", before[second]["bot_name"], "Acme Notes"),
        ):
            events = store.query(action="preferences.update", user_id=uid, newest_first=False)
            assert [e.outcome for e in events] == [Outcome.ATTEMPT, Outcome.OK]
            # All six flags are on record; the changed field among them.
            assert events[-1].before[field] == old
            assert events[-1].after[field] == new
            assert {k for k in events[-1].after if k.startswith("record_")} == set(PREFERENCE_FLAGS)
            unchanged = set(PREFERENCE_FLAGS) - {field}
            assert {k: events[-1].after[k] for k in unchanged} == {
                k: before[uid][k] for k in unchanged
            }
            assert events[-1].reason == "Customer asked by email (ticket 77)"
            assert events[-1].actor_email == "editor@console.example"
        assert store.query(action="preferences.update", user_id=third) == []
        assert store.verify().ok


def test_save_without_a_reason_writes_nothing(console_app, app_sandbox, data_dir):
    at = open_directory(console_app, Role.EDITOR)
    uid = editor_ids(at)[0]
    before = prefs_of(app_sandbox, uid)
    seed_edits(at, {0: {"record_recurring": not before["record_recurring"]}})
    at.button(key=KEY_DIR_SAVE).click().run()
    assert "reason of at least" in texts(at)
    assert prefs_of(app_sandbox, uid) == before
    assert stats(app_sandbox)["user_update"] == 0
    with audit(data_dir) as store:
        assert store.query(action="preferences.update") == []


def test_a_conflicting_change_is_refused_and_the_rest_still_applies(
    console_app, app_sandbox, data_dir
):
    at = open_directory(console_app, Role.EDITOR)
    first, second = editor_ids(at)[:2]
    seed_edits(at, {0: {"bot_name": "Staff choice"}, 1: {"bot_name": "Second choice"}})
    # Someone else renames the first user's bot after the page loaded it.
    workspace = app_sandbox.state.workspace
    workspace.update_user(workspace.by_external_id(first), bot_name="Changed meanwhile")

    reason_input(at).input("Renaming bots for the customer").run()
    at.button(key=KEY_DIR_SAVE).click().run()
    assert not at.exception
    assert prefs_of(app_sandbox, first)["bot_name"] == "Changed meanwhile"
    assert prefs_of(app_sandbox, second)["bot_name"] == "Second choice"
    shown = texts(at)
    assert f"`{first}` was not changed" in shown and "Changed meanwhile" in shown
    with audit(data_dir) as store:
        failed = store.query(action="preferences.update", user_id=first)
        assert [(e.outcome, e.error_class) for e in failed] == [(Outcome.FAILED, "ConflictError")]

    # The refused edit stays, now compared with the value Recall holds; saving again applies it.
    assert "Unsaved changes for 1 user" in texts(at)
    reason_input(at).input("Renaming bots for the customer, again").run()
    at.button(key=KEY_DIR_SAVE).click().run()
    assert prefs_of(app_sandbox, first)["bot_name"] == "Staff choice"
    with audit(data_dir) as store:
        last = store.query(action="preferences.update", user_id=first)[0]
        assert last.outcome == Outcome.OK
        assert last.before["bot_name"] == "Changed meanwhile"


def test_edit_state_naming_unknown_columns_is_discarded_without_a_traceback(
    console_app, app_sandbox
):
    at = open_directory(console_app, Role.EDITOR)
    seed_edits(at, {0: {"recall_id": "crafted-id", "record_external": True}})
    assert not at.exception
    assert "did not match its columns" in texts(at)
    assert KEY_DIR_SAVE not in [b.key for b in at.button]
    assert not at.text_input(key=SK_DIR_QUERY).disabled
    assert stats(app_sandbox)["user_update"] == 0


def test_discard_drops_the_edits_and_unlocks_the_search(console_app, app_sandbox):
    at = open_directory(console_app, Role.ADMIN)
    seed_edits(at, {0: {"record_non_host": True}, 3: {"bot_name": "Temp"}})
    assert at.text_input(key=SK_DIR_QUERY).disabled
    at.button(key=KEY_DIR_DISCARD).click().run()
    assert not at.text_input(key=SK_DIR_QUERY).disabled
    assert KEY_DIR_SAVE not in [b.key for b in at.button]
    assert "Unsaved changes" not in texts(at)
    assert stats(app_sandbox)["user_update"] == 0


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ({"bot_name": "   "}, "cannot be empty"),
        ({"bot_name": "x" * 101}, "under 100 characters"),
        ({"record_external": "yes"}, "must be on or off"),
    ],
)
def test_invalid_cell_values_are_refused_in_words(console_app, app_sandbox, edit, problem):
    at = open_directory(console_app, Role.EDITOR)
    seed_edits(at, {0: edit})
    assert problem in texts(at)
    assert KEY_DIR_SAVE not in [b.key for b in at.button]
    assert stats(app_sandbox)["user_update"] == 0


def test_viewer_sees_preferences_read_only_even_with_crafted_editor_state(
    console_app, app_sandbox, data_dir
):
    at = open_directory(console_app, Role.VIEWER)
    assert not at.data_editor
    uid = str(at.dataframe[-1].value.index[0])
    before = prefs_of(app_sandbox, uid)
    seed_edits(at, {0: {"record_external": not before["record_external"], "bot_name": "Hacked"}})
    for _ in range(2):
        at.run()
        assert not at.exception
        assert not at.data_editor
        assert KEY_DIR_SAVE not in [b.key for b in at.button]
        assert "Unsaved changes" not in texts(at)
        assert not at.text_input(key=SK_DIR_QUERY).disabled
    assert "Read-only: your role can compare preferences" in texts(at)
    assert prefs_of(app_sandbox, uid) == before
    assert stats(app_sandbox)["user_update"] == 0
    with audit(data_dir) as store:
        assert store.query(action="preferences.update") == []


def test_a_viewer_calling_the_action_layer_directly_is_refused(app_sandbox, tmp_path):
    uid = "nw-000005"
    before = prefs_of(app_sandbox, uid)
    with (
        RecallClient(app_sandbox.base_url, app_sandbox.api_key) as client,
        AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", key=TEST_AUDIT_KEY) as store,
    ):
        actions = Actions(
            staff=STAFF[Role.VIEWER], client=client, audit=store, user_exists=lambda _: True
        )
        with pytest.raises(PermissionDeniedError):
            actions.update_preferences(
                uid,
                loaded=before,
                wanted={"record_external": not before["record_external"]},
                reason="Trying without the role",
            )
        assert [(e.outcome, e.error_class) for e in store.query()] == [
            (Outcome.FAILED, "PermissionDeniedError")
        ]
    assert prefs_of(app_sandbox, uid) == before
    assert stats(app_sandbox)["user_update"] == 0
