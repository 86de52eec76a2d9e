"""Writes through ``lib/actions.py`` while Recall fails: injected 500s, 503s and connections
dropped after the write was applied.

The rule under test: a write either succeeds and is audited ``ok``, or raises
``WriteFailedError`` (or, for a batch of overrides, is listed as a failure), is audited
``failed``, and reports the value Recall really holds afterwards, which the test reads from the
sandbox's own state. Whether a failed write was applied follows from the fault: the sandbox picks
500/503 before handling a request (nothing applied) and ``drop_after_apply`` after (applied).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lib.actions import OverrideChange, WriteFailedError
from lib.audit import Outcome, StoredEvent
from tests.unit.test_actions_support import FLAGS, REASON, World, open_world

NEW_ID = "nw-minted-000001"
KINDS = ["500", "503", "drop_after_apply"]


@pytest.fixture
def world(make_sandbox: Callable[..., Any], tmp_path: Path) -> Iterator[World]:
    with open_world(make_sandbox, tmp_path) as opened:
        yield opened


def outcome_of(world: World, action: str) -> tuple[StoredEvent, StoredEvent]:
    attempt, outcome = world.pair(action)
    assert outcome.outcome in (Outcome.OK, Outcome.FAILED)
    assert (attempt.reason, outcome.reason) == (REASON, REASON)
    return attempt, outcome


def assert_every_attempt_has_one_outcome(world: World) -> None:
    for attempt in world.events(outcome=Outcome.ATTEMPT):
        later = [e for e in world.events(request_id=attempt.request_id) if e.id > attempt.id]
        assert [e.outcome for e in later] in ([Outcome.OK], [Outcome.FAILED]), attempt.action


@dataclass(frozen=True)
class Loaded:
    """Users and values as pages showed them, tokens already minted (as a page load does)."""

    prefs_user: str
    prefs: dict[str, Any]
    meeting_id: str
    both_user: str
    doomed_user: str


def load(world: World) -> Loaded:
    prefs_user = world.connected_user("google")
    both_user = world.connected_user("google", "microsoft")
    doomed_user = world.connected_user("microsoft")
    prefs = world.client.get_user(prefs_user).preferences.to_v1()
    meeting = next(
        m for m in world.client.list_meetings(prefs_user) if m.override_should_record is None
    )
    world.client.get_user(both_user)
    world.client.get_user(doomed_user)
    world.quiet()
    return Loaded(prefs_user, prefs, meeting.id, both_user, doomed_user)


# -- faults on write requests only (reads healthy) ---------------------------------------------


@pytest.mark.parametrize("times", [1, None], ids=["first-try-fails", "every-try-fails"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_faulted_write_is_ok_or_failed_with_what_recall_holds(
    world: World, kind: str, times: int | None
) -> None:
    page = load(world)
    actions = world.actions()
    fails = times is None
    applied_anyway = kind == "drop_after_apply"
    users_before = world.user_count()

    # Preferences.
    wanted = {
        **page.prefs,
        "bot_name": "Scribe",
        "record_non_host": not page.prefs["record_non_host"],
    }
    world.transport.fail_writes(kind, times=times)
    try:
        actions.update_preferences(page.prefs_user, loaded=page.prefs, wanted=wanted, reason=REASON)
        raised = None
    except WriteFailedError as exc:
        raised = exc
    truth = world.prefs(page.prefs_user)
    _, outcome = outcome_of(world, "preferences.update")
    if not fails:
        assert raised is None and outcome.outcome is Outcome.OK
        assert truth["bot_name"] == "Scribe"
    else:
        assert raised is not None and outcome.outcome is Outcome.FAILED
        assert outcome.error_class == raised.error_class == "UnavailableError"
        assert (truth["bot_name"] == "Scribe") is applied_anyway
        assert {k: raised.current[k] for k in (*FLAGS, "bot_name")} == truth
        assert {k: outcome.after[k] for k in (*FLAGS, "bot_name")} == truth
        assert "may or may not" in raised.message

    # One meeting override.
    world.transport.fail_writes(kind, times=times)
    result = actions.set_overrides(
        page.prefs_user, [OverrideChange(page.meeting_id, None, True)], reason=REASON
    )
    truth_override = world.override(page.prefs_user, page.meeting_id)
    _, outcome = outcome_of(world, "meeting.override")
    if not fails:
        assert [m.id for m in result.applied] == [page.meeting_id]
        assert outcome.outcome is Outcome.OK and truth_override is True
    else:
        assert list(result.failures) == [page.meeting_id] and result.applied == []
        assert outcome.outcome is Outcome.FAILED
        assert (truth_override is True) is applied_anyway
        assert outcome.after == {"override_should_record": truth_override}

    # Disconnect one of two calendars.
    world.transport.fail_writes(kind, times=times)
    try:
        actions.disconnect(page.both_user, "microsoft", reason=REASON)
        raised = None
    except WriteFailedError as exc:
        raised = exc
    still_connected = world.connected(page.both_user, "microsoft")
    assert world.connected(page.both_user, "google")
    _, outcome = outcome_of(world, "calendar.disconnect")
    if not fails:
        assert raised is None and outcome.outcome is Outcome.OK and not still_connected
    else:
        assert raised is not None and outcome.outcome is Outcome.FAILED
        assert still_connected is not applied_anyway
        assert raised.current == outcome.after == {"connected": still_connected}

    # Delete a user: a retry must never mint a token, which would bring the user back.
    world.quiet()
    world.transport.fail_writes(kind, times=times)
    try:
        actions.delete_user(page.doomed_user, confirmation=page.doomed_user, reason=REASON)
        raised = None
    except WriteFailedError as exc:
        raised = exc
    gone = world.sandbox_user(page.doomed_user) is None
    assert world.count("authenticate") == 0
    _, outcome = outcome_of(world, "user.delete")
    if not fails:
        assert raised is None and outcome.outcome is Outcome.OK and gone
    else:
        assert raised is not None and outcome.outcome is Outcome.FAILED
        assert gone is applied_anyway
        assert raised.current == outcome.after == {"deleted": gone}

    # Mint a user: a retried authenticate must not create a second one.
    world.transport.fail_writes(kind, times=times)
    try:
        actions.mint_user(NEW_ID, reason=REASON)
        raised = None
    except WriteFailedError as exc:
        raised = exc
    exists = world.sandbox_user(NEW_ID) is not None
    _, outcome = outcome_of(world, "user.mint")
    if not fails:
        assert raised is None and outcome.outcome is Outcome.OK and exists
    else:
        assert raised is not None and outcome.outcome is Outcome.FAILED
        assert exists is applied_anyway
        assert raised.current == outcome.after == {"exists": exists}
    assert [u.external_id for u in world.running.state.workspace.users()].count(NEW_ID) == exists

    gone_count = 1 if world.sandbox_user(page.doomed_user) is None else 0
    assert world.user_count() == users_before - gone_count + int(exists)
    assert world.transport.faulted_writes >= 5
    assert_every_attempt_has_one_outcome(world)


def test_a_retried_write_sends_the_same_whole_object_again(world: World) -> None:
    page = load(world)
    theirs = not page.prefs["record_internal"]

    def someone_else_changes_a_flag() -> None:
        world.other.update_preferences(page.prefs_user, {"record_internal": theirs})

    # Our write lands, its answer is lost, the other person writes, then our retry lands again.
    # Preferences are whole objects (a missing flag reads as false), so the retry re-sends the
    # flags as read before the write: their change in between is overwritten, and what Recall
    # holds is exactly what the audit event says was sent. The conflict check cannot see into
    # the client's retries; the window is the retry's backoff.
    world.transport.fail_writes("drop_after_apply", times=1, after_each=someone_else_changes_a_flag)
    world.actions().update_preferences(
        page.prefs_user,
        loaded=page.prefs,
        wanted={**page.prefs, "bot_name": "Scribe"},
        reason=REASON,
    )

    truth = world.prefs(page.prefs_user)
    assert truth["bot_name"] == "Scribe"
    assert truth["record_internal"] is page.prefs["record_internal"]
    assert world.count("user_update") == 3  # ours twice, theirs once in between
    _, outcome = outcome_of(world, "preferences.update")
    assert outcome.outcome is Outcome.OK
    assert outcome.after == {**{k: truth[k] for k in FLAGS}, "bot_name": "Scribe"}


# -- faults on every request (reads fail too) -----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_when_recall_fails_every_request_nothing_is_written_and_it_is_on_record(
    world: World, kind: str
) -> None:
    page = load(world)
    before = world.snapshot()
    actions = world.actions()
    world.running.state.faults.configure(rate=1.0, kinds=(kind,))
    failures: list[WriteFailedError] = []
    try:
        with pytest.raises(WriteFailedError) as raised:
            actions.update_preferences(
                page.prefs_user,
                loaded=page.prefs,
                wanted={**page.prefs, "bot_name": "Scribe"},
                reason=REASON,
            )
        failures.append(raised.value)
        with pytest.raises(WriteFailedError) as raised:
            actions.disconnect(page.both_user, "google", reason=REASON)
        failures.append(raised.value)
    finally:
        world.running.state.faults.configure(rate=0.0, kinds=())

    # The conflict check could not read the current value, so no write was sent.
    assert world.count("user_update") == world.count("user_disconnect") == 0
    assert world.snapshot() == before
    events = world.events()
    assert [(e.action, e.outcome) for e in events] == [
        ("preferences.update", Outcome.FAILED),
        ("calendar.disconnect", Outcome.FAILED),
    ]
    for event, failure in zip(events, failures, strict=True):
        assert event.error_class == failure.error_class == "UnavailableError"
        assert failure.current is None  # nothing could be read, so nothing is claimed
        assert "nothing was changed" in failure.message


def test_a_mint_whose_answers_are_all_lost_creates_exactly_one_user(world: World) -> None:
    load(world)
    users = world.user_count()
    world.running.state.faults.configure(rate=1.0, kinds=("drop_after_apply",))
    try:
        with pytest.raises(WriteFailedError) as raised:
            world.actions().mint_user(NEW_ID, reason=REASON)
    finally:
        world.running.state.faults.configure(rate=0.0, kinds=())

    assert world.count("authenticate") > 1  # it was retried
    assert world.user_count() == users + 1
    assert world.sandbox_user(NEW_ID) is not None
    _, outcome = outcome_of(world, "user.mint")
    assert outcome.outcome is Outcome.FAILED
    # The read-back was dropped too, so what Recall holds is unknown rather than guessed.
    assert raised.value.current is None and outcome.after is None
