"""Preference saves from the account page and the directory's side-by-side edits keep every flag
they did not change, whether Recall reads a missing flag as false (the documented reading) or
keeps it (a merge): each save sends the whole object."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lib.autorecord import PREFERENCE_KEYS
from lib.recall.models import PREFERENCE_FLAGS
from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from lib.ui.directory_prefs import KEY_DIR_SAVE
from tests.app.test_account_helpers import REASON, audit_events, click, open_account, texts
from tests.app.test_account_writes import seed_edits, set_reason
from tests.app.test_directory_prefs import editor_ids, open_directory, reason_input
from tests.app.test_directory_prefs import seed_edits as seed_directory_edits


@pytest.fixture(params=["false", "keep"])
def app_sandbox(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., RunningSandbox]
) -> RunningSandbox:
    return make_sandbox(seed=1, users=40, missing_preference_keys=request.param)


def prefs_of(sandbox: RunningSandbox, user_id: str) -> dict:
    return sandbox.state.workspace.by_external_id(user_id).preferences()


def user_with_two_flags_on(sandbox: RunningSandbox) -> str:
    for user in sandbox.state.workspace.users():
        flags = user.preferences()
        if sum(bool(flags[f]) for f in PREFERENCE_FLAGS) >= 2 and any(
            c.connected for c in user.connections
        ):
            return user.external_id
    raise AssertionError("no seeded user has two flags on")


def test_one_flag_saved_from_the_account_page_keeps_the_others(console_app, app_sandbox, data_dir):
    user_id = user_with_two_flags_on(app_sandbox)
    before = prefs_of(app_sandbox, user_id)
    flag = next(f for f in PREFERENCE_FLAGS if not before[f])
    at = console_app(Role.EDITOR).run()
    open_account(at, user_id)
    seed_edits(
        at,
        f"prefs-editor-{user_id}-(keep current values)-0",
        {PREFERENCE_KEYS.index(flag): {"new": True}},
    )
    at.run()
    set_reason(at, "prefs", REASON)
    click(at, "Save preferences")

    assert "Preferences saved" in texts(at)
    assert prefs_of(app_sandbox, user_id) == {**before, flag: True}
    [ok] = audit_events(data_dir, action="preferences.update", outcome="ok")
    assert ok.after == {**{f: before[f] for f in PREFERENCE_FLAGS}, flag: True}


def test_a_bot_name_saved_from_the_directory_keeps_every_flag(console_app, app_sandbox):
    at = open_directory(console_app, Role.EDITOR)
    user_id = editor_ids(at)[0]
    before = prefs_of(app_sandbox, user_id)
    assert any(before[f] for f in PREFERENCE_FLAGS), "the first listed user has a flag on"
    seed_directory_edits(at, {0: {"bot_name": "Acme Notes"}})
    reason_input(at).input("Customer asked by email (ticket 77)").run()
    at.button(key=KEY_DIR_SAVE).click().run()

    assert not at.exception
    assert prefs_of(app_sandbox, user_id) == {**before, "bot_name": "Acme Notes"}
