"""Reading the side-by-side preference editor's state, and saving it one user at a time."""

from __future__ import annotations

import pytest

from lib.actions import Actions
from lib.audit import AuditStore, Outcome
from lib.directory import users_frame
from lib.recall import RecallClient
from lib.recall.models import PREFERENCE_FLAGS, CalendarUser
from lib.staff import Role
from lib.ui.directory_edits import (
    CollectedEdits,
    UserEdit,
    collect_edits,
    diff_rows,
    has_edits,
    preferences_table,
    save_edits,
)
from tests.app.conftest import STAFF
from tests.audit_key import TEST_AUDIT_KEY


def calendar_user(uid: str, bot_name: str | None = "Notetaker", **flags: bool) -> CalendarUser:
    return CalendarUser.model_validate(
        {"id": f"r-{uid}", "external_id": uid, "preferences": {**flags, "bot_name": bot_name}}
    )


@pytest.fixture
def table():
    return preferences_table(
        users_frame(
            [
                calendar_user("a", record_external=True),
                calendar_user("b", bot_name=None),
                calendar_user("c", record_recurring=True, record_confirmed=True),
            ]
        )
    )


def state(edited: object, added: object = (), deleted: object = ()) -> dict:
    return {"edited_rows": edited, "added_rows": list(added), "deleted_rows": list(deleted)}


def test_table_shows_each_user_by_id_with_flags_and_bot_name(table):
    assert list(table.index) == ["a", "b", "c"]
    assert set(PREFERENCE_FLAGS) | {"bot_name", "preferences"} == set(table.columns)
    assert bool(table.loc["a", "record_external"]) and not table.loc["b", "record_external"]
    assert table.loc["a", "bot_name"] == "Notetaker"
    assert table["bot_name"].isna().tolist() == [False, True, False]


def test_edits_map_row_positions_back_to_user_ids(table):
    collected = collect_edits(
        table, state({0: {"record_external": False}, "2": {"bot_name": "  Team bot "}})
    )
    assert collected.ignored == ()
    assert collected.users == ("a", "c")
    first, second = collected.edits
    assert first.loaded["record_external"] is True and first.wanted == {"record_external": False}
    assert second.wanted == {"bot_name": "Team bot"}
    assert second.loaded == {
        **{flag: False for flag in PREFERENCE_FLAGS},
        "record_recurring": True,
        "record_confirmed": True,
        "bot_name": "Notetaker",
    }
    assert first.diff() == {"record_external": (True, False)}


def test_only_the_flags_and_bot_name_are_taken(table):
    collected = collect_edits(
        table,
        state({1: {"preferences": "record all", "recall_id": "x", "record_internal": True}}),
    )
    assert collected.edits == (UserEdit("b", collected.edits[0].loaded, {"record_internal": True}),)
    assert len(collected.ignored) == 2
    assert all("cannot be edited here" in message for message in collected.ignored)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"record_external": "true"}, "must be on or off"),
        ({"record_external": 1}, "must be on or off"),
        ({"record_external": None}, "must be on or off"),
        ({"bot_name": ""}, "cannot be empty"),
        ({"bot_name": "   "}, "cannot be empty"),
        ({"bot_name": "x" * 101}, "under 100 characters"),
        ({"bot_name": "bad\x07bell"}, "control characters"),
        ({"bot_name": 42}, "must be text"),
    ],
)
def test_bad_values_are_reported_not_taken(table, change, problem):
    collected = collect_edits(table, state({0: change}))
    assert collected.edits == ()
    assert len(collected.ignored) == 1 and problem in collected.ignored[0]


@pytest.mark.parametrize("position", [3, -1, "7", "one", 1.0, True, None])
def test_rows_the_table_does_not_have_are_ignored(table, position):
    collected = collect_edits(table, state({position: {"record_external": True}}))
    assert collected.edits == ()
    assert collected.ignored


def test_unchanged_values_are_not_edits(table):
    collected = collect_edits(
        table, state({0: {"record_external": True}, 1: {"record_external": False}})
    )
    assert collected == CollectedEdits()


def test_added_and_deleted_rows_are_refused(table):
    collected = collect_edits(table, state({}, added=[{"bot_name": "new"}], deleted=[0]))
    assert collected.edits == ()
    assert len(collected.ignored) == 2


@pytest.mark.parametrize("crafted", [None, "text", [], {"edited_rows": "nope"}])
def test_unreadable_state_gives_nothing(table, crafted):
    assert collect_edits(table, crafted).edits == ()


def test_has_edits():
    assert not has_edits(None)
    assert not has_edits(state({}))
    assert has_edits(state({0: {"record_external": True}}))
    assert has_edits(state({}, deleted=[1]))


def test_diff_rows_read_plainly(table):
    collected = collect_edits(table, state({1: {"bot_name": "Hi", "record_non_host": True}}))
    rows = diff_rows(collected.edits)
    assert rows.to_dict("records") == [
        {"user_id": "b", "field": "Not host", "before": "off", "after": "on"},
        {"user_id": "b", "field": "Bot name", "before": "(not set)", "after": "Hi"},
    ]


# -- saving through the action layer against a sandbox ------------------------------------------


@pytest.fixture
def workspace(make_sandbox, tmp_path):
    sandbox = make_sandbox(seed=3, users=6)
    with (
        RecallClient(sandbox.base_url, sandbox.api_key) as client,
        AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", key=TEST_AUDIT_KEY) as store,
    ):
        frame = users_frame(client.list_users())
        yield sandbox, client, store, frame


def actions_for(role, client, store, frame) -> Actions:
    return Actions(
        staff=STAFF[role], client=client, audit=store, user_exists=lambda uid: uid in frame.index
    )


def test_save_applies_each_user_on_its_own_and_reports_conflicts(workspace):
    sandbox, client, store, frame = workspace
    table = preferences_table(frame)
    ids = list(table.index)
    collected = collect_edits(
        table,
        state({0: {"bot_name": "First"}, 1: {"bot_name": "Second"}, 2: {"bot_name": "Third"}}),
    )
    # Someone changes the second user meanwhile.
    second = sandbox.state.workspace.by_external_id(ids[1])
    sandbox.state.workspace.update_user(second, bot_name="Meanwhile")
    calls: list[tuple[int, str]] = []

    report = save_edits(
        actions_for(Role.EDITOR, client, store, frame),
        collected.edits,
        reason="Renaming bots per ticket",
        progress=lambda done, uid: calls.append((done, uid)),
    )
    assert report.applied == [ids[0], ids[2]]
    assert list(report.conflicts) == [ids[1]] and "Meanwhile" in report.conflicts[ids[1]]
    assert report.failures == {} and report.stopped is None
    assert calls == [(0, ids[0]), (1, ids[1]), (2, ids[2]), (3, "")]
    names = [sandbox.state.workspace.by_external_id(uid).bot_name for uid in ids[:3]]
    assert names == ["First", "Meanwhile", "Third"]
    outcomes = {
        uid: [e.outcome for e in store.query(action="preferences.update", user_id=uid)]
        for uid in ids[:3]
    }
    assert outcomes == {
        ids[0]: [Outcome.OK, Outcome.ATTEMPT],
        ids[1]: [Outcome.FAILED],
        ids[2]: [Outcome.OK, Outcome.ATTEMPT],
    }


def test_a_role_without_the_permission_stops_at_the_first_user(workspace):
    sandbox, client, store, frame = workspace
    table = preferences_table(frame)
    collected = collect_edits(table, state({0: {"bot_name": "One"}, 1: {"bot_name": "Two"}}))
    before = [u.bot_name for u in sandbox.state.workspace.users()]
    report = save_edits(
        actions_for(Role.VIEWER, client, store, frame), collected.edits, reason="No role for this"
    )
    assert report.applied == [] and report.stopped and "may not" in report.stopped
    assert [u.bot_name for u in sandbox.state.workspace.users()] == before
    assert [e.error_class for e in store.query()] == ["PermissionDeniedError"]
