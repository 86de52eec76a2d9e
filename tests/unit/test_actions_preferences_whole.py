"""Preferences are written whole and read back whole.

Recall's preferences page says a flag missing from the object is treated as ``false``; whether
``PUT user/`` merges a partial object instead is undocumented. Each test runs under both readings:
``false`` (the documented one) and ``keep`` (a merge), and a change of one flag must leave the
other five as they were under either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lib.actions import WriteFailedError
from lib.audit import Outcome
from lib.staff import Role
from tests.unit.test_actions_support import (
    FLAGS,
    REASON,
    World,
    open_world,
    with_preferences,
)

READINGS = ["false", "keep"]


@pytest.fixture(params=READINGS)
def world(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., Any], tmp_path: Path
) -> Iterator[World]:
    with open_world(
        make_sandbox, tmp_path, sandbox={"missing_preference_keys": request.param}
    ) as opened:
        yield opened


def user_with_flags_on(world: World, count: int) -> tuple[str, dict[str, Any]]:
    """A connected user with at least ``count`` flags on, as the page loads it."""
    for user in world.running.state.workspace.users():
        if sum(bool(user.preferences()[f]) for f in FLAGS) >= count and any(
            c.connected for c in user.connections
        ):
            uid = user.external_id
            return uid, world.client.get_user(uid).preferences.to_v1()
    raise AssertionError(f"no seeded user has {count} flags on")


def flip(prefs: dict[str, Any], flag: str) -> dict[str, Any]:
    return {**prefs, flag: not prefs[flag]}


def test_changing_one_flag_keeps_the_other_five(world: World) -> None:
    uid, loaded = user_with_flags_on(world, 2)
    target = next(f for f in FLAGS if not loaded[f])
    bodies: list[Any] = []
    world.transport.on_write = lambda request: bodies.append(json.loads(request.content))

    world.actions(Role.EDITOR).update_preferences(
        uid, loaded=loaded, wanted=flip(loaded, target), reason=REASON
    )

    assert world.prefs(uid) == {**{k: loaded[k] for k in FLAGS}, target: True} | {
        "bot_name": loaded["bot_name"]
    }
    [body] = bodies
    assert set(body["preferences"]) == set(FLAGS)
    _, ok = world.pair("preferences.update")
    assert ok.outcome is Outcome.OK


def test_changing_the_bot_name_keeps_every_flag(world: World) -> None:
    uid, loaded = user_with_flags_on(world, 1)

    world.actions().update_preferences(
        uid, loaded=loaded, wanted={**loaded, "bot_name": "Scribe"}, reason=REASON
    )

    assert world.prefs(uid) == {**{k: loaded[k] for k in FLAGS}, "bot_name": "Scribe"}


def test_a_flag_switched_without_being_asked_is_an_error_on_record(world: World) -> None:
    uid, loaded = user_with_flags_on(world, 2)
    target = next(f for f in FLAGS if not loaded[f])
    victim = next(f for f in FLAGS if loaded[f])

    def recall_drops_one(request: httpx.Request) -> httpx.Request:
        # A Recall that loses one flag on the way, whatever the console sent.
        return with_preferences(request, lambda prefs: prefs.update({victim: False}))

    world.transport.rewrite = recall_drops_one

    with pytest.raises(WriteFailedError) as raised:
        world.actions().update_preferences(
            uid, loaded=loaded, wanted=flip(loaded, target), reason=REASON
        )

    assert raised.value.error_class == "UnrequestedChangeError"
    assert victim in raised.value.message and "not asked for" in raised.value.message
    assert raised.value.current[victim] is False
    attempt, failed = world.pair("preferences.update")
    assert (failed.outcome, failed.error_class) == (Outcome.FAILED, "UnrequestedChangeError")
    assert attempt.after[victim] is True and failed.after[victim] is False
    assert failed.before[victim] is True


def test_a_change_recall_does_not_hold_is_an_error_on_record(world: World) -> None:
    uid, loaded = user_with_flags_on(world, 1)
    target = next(f for f in FLAGS if not loaded[f])

    def recall_ignores_it(request: httpx.Request) -> httpx.Request:
        return with_preferences(request, lambda prefs: prefs.update({target: False}))

    world.transport.rewrite = recall_ignores_it

    with pytest.raises(WriteFailedError) as raised:
        world.actions().update_preferences(
            uid, loaded=loaded, wanted=flip(loaded, target), reason=REASON
        )

    assert raised.value.error_class == "ChangeNotAppliedError"
    assert target in raised.value.message
    _, failed = world.pair("preferences.update")
    assert (failed.outcome, failed.error_class) == (Outcome.FAILED, "ChangeNotAppliedError")
    assert failed.after[target] is False
