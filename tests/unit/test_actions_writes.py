"""Successful writes through ``lib/actions.py`` and the ways a write is refused on its content:
the audit pair each write leaves, conflicts with someone else's change, whitelisting of edited
fields, invalid values, the delete confirmation, the platform of a disconnect, connection links,
and secrets kept out of events, messages and logs.

Each test runs against its own sandbox over loopback HTTP; the "other person" is a second
``RecallClient`` writing to the same account behind the console's back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy
import pytest

from lib.actions import (
    ActionError,
    ConfirmationMismatchError,
    ConflictError,
    InvalidChangeError,
    OverrideChange,
    WriteFailedError,
)
from lib.audit import Outcome
from lib.recall import CalendarMeeting
from lib.recall.connect import ConnectionLink
from lib.staff import Role
from tests.unit.test_actions_support import (
    API_KEY,
    FLAGS,
    REASON,
    TICKET,
    World,
    link_token,
    open_world,
)


@pytest.fixture
def world(make_sandbox: Callable[..., Any], tmp_path: Path) -> Iterator[World]:
    with open_world(make_sandbox, tmp_path) as opened:
        yield opened


def loaded_prefs(world: World, user_id: str) -> dict[str, Any]:
    """Preferences as the page shows them (read through the console's client)."""
    return world.client.get_user(user_id).preferences.to_v1()


def loaded_meetings(world: World, user_id: str, count: int) -> list[CalendarMeeting]:
    meetings = [m for m in world.client.list_meetings(user_id) if m.override_should_record is None]
    assert len(meetings) >= count
    return meetings[:count]


def assert_every_attempt_has_one_outcome(world: World) -> None:
    for attempt in world.events(outcome=Outcome.ATTEMPT):
        outcomes = [
            e for e in world.events(request_id=attempt.request_id) if e.outcome != Outcome.ATTEMPT
        ]
        assert len(outcomes) == 1, (attempt.action, outcomes)


# -- the audit pair of a successful write ----------------------------------------------------


def test_a_preference_change_sends_all_six_flags_and_reads_them_back(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    world.quiet()
    bodies: list[Any] = []
    world.transport.on_write = lambda request: bodies.append(json.loads(request.content))
    wanted = {**loaded, "record_internal": not loaded["record_internal"], "bot_name": "Scribe"}

    user = world.actions(Role.EDITOR).update_preferences(
        uid, loaded=loaded, wanted=wanted, reason=REASON, ticket=TICKET
    )

    truth = world.prefs(uid)
    assert truth == {k: wanted[k] for k in (*FLAGS, "bot_name")}
    assert user.preferences.to_v1() | {"id": None} == truth | {"id": None}
    # Recall reads a missing flag as false: the body holds all six, the unchanged ones as read.
    assert bodies == [{"preferences": {**{k: wanted[k] for k in FLAGS}, "bot_name": "Scribe"}}]
    # One re-read to check for a conflict, one write, one read-back.
    assert (world.count("user_retrieve"), world.count("user_update"), world.requests()) == (2, 1, 3)

    attempt, ok = world.pair("preferences.update")
    assert ok.outcome is Outcome.OK
    flags_before = {k: loaded[k] for k in FLAGS}
    flags_after = {k: wanted[k] for k in FLAGS}
    assert attempt.before == ok.before == {**flags_before, "bot_name": loaded["bot_name"]}
    assert attempt.after == ok.after == {**flags_after, "bot_name": "Scribe"}
    for event in (attempt, ok):
        assert (event.user_id, event.reason, event.ticket) == (uid, REASON, TICKET)
        assert event.actor_role == "editor"


def test_the_attempt_is_on_record_before_the_write_leaves(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    seen: list[list[Outcome]] = []

    def check(request: Any) -> None:
        seen.append([e.outcome for e in world.events(action="preferences.update")])

    world.transport.on_write = check
    world.actions().update_preferences(
        uid, loaded=loaded, wanted={"bot_name": "Scribe"}, reason=REASON
    )

    assert seen == [[Outcome.ATTEMPT]]
    assert [e.outcome for e in world.events()] == [Outcome.ATTEMPT, Outcome.OK]


def test_override_changes_are_written_and_recorded_meeting_by_meeting(world: World) -> None:
    uid = world.connected_user("google")
    first, second, untouched = loaded_meetings(world, uid, 3)
    world.quiet()
    changes = [
        OverrideChange(first.id, None, True),
        OverrideChange(second.id, None, False),
        OverrideChange(untouched.id, None, None),  # no change: nothing to send
    ]

    outcome = world.actions(Role.EDITOR).set_overrides(uid, changes, reason=REASON, ticket=TICKET)

    assert [m.id for m in outcome.applied] == [first.id, second.id]
    assert [m.override_should_record for m in outcome.applied] == [True, False]
    assert outcome.conflicts == [] and outcome.failures == {}
    assert world.override(uid, first.id) is True
    assert world.override(uid, second.id) is False
    assert world.override(uid, untouched.id) is None
    assert world.count("meeting_update") == 2

    attempts = world.events(outcome=Outcome.ATTEMPT)
    assert [a.target for a in attempts] == [first.id, second.id]
    assert attempts[0].request_id != attempts[1].request_id
    for attempt, meeting, wanted in zip(attempts, (first, second), (True, False), strict=True):
        ok = world.only_event(request_id=attempt.request_id, outcome=Outcome.OK)
        assert ok.target == meeting.id
        assert attempt.before == ok.before == {"override_should_record": None}
        assert attempt.after == {"override_should_record": wanted}
        assert ok.after["override_should_record"] is wanted
        assert (ok.reason, ok.ticket) == (REASON, TICKET)


def test_refresh_is_recorded_with_what_it_returned(world: World) -> None:
    uid = world.connected_user("microsoft")
    world.quiet()

    meetings = world.actions(Role.EDITOR).refresh_meetings(uid, reason=REASON)

    assert meetings and world.count("meetings_refresh") == 1
    _, ok = world.pair("meetings.refresh")
    assert ok.after == {"meetings": len(meetings)}
    assert ok.reason == REASON and ok.ticket is None


def test_a_calendar_user_without_a_calendar_cannot_be_refreshed(world: World) -> None:
    uid = next(
        u.external_id
        for u in world.running.state.workspace.users()
        if not any(c.connected for c in u.connections)
    )
    with pytest.raises(WriteFailedError) as failed:
        world.actions().refresh_meetings(uid, reason=REASON)
    assert failed.value.error_class == "CalendarDisconnectedError"
    assert "reconnect" in failed.value.message
    _, outcome = world.pair("meetings.refresh")
    assert (outcome.outcome, outcome.error_class) == (Outcome.FAILED, "CalendarDisconnectedError")


def test_disconnect_removes_one_platform_and_records_it(world: World) -> None:
    uid = world.connected_user("google", "microsoft")
    world.quiet()

    user = world.actions().disconnect(uid, "microsoft", reason=REASON, ticket=TICKET)

    assert user.connected_platforms == ("google",)
    assert not world.connected(uid, "microsoft") and world.connected(uid, "google")
    attempt, ok = world.pair("calendar.disconnect")
    assert attempt.target == ok.target == "microsoft"
    assert (ok.before, ok.after) == ({"connected": True}, {"connected": False})


def test_disconnect_takes_only_google_or_microsoft(world: World) -> None:
    uid = world.connected_user("google")
    before = world.snapshot()
    world.quiet()
    platforms = ["zoom", "Google", "", " google", "outlook"]
    for platform in platforms:
        with pytest.raises(InvalidChangeError):
            world.actions().disconnect(uid, platform, reason=REASON)
    assert world.requests() == 0
    assert world.snapshot() == before
    assert [e.error_class for e in world.events()] == ["InvalidChangeError"] * len(platforms)


def test_delete_needs_the_exact_user_id_typed_as_confirmation(world: World) -> None:
    uid = world.connected_user("google")
    someone_else = world.connected_user("microsoft")
    users = world.user_count()
    before = world.snapshot()
    world.quiet()
    actions = world.actions()

    for typed in ("", uid.upper(), f"{uid} ", f" {uid}", uid[:-1], someone_else):
        with pytest.raises(ConfirmationMismatchError):
            actions.delete_user(uid, confirmation=typed, reason=REASON)
    assert world.requests() == 0
    assert world.snapshot() == before
    refusals = world.events()
    assert len(refusals) == 6
    assert {(e.outcome, e.error_class, e.user_id) for e in refusals} == {
        (Outcome.FAILED, "ConfirmationMismatchError", uid)
    }

    actions.delete_user(uid, confirmation=uid, reason=REASON, ticket=TICKET)

    assert world.sandbox_user(uid) is None
    assert world.user_count() == users - 1
    assert world.sandbox_user(someone_else) is not None
    _, ok = world.pair("user.delete")
    assert (ok.before, ok.after) == ({"deleted": False}, {"deleted": True})
    assert (ok.user_id, ok.reason, ok.ticket) == (uid, REASON, TICKET)


# -- conflicts ---------------------------------------------------------------------------------


def test_a_field_someone_else_changed_meanwhile_is_a_conflict(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    world.other.update_preferences(uid, {}, bot_name="Their Recorder")
    world.quiet()

    with pytest.raises(ConflictError) as conflict:
        world.actions().update_preferences(
            uid, loaded=loaded, wanted={**loaded, "bot_name": "My Recorder"}, reason=REASON
        )

    [found] = conflict.value.conflicts
    assert (found.field, found.loaded, found.current, found.wanted) == (
        "bot_name",
        loaded["bot_name"],
        "Their Recorder",
        "My Recorder",
    )
    assert "bot_name" in conflict.value.message and "Their Recorder" in conflict.value.message
    assert world.prefs(uid)["bot_name"] == "Their Recorder"
    assert world.count("user_update") == 0
    failed = world.only_event()
    assert (failed.outcome, failed.error_class) == (Outcome.FAILED, "ConflictError")
    assert failed.before == {"bot_name": "Their Recorder"}
    assert failed.after == {"bot_name": "My Recorder"}


def test_a_change_to_another_field_applies_without_undoing_theirs(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    theirs = not loaded["record_internal"]
    world.other.update_preferences(uid, {"record_internal": theirs})

    world.actions().update_preferences(
        uid, loaded=loaded, wanted={**loaded, "bot_name": "My Recorder"}, reason=REASON
    )

    truth = world.prefs(uid)
    assert truth["bot_name"] == "My Recorder"
    assert truth["record_internal"] is theirs
    _, ok = world.pair("preferences.update")
    assert ok.outcome is Outcome.OK
    assert ok.after == {**{k: truth[k] for k in FLAGS}, "bot_name": "My Recorder"}


def test_an_override_conflict_holds_back_that_meeting_only(world: World) -> None:
    uid = world.connected_user("google")
    contested, free = loaded_meetings(world, uid, 2)
    world.other.update_meeting(uid, contested.id, True)
    world.quiet()

    outcome = world.actions().set_overrides(
        uid,
        [OverrideChange(contested.id, None, False), OverrideChange(free.id, None, True)],
        reason=REASON,
    )

    [conflict] = outcome.conflicts
    assert (conflict.loaded, conflict.current, conflict.wanted) == (None, True, False)
    assert contested.title in conflict.target
    assert [m.id for m in outcome.applied] == [free.id]
    assert world.override(uid, contested.id) is True
    assert world.override(uid, free.id) is True
    assert world.count("meeting_update") == 1
    held = world.only_event(outcome=Outcome.FAILED)
    assert (held.target, held.error_class) == (contested.id, "ConflictError")
    assert held.before == {"override_should_record": True}
    _, ok = world.pair("meeting.override")
    assert ok.target == free.id


# -- whitelisting and invalid values ------------------------------------------------------------


def test_fields_outside_the_preferences_are_ignored(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    sandbox_user = world.sandbox_user(uid)
    identity = (sandbox_user.id, sandbox_user.preferences_id, len(sandbox_user.connections))
    world.quiet()
    crafted = {
        **loaded,
        "id": "00000000-0000-4000-8000-000000000000",
        "external_id": "somebody-else",
        "connections": [],
        "preferences": {"record_external": True},
        "record_external": not loaded["record_external"],
    }

    world.actions().update_preferences(uid, loaded=loaded, wanted=crafted, reason=REASON)

    after = world.sandbox_user(uid)
    assert after is sandbox_user and world.sandbox_user("somebody-else") is None
    assert (after.id, after.preferences_id, len(after.connections)) == identity
    assert world.prefs(uid) == {
        **{k: loaded[k] for k in (*FLAGS, "bot_name")},
        "record_external": crafted["record_external"],
    }
    attempt, ok = world.pair("preferences.update")
    # All six flags, and nothing of the crafted fields.
    assert set(attempt.after) == set(ok.after) == set(FLAGS)


def test_a_change_of_nothing_but_foreign_fields_is_refused(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    world.quiet()
    with pytest.raises(InvalidChangeError):
        world.actions().update_preferences(
            uid,
            loaded=loaded,
            wanted={**loaded, "external_id": "somebody-else", "id": "x"},
            reason=REASON,
        )
    assert world.requests() == 0
    assert world.only_event().error_class == "InvalidChangeError"


INVALID_PREFERENCES = [
    {"record_internal": "yes"},
    {"record_internal": None},
    {"record_internal": [True]},
    {"bot_name": ""},
    {"bot_name": "   "},
    {"bot_name": None},
    {"bot_name": 7},
    {"bot_name": "x" * 101},
    {"bot_name": "Fine name", "record_external": "on"},
    # What a crafted edit state or a dataframe cell can hold: refused, and still on record.
    {"record_internal": object()},
    {"record_internal": numpy.bool_(True), "record_external": numpy.bool_(False)},
    {"bot_name": "x" * 300_000},
]


def test_invalid_preference_values_are_refused_before_anything_is_sent(world: World) -> None:
    uid = world.connected_user("google")
    loaded = loaded_prefs(world, uid)
    before = world.snapshot()
    world.quiet()
    actions = world.actions()
    for change in INVALID_PREFERENCES:
        with pytest.raises(InvalidChangeError):
            actions.update_preferences(
                uid, loaded=loaded, wanted={**loaded, **change}, reason=REASON
            )
    assert world.requests() == 0
    assert world.snapshot() == before
    refusals = world.events()
    assert len(refusals) == len(INVALID_PREFERENCES)
    assert {(e.outcome, e.error_class) for e in refusals} == {
        (Outcome.FAILED, "InvalidChangeError")
    }


def test_an_invalid_override_value_refuses_the_whole_batch(world: World) -> None:
    uid = world.connected_user("google")
    good, other = loaded_meetings(world, uid, 2)
    world.quiet()
    bad_values: list[Any] = ["yes", 1, 0, "true", [True]]
    for bad in bad_values:
        with pytest.raises(InvalidChangeError):
            world.actions().set_overrides(
                uid,
                [OverrideChange(good.id, None, True), OverrideChange(other.id, None, bad)],
                reason=REASON,
            )
        assert world.requests() == 0, bad
    assert world.override(uid, good.id) is None and world.override(uid, other.id) is None
    assert [e.error_class for e in world.events()] == ["InvalidChangeError"] * len(bad_values)


# -- connection links ---------------------------------------------------------------------------


def connection_link(
    world: World, uid: str, platform: str = "google", **overrides: Any
) -> ConnectionLink:
    options: dict[str, Any] = {
        "client_id": "console-oauth-client",
        "sandbox": True,
        "success_url": "https://app.northwind.example/connected",
        "error_url": "https://app.northwind.example/failed",
        "redirect_uri": None,
        "reason": REASON,
        "ticket": TICKET,
        **overrides,
    }
    return world.actions(Role.EDITOR).connection_link(uid, platform, **options)


def test_a_connection_link_hides_its_token_and_the_log_never_holds_it(world: World) -> None:
    uid = world.connected_user("google")

    link = connection_link(world, uid)

    token = link_token(link)
    assert token == world.client.token_cache.get(world.client.base_url, uid)
    assert link.reveal().startswith(f"{world.running.base_url}/_sandbox/oauth/google/authorize?")
    for shown in (str(link), repr(link), f"{link}", f"{link!r}"):
        assert token not in shown and "state" not in shown
    _, ok = world.pair("connection_link.create")
    assert ok.after == {"platform": "google"} and ok.target == "google"
    stored = world.audit_text()
    assert token not in stored and link.reveal() not in stored
    assert token.split(".")[-1] not in stored  # not even the signature part


def test_bad_link_settings_are_refused_and_recorded(world: World) -> None:
    uid = world.connected_user("google")
    world.quiet()
    bad: list[dict[str, Any]] = [
        {"client_id": ""},
        {"success_url": "javascript:alert(1)"},
        {"platform": "teams"},
        {"sandbox": False, "redirect_uri": "http://forwarder.northwind.example/oauth"},
    ]
    for settings in bad:
        with pytest.raises(InvalidChangeError):
            connection_link(world, uid, **settings)
    failed = world.events()
    assert [(e.outcome, e.error_class) for e in failed] == [
        (Outcome.FAILED, "InvalidChangeError")
    ] * len(bad)
    assert world.requests() == 0  # refused before a token was minted


# -- secrets ------------------------------------------------------------------------------------


def test_no_event_message_or_log_line_holds_the_api_key_or_a_token(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    uid = world.connected_user("google")
    caplog.set_level(logging.DEBUG)
    loaded = loaded_prefs(world, uid)
    raised: list[ActionError] = []

    def attempt(write: Callable[[], object]) -> None:
        try:
            write()
        except ActionError as exc:
            raised.append(exc)

    editor, viewer = world.actions(Role.EDITOR), world.actions(Role.VIEWER)
    link = connection_link(world, uid)
    attempt(lambda: viewer.update_preferences(uid, loaded=loaded, wanted={}, reason=REASON))
    attempt(lambda: editor.update_preferences(uid, loaded=loaded, wanted={}, reason=None))
    world.other.update_preferences(uid, {}, bot_name="Theirs")
    attempt(
        lambda: editor.update_preferences(
            uid, loaded=loaded, wanted={"bot_name": "Mine"}, reason=REASON
        )
    )
    world.transport.fail_writes("503")
    attempt(lambda: editor.refresh_meetings(uid, reason=REASON))
    world.transport.heal()
    # A token pasted into the reason (a mistake that happens) is not kept either.
    pasted = link_token(link)
    attempt(lambda: editor.refresh_meetings(uid, reason=f"Customer sent {pasted} by mail"))

    assert {type(e).__name__ for e in raised} == {
        "PermissionDeniedError",
        "ReasonRequiredError",
        "ConflictError",
        "WriteFailedError",
    }
    secrets = {API_KEY, pasted, *world.transport.tokens_seen}
    assert len(secrets) >= 2
    texts = [world.audit_text(), caplog.text]
    texts += [t for e in raised for t in (str(e), repr(e), e.message, repr(vars(e)))]
    assert caplog.records  # the client logged its requests, so the scan below means something
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert_every_attempt_has_one_outcome(world)
