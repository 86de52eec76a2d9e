"""Deleting a calendar user is done whether Recall answers 204 with no body (its reference) or
200 with a body (a DRF destroy that returns the object): the sandbox's ``delete_user_status``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lib.audit import Outcome
from lib.recall import NotFoundError
from tests.unit.test_actions_support import REASON, World, open_world


@pytest.fixture(params=[204, 200])
def world(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., Any], tmp_path: Path
) -> Iterator[World]:
    with open_world(make_sandbox, tmp_path, sandbox={"delete_user_status": request.param}) as w:
        yield w


def test_a_delete_is_done_and_on_record_whatever_the_success_status(world: World) -> None:
    uid = world.connected_user("google")
    users = world.user_count()

    world.actions().delete_user(uid, confirmation=uid, reason=REASON)

    assert world.sandbox_user(uid) is None
    assert world.user_count() == users - 1
    _, ok = world.pair("user.delete")
    assert ok.outcome is Outcome.OK
    assert (ok.before, ok.after) == ({"deleted": False}, {"deleted": True})
    # Once, and the deleted user is not minted (recreated) by a later read.
    assert world.count("user_delete") == 1
    with pytest.raises(NotFoundError, match="no longer exists"):
        world.client.get_user(uid)
    assert world.sandbox_user(uid) is None
