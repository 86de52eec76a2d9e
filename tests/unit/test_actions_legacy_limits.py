"""Under the older, tighter per-endpoint limits (the sandbox's ``limits="legacy"``: user update
10/min, disconnect 2/min, refresh once per 10 min, meeting update 10/min per meeting) the
console's writes are honoured through ``Retry-After``: each one succeeds, none is an error.

The sandbox's minute is shortened (``rate_limit_window_s``) so the waits stay short; the
client's own limiter knows only the current limits, so every 429 here is Recall's to answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lib.actions import OverrideChange
from lib.audit import Outcome
from tests.unit.test_actions_support import REASON, World, open_world


@pytest.fixture
def window_s() -> float:
    """The sandbox's minute, in seconds (long enough for a burst of writes to fill it)."""
    return 3.0


@pytest.fixture
def world(make_sandbox: Callable[..., Any], tmp_path: Path, window_s: float) -> Iterator[World]:
    with open_world(
        make_sandbox,
        tmp_path,
        sandbox={"limits": "legacy", "rate_limit_scale": 1, "rate_limit_window_s": window_s},
        deadline=30,
    ) as opened:
        yield opened


def throttled(world: World) -> int:
    return world.running.state.stats.status_count(429)


def outcomes(world: World, action: str) -> list[Outcome]:
    return [e.outcome for e in world.events(action=action) if e.outcome is not Outcome.ATTEMPT]


def test_twelve_preference_writes_in_a_row_all_apply(world: World) -> None:
    uid = world.connected_user("google")
    names = [f"Recorder {n}" for n in range(12)]
    for name in names:
        loaded = world.client.get_user(uid).preferences.to_v1()
        world.actions().update_preferences(
            uid, loaded=loaded, wanted={**loaded, "bot_name": name}, reason=REASON
        )
    assert world.prefs(uid)["bot_name"] == names[-1]
    assert throttled(world) > 0, "the legacy limit was reached"
    assert outcomes(world, "preferences.update") == [Outcome.OK] * len(names)


@pytest.mark.parametrize("window_s", [0.5])
def test_a_second_refresh_waits_out_the_ten_minute_limit(world: World, window_s: float) -> None:
    uid = world.connected_user("google")
    started = time.monotonic()
    for _ in range(2):
        world.actions().refresh_meetings(uid, reason=REASON)
    assert throttled(world) > 0
    # The refresh limit spans ten of the sandbox's minutes.
    assert time.monotonic() - started >= window_s
    assert outcomes(world, "meetings.refresh") == [Outcome.OK, Outcome.OK]


def test_three_disconnects_within_a_minute_all_apply(world: World) -> None:
    uid = world.connected_user("google", "microsoft")
    for platform in ("google", "microsoft", "google"):
        world.actions().disconnect(uid, platform, reason=REASON)
    assert not world.connected(uid, "google") and not world.connected(uid, "microsoft")
    assert throttled(world) > 0
    assert outcomes(world, "calendar.disconnect") == [Outcome.OK] * 3


def test_eleven_override_changes_on_one_meeting_all_apply(world: World) -> None:
    uid = world.connected_user("google")
    meeting = next(m for m in world.client.list_meetings(uid) if m.override_should_record is None)
    values: list[bool | None] = [True, None] * 5 + [False]
    loaded: bool | None = None
    for wanted in values:
        outcome = world.actions().set_overrides(
            uid, [OverrideChange(meeting.id, loaded, wanted)], reason=REASON
        )
        assert outcome.failures == {} and outcome.conflicts == []
        loaded = wanted
    assert world.override(uid, meeting.id) is False
    assert throttled(world) > 0
    assert outcomes(world, "meeting.override") == [Outcome.OK] * len(values)
