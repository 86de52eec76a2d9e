"""Moving a calendar account to another user id (``PUT user/`` with ``external_id``): the repair
for one calendar account connected under two user ids.

Permissions and reasons are covered with every other write in ``test_actions_guards.py``; here:
the move itself, the refusals (target taken, per the page or only per Recall; confirmation;
unusable ids; the account gone meanwhile), Recall refusing, and that no user is ever created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lib.actions import (
    Actions,
    ConfirmationMismatchError,
    ConflictError,
    InvalidChangeError,
    WriteFailedError,
)
from lib.audit import Outcome
from lib.staff import Role
from tests.unit.test_actions_support import REASON, TICKET, World, open_world, staff

TARGET = "nw-merged-000001"


@pytest.fixture
def world(make_sandbox: Callable[..., Any], tmp_path: Path) -> Iterator[World]:
    with open_world(make_sandbox, tmp_path) as opened:
        yield opened


def page_listing(world: World, user_ids: set[str]) -> Actions:
    """An admin's actions whose page loaded a user list holding exactly ``user_ids``."""
    return Actions(
        staff=staff(Role.ADMIN),
        client=world.client,
        audit=world.audit,
        user_exists=lambda user_id: user_id in user_ids,
    )


def stray(world: World) -> str:
    """A seeded user with a connected calendar, whose token the page has already used."""
    user_id = world.connected_user("google")
    world.client.get_user(user_id)
    world.quiet()
    return user_id


def test_the_account_moves_to_the_new_id_with_its_calendars_and_nothing_is_created(
    world: World,
) -> None:
    old = stray(world)
    before = world.sandbox_user(old)
    recall_id, connections = before.id, [(c.platform, c.email) for c in before.connections]
    users = world.user_count()

    renamed = world.actions(Role.ADMIN).rename_user(
        old, TARGET, confirmation=TARGET, reason=REASON, ticket=TICKET
    )

    assert (renamed.id, renamed.external_id) == (recall_id, TARGET)
    assert world.sandbox_user(old) is None
    moved = world.sandbox_user(TARGET)
    assert moved.id == recall_id
    assert [(c.platform, c.email) for c in moved.connections] == connections
    assert world.user_count() == users
    assert world.count("authenticate") == 0
    assert world.writes() == 1
    attempt, ok = world.pair("user.rename")
    assert (attempt.user_id, attempt.target) == (old, TARGET)
    assert (attempt.before, attempt.after) == ({"user_id": old}, {"user_id": TARGET})
    assert ok.outcome is Outcome.OK
    assert ok.before == {"user_id": old}
    assert ok.after == {"user_id": TARGET, "recall_id": recall_id}
    assert (ok.reason, ok.ticket) == (REASON, TICKET)


def test_the_new_id_is_read_with_the_same_token_and_the_old_id_is_never_minted(
    world: World,
) -> None:
    old = stray(world)
    world.actions(Role.ADMIN).rename_user(old, TARGET, confirmation=TARGET, reason=REASON)
    world.quiet()

    assert world.client.get_user(TARGET).external_id == TARGET
    assert world.count("authenticate") == 0
    assert world.client.token_cache.get(world.client.base_url, old) is None


def test_a_target_id_that_already_has_a_calendar_user_is_refused_on_the_record(
    world: World,
) -> None:
    old = stray(world)
    taken = world.connected_user("microsoft")
    before = world.snapshot()

    with pytest.raises(InvalidChangeError) as refused:
        world.actions(Role.ADMIN).rename_user(old, taken, confirmation=taken, reason=REASON)

    assert repr(taken) in refused.value.message
    assert "already has a calendar user" in refused.value.message
    assert world.requests() == 0
    assert world.snapshot() == before
    failed = world.only_event(action="user.rename")
    assert (failed.outcome, failed.error_class) == (Outcome.FAILED, "InvalidChangeError")
    assert (failed.user_id, failed.target) == (old, taken)
    assert (failed.before, failed.after) == ({"user_id": old}, {"user_id": taken})


def test_a_target_the_page_did_not_know_about_is_still_refused(world: World) -> None:
    old = stray(world)
    # Created after the page's user list was loaded.
    world.running.state.workspace.authenticate(TARGET)
    actions = page_listing(world, {old})  # the page's stale list
    before = world.snapshot()

    with pytest.raises(InvalidChangeError):
        actions.rename_user(old, TARGET, confirmation=TARGET, reason=REASON)

    assert world.writes() == 0
    assert world.count("users_list") == 1
    assert world.snapshot() == before
    assert world.only_event(action="user.rename").error_class == "InvalidChangeError"


def test_an_account_renamed_meanwhile_is_a_conflict_and_is_not_recreated(world: World) -> None:
    old = stray(world)
    world.running.state.workspace.update_user(world.sandbox_user(old), external_id="nw-other-1")
    actions = page_listing(world, {old})  # the page still lists it
    users = world.user_count()

    with pytest.raises(ConflictError):
        actions.rename_user(old, TARGET, confirmation=TARGET, reason=REASON)

    assert world.count("authenticate") == 0
    assert world.writes() == 0
    assert world.user_count() == users
    assert world.sandbox_user(old) is None
    assert world.only_event(action="user.rename").error_class == "ConflictError"


@pytest.mark.parametrize(
    ("new_id", "confirmation", "error"),
    [
        (TARGET, "nw-merged-00000", ConfirmationMismatchError),
        (TARGET, "", ConfirmationMismatchError),
        (" " + TARGET, " " + TARGET, InvalidChangeError),
        ("", "", InvalidChangeError),
        ("nw\u200b-000001", "nw\u200b-000001", InvalidChangeError),
        ("x" * 300, "x" * 300, InvalidChangeError),
    ],
    ids=["mistyped", "empty-confirmation", "spaces", "empty", "control-char", "too-long"],
)
def test_unusable_ids_and_wrong_confirmations_are_refused_before_anything_is_sent(
    world: World, new_id: str, confirmation: str, error: type[Exception]
) -> None:
    old = stray(world)
    before = world.snapshot()

    with pytest.raises(error):
        world.actions(Role.ADMIN).rename_user(old, new_id, confirmation=confirmation, reason=REASON)

    assert world.requests() == 0
    assert world.snapshot() == before
    failed = world.only_event(action="user.rename")
    assert (failed.outcome, failed.error_class) == (Outcome.FAILED, error.__name__)


def test_renaming_to_the_same_id_is_refused(world: World) -> None:
    old = stray(world)
    with pytest.raises(InvalidChangeError):
        world.actions(Role.ADMIN).rename_user(old, old, confirmation=old, reason=REASON)
    assert world.requests() == 0


def test_recall_refusing_the_id_is_recorded_with_what_it_holds_afterwards(world: World) -> None:
    old = stray(world)

    def target_appears(request: httpx.Request) -> None:
        # Someone signs the target id up between the check and the write.
        if world.sandbox_user(TARGET) is None:
            world.running.state.workspace.authenticate(TARGET)

    world.transport.on_write = target_appears

    with pytest.raises(WriteFailedError) as failed:
        world.actions(Role.ADMIN).rename_user(old, TARGET, confirmation=TARGET, reason=REASON)

    assert "external id" in failed.value.message
    assert world.sandbox_user(old) is not None
    _attempt, outcome = world.pair("user.rename")
    assert outcome.outcome is Outcome.FAILED
    assert outcome.error_class == "ValidationError"
    assert outcome.after == {"user_id": old}
