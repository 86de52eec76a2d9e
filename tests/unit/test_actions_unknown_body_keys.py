"""A Recall that ignores body keys it does not know (as Django REST Framework does by default,
the sandbox's ``unknown_body_keys="ignore"``) accepts a write it did not apply; the console finds
out by reading the preferences back, and says so, whichever way unknown keys are treated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lib.actions import WriteFailedError
from lib.audit import Outcome
from tests.unit.test_actions_support import FLAGS, REASON, World, open_world, with_preferences

RENAMED = "record_internal_meetings"


@pytest.fixture(params=["ignore", "refuse"])
def world(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., Any], tmp_path: Path
) -> Iterator[World]:
    with open_world(make_sandbox, tmp_path, sandbox={"unknown_body_keys": request.param}) as w:
        yield w


def a_key_recall_does_not_know(request: httpx.Request) -> httpx.Request:
    # Stands for a flag whose name Recall does not recognise (a rename, a typo in a release).
    def rename(preferences: dict[str, Any]) -> None:
        preferences[RENAMED] = preferences.pop("record_internal")

    return with_preferences(request, rename)


def test_a_change_recall_ignored_is_an_error_not_a_success(world: World) -> None:
    uid = next(
        u.external_id
        for u in world.running.state.workspace.users()
        if not u.preferences()["record_internal"] and any(c.connected for c in u.connections)
    )
    loaded = world.client.get_user(uid).preferences.to_v1()
    world.transport.rewrite = a_key_recall_does_not_know

    with pytest.raises(WriteFailedError) as raised:
        world.actions().update_preferences(
            uid, loaded=loaded, wanted={**loaded, "record_internal": True}, reason=REASON
        )

    assert world.prefs(uid)["record_internal"] is False
    assert "record_internal" in raised.value.message
    _, outcome = world.pair("preferences.update")
    assert outcome.outcome is Outcome.FAILED
    if world.running.state.config.unknown_body_keys == "ignore":
        # Accepted with 200, but the read-back shows the change is not there.
        assert outcome.error_class == "ChangeNotAppliedError"
        assert outcome.after["record_internal"] is False
        assert set(FLAGS) <= set(outcome.after)
    else:
        assert outcome.error_class == "ValidationError"
