"""Repairing a duplicate account: moving a calendar account to another user id, from the
directory's duplicates view and from the account page's admin area. Admins only; the directory
and the account caches follow without reading the whole user list again."""

from __future__ import annotations

import pytest

from lib.staff import Role
from lib.ui.rename_user import RENAME_EXPANDER, rename_key
from lib.ui.state import SK_DIR_DUPLICATES, SK_DIR_TABLE
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    audit_events,
    open_account,
    texts,
    unescape,
)
from tests.app.test_directory import listed_ids, open_directory

ORIGINAL = "nw-000006"
# The same person's calendar, connected by the product under an id in the wrong case.
STRAY = "NW-000006"
RIGHT = "nw-000041"  # no calendar user has it (the app sandbox has 40 users)


@pytest.fixture
def stray(app_sandbox) -> str:
    workspace = app_sandbox.state.workspace
    original = workspace.by_external_id(ORIGINAL)
    user, _created = workspace.authenticate(STRAY)
    workspace.connect(user, "google", original.connection("google").email)
    return user.id


def expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def pick_duplicate(at, user_id: str):
    at.toggle(key=SK_DIR_DUPLICATES).set_value(True).run()
    ids = listed_ids(at)
    key = next(df.key for df in at.dataframe if (df.key or "").startswith(SK_DIR_TABLE))
    at.session_state[key] = {
        "selection": {"rows": [ids.index(user_id)], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception, at.exception
    return at


def fill_rename(at, where: str, user_id: str, new_id: str, *, confirm: str | None = None):
    key = rename_key(where, user_id)
    at.text_input(key=f"{key}.new").input(new_id)
    at.text_input(key=f"{key}.confirm").input(new_id if confirm is None else confirm)
    at.text_input(key=f"{key}.reason").input(REASON)
    submit = next(b for b in at.button if b.label == "Move to the new user id")
    submit.click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_are_offered_the_repair(console_app, app_sandbox, stray, role):
    at = open_directory(console_app, role)
    pick_duplicate(at, STRAY)
    assert (RENAME_EXPANDER in expanders(at)) is (role is Role.ADMIN)

    open_account(at, STRAY)
    assert (RENAME_EXPANDER in expanders(at)) is (role is Role.ADMIN)


def test_moving_onto_an_id_that_has_a_calendar_user_is_refused_in_words(
    console_app, app_sandbox, data_dir, stray
):
    probe = SandboxProbe(app_sandbox)
    at = open_directory(console_app, Role.ADMIN)
    pick_duplicate(at, STRAY)
    assert ORIGINAL in texts(at)  # "connected with the same calendar email"
    probe.reset()

    fill_rename(at, "directory", STRAY, ORIGINAL)

    shown = "\n".join(unescape(e.value) for e in at.error)
    assert f"'{ORIGINAL}' already has a calendar user, so nothing was changed" in shown
    assert probe.writes() == {}
    assert app_sandbox.state.workspace.by_external_id(STRAY).id == stray
    (refused,) = audit_events(data_dir, action="user.rename")
    assert (refused.outcome.value, refused.error_class) == ("failed", "InvalidChangeError")
    assert (refused.user_id, refused.target) == (STRAY, ORIGINAL)


def test_an_admin_moves_the_stray_account_from_the_duplicates_view(
    console_app, app_sandbox, data_dir, stray
):
    probe = SandboxProbe(app_sandbox)
    at = open_directory(console_app, Role.ADMIN)
    pick_duplicate(at, STRAY)
    probe.reset()

    fill_rename(at, "directory", STRAY, RIGHT)

    assert f"Moved the calendar account from {STRAY} to {RIGHT}." in "\n".join(
        s.value for s in at.success
    )
    workspace = app_sandbox.state.workspace
    assert workspace.by_external_id(STRAY) is None
    assert workspace.by_external_id(RIGHT).id == stray
    assert probe.writes() == {"user_update": 1}
    # The directory follows in place: one users/ read for the checks, none to reload it.
    assert probe.requests().get("users_list") == 1
    shown = listed_ids(at)
    assert RIGHT in shown and STRAY not in shown
    attempt, ok = audit_events(data_dir, action="user.rename")
    assert (attempt.outcome.value, ok.outcome.value) == ("attempt", "ok")
    assert (ok.before, ok.after) == ({"user_id": STRAY}, {"user_id": RIGHT, "recall_id": stray})


def test_an_admin_moves_the_account_from_its_page_and_lands_on_the_new_id(
    console_app, app_sandbox, data_dir, stray
):
    at = console_app(Role.ADMIN).run()
    open_account(at, STRAY)

    fill_rename(at, "account", STRAY, RIGHT)

    assert at.query_params["user_id"] == RIGHT
    flash = "\n".join(unescape(s.value) for s in at.success)
    assert f"Moved the calendar account from {STRAY} to {RIGHT}." in flash
    assert app_sandbox.state.workspace.by_external_id(RIGHT).id == stray
    # The open view-as named the old id: the new one asks for a reason again, and the account
    # is found under its new id (the directory knows it without a reload).
    assert "is not a calendar user" not in texts(at)
    assert [t for t in at.text_area if t.label == "Reason"]
    assert [e.action for e in audit_events(data_dir, action="user.rename")] == [
        "user.rename",
        "user.rename",
    ]
