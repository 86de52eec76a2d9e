"""The checks in front of every write in ``lib/actions.py``: the permission (role x method), the
reason, and the existence of the user; plus minting, the one write allowed to create a user.

A refused write must change nothing: the sandbox's own request counter shows that no request
at all reached it, and its state is compared field by field before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lib.actions import (
    ActionError,
    Actions,
    InvalidChangeError,
    OverrideChange,
    PermissionDeniedError,
    ReasonRequiredError,
    UnknownUserError,
)
from lib.audit import Outcome
from lib.recall.connect import ConnectionLink
from lib.staff import Role
from tests.unit.test_actions_support import REASON, TICKET, World, link_token, open_world

NEW_ID = "nw-new-000001"
RENAMED_ID = "nw-renamed-000001"
UNKNOWN_ID = "nw-999999"

# Written from the product's description of the roles (support edits, admins do destructive
# things), not read from lib/staff/permissions.py.
MAY: dict[str, set[Role]] = {
    "update_preferences": {Role.EDITOR, Role.ADMIN},
    "set_overrides": {Role.EDITOR, Role.ADMIN},
    "refresh_meetings": {Role.EDITOR, Role.ADMIN},
    "connection_link": {Role.EDITOR, Role.ADMIN},
    "disconnect": {Role.ADMIN},
    "delete_user": {Role.ADMIN},
    "mint_user": {Role.ADMIN},
    "rename_user": {Role.ADMIN},
}
AUDIT_ACTION = {
    "update_preferences": "preferences.update",
    "set_overrides": "meeting.override",
    "refresh_meetings": "meetings.refresh",
    "connection_link": "connection_link.create",
    "disconnect": "calendar.disconnect",
    "delete_user": "user.delete",
    "mint_user": "user.mint",
    "rename_user": "user.rename",
}
ON_EXISTING_USERS = [m for m in MAY if m != "mint_user"]


@pytest.fixture
def world(make_sandbox: Callable[..., Any], tmp_path: Path) -> Iterator[World]:
    with open_world(make_sandbox, tmp_path) as opened:
        yield opened


@dataclass(frozen=True)
class Page:
    """What the console showed before the write: a user connected to Google only, their
    preferences and one of their meetings."""

    user_id: str
    prefs: dict[str, Any]
    meeting_id: str
    meeting_override: bool | None


def load_page(world: World) -> Page:
    user_id = world.connected_user("google")
    prefs = world.client.get_user(user_id).preferences.to_v1()
    meeting = world.client.list_meetings(user_id)[0]
    world.quiet()
    return Page(user_id, prefs, meeting.id, meeting.override_should_record)


def call(
    method: str,
    actions: Actions,
    page: Page,
    *,
    user_id: str | None = None,
    reason: str | None = REASON,
    ticket: str | None = TICKET,
) -> Any:
    """One valid use of ``method`` (``user_id`` replaces the page's user)."""
    uid = user_id or page.user_id
    if method == "update_preferences":
        wanted = {**page.prefs, "record_internal": not page.prefs["record_internal"]}
        return actions.update_preferences(
            uid, loaded=page.prefs, wanted=wanted, reason=reason, ticket=ticket
        )
    if method == "set_overrides":
        change = OverrideChange(
            page.meeting_id, page.meeting_override, page.meeting_override is not True
        )
        return actions.set_overrides(uid, [change], reason=reason, ticket=ticket)
    if method == "refresh_meetings":
        return actions.refresh_meetings(uid, reason=reason, ticket=ticket)
    if method == "connection_link":
        return actions.connection_link(
            uid,
            "google",
            client_id="console-oauth-client",
            sandbox=True,
            success_url=None,
            error_url=None,
            redirect_uri=None,
            reason=reason,
            ticket=ticket,
        )
    if method == "disconnect":
        return actions.disconnect(uid, "google", reason=reason, ticket=ticket)
    if method == "delete_user":
        return actions.delete_user(uid, confirmation=uid, reason=reason, ticket=ticket)
    if method == "mint_user":
        return actions.mint_user(user_id or NEW_ID, reason=reason, ticket=ticket)
    if method == "rename_user":
        return actions.rename_user(
            uid, RENAMED_ID, confirmation=RENAMED_ID, reason=reason, ticket=ticket
        )
    raise AssertionError(method)


def assert_took_effect(method: str, world: World, page: Page, result: Any) -> None:
    """The sandbox shows the write (and only the endpoint the method is about was written)."""
    uid = page.user_id
    if method == "update_preferences":
        assert world.prefs(uid)["record_internal"] is (not page.prefs["record_internal"])
        assert world.count("user_update") == 1
    elif method == "set_overrides":
        assert [m.id for m in result.applied] == [page.meeting_id]
        assert world.override(uid, page.meeting_id) is (page.meeting_override is not True)
        assert world.count("meeting_update") == 1
    elif method == "refresh_meetings":
        assert world.count("meetings_refresh") == 1
        assert result and all(m.calendar_platform == "google" for m in result)
    elif method == "connection_link":
        assert isinstance(result, ConnectionLink)
        assert world.count("authenticate") == 1
        assert link_token(result) in world.transport.tokens_seen | {
            world.client.token_cache.get(world.client.base_url, uid)
        }
    elif method == "disconnect":
        assert not world.connected(uid, "google")
        assert world.count("user_disconnect") == 1
    elif method == "delete_user":
        assert world.sandbox_user(uid) is None
        assert world.count("user_delete") == 1
    elif method == "mint_user":
        assert world.sandbox_user(NEW_ID) is not None
        assert world.count("authenticate") == 1
    elif method == "rename_user":
        assert world.sandbox_user(uid) is None
        assert world.sandbox_user(RENAMED_ID).id == result.id
        assert world.count("user_update") == 1
    else:
        raise AssertionError(method)
    assert world.writes() == 1


def assert_refused_cleanly(
    world: World, before: list[Any], error: ActionError, action: str, user_id: str
) -> None:
    """Nothing reached the sandbox, nothing changed there, and the refusal is on record."""
    assert world.requests() == 0, world.running.state.stats_snapshot()
    assert world.snapshot() == before
    failed = world.only_event(action=action)
    assert failed.outcome is Outcome.FAILED
    assert failed.error_class == type(error).__name__
    assert failed.user_id == user_id
    assert error.message and error.message == str(error)


# -- permissions ---------------------------------------------------------------------------------

ALLOWED = [(method, role) for method, roles in MAY.items() for role in Role if role in roles]


@pytest.mark.parametrize(("method", "role"), ALLOWED, ids=lambda v: getattr(v, "value", v))
def test_a_role_may_use_the_writes_the_table_allows_it(
    world: World, method: str, role: Role
) -> None:
    page = load_page(world)

    result = call(method, world.actions(role), page)

    assert_took_effect(method, world, page, result)
    attempt, ok = world.pair(AUDIT_ACTION[method])
    assert ok.outcome is Outcome.OK
    assert attempt.actor_role == ok.actor_role == role.value
    assert attempt.actor_email == f"{role.value}@northwind-staff.example"
    assert attempt.user_id == ok.user_id == (NEW_ID if method == "mint_user" else page.user_id)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR], ids=lambda r: r.value)
def test_a_role_is_refused_the_writes_the_table_forbids_it(world: World, role: Role) -> None:
    page = load_page(world)
    before = world.snapshot()
    forbidden = [method for method, roles in MAY.items() if role not in roles]
    assert forbidden

    for method in forbidden:
        with pytest.raises(PermissionDeniedError) as refused:
            call(method, world.actions(role), page)
        assert role.label in refused.value.message
        target = NEW_ID if method == "mint_user" else page.user_id
        assert_refused_cleanly(world, before, refused.value, AUDIT_ACTION[method], target)

    events = world.events()
    assert len(events) == len(forbidden)
    for event in events:
        # The attempt is on record with who tried and why; it never got as far as an attempt.
        assert (event.outcome, event.error_class) == (Outcome.FAILED, "PermissionDeniedError")
        assert (event.actor_role, event.reason, event.ticket) == (role.value, REASON, TICKET)


def test_a_refusal_is_recorded_even_for_values_the_log_cannot_hold_whole(world: World) -> None:
    page = load_page(world)
    crafted = {**page.prefs, "bot_name": "x" * 300_000, "record_internal": object()}

    with pytest.raises(PermissionDeniedError):
        world.actions(Role.VIEWER).update_preferences(
            page.user_id, loaded=page.prefs, wanted=crafted, reason=REASON
        )

    refused = world.only_event()
    assert refused.error_class == "PermissionDeniedError"
    assert refused.after == {"record_internal": "<object>", "bot_name": "x" * 200 + "..."}
    assert world.requests() == 0


# -- reasons -------------------------------------------------------------------------------------

MISSING_REASONS = [None, "", "    ", "\n\t ", "abc", "ab  c", "x" * 501]


def test_a_write_without_a_proper_reason_is_refused(world: World) -> None:
    page = load_page(world)
    before = world.snapshot()
    actions = world.actions(Role.ADMIN)
    for method in MAY:
        for reason in MISSING_REASONS:
            with pytest.raises(ReasonRequiredError) as refused:
                call(method, actions, page, reason=reason)
            assert "reason" in refused.value.message.lower()
        with pytest.raises(ReasonRequiredError):
            call(method, actions, page, ticket="T" * 101)
        refusals = world.events(action=AUDIT_ACTION[method])
        assert len(refusals) == len(MISSING_REASONS) + 1
        assert {(e.outcome, e.error_class) for e in refusals} == {
            (Outcome.FAILED, "ReasonRequiredError")
        }

    assert world.requests() == 0
    assert world.snapshot() == before


def test_the_reason_is_normalised_before_it_is_recorded(world: World) -> None:
    page = load_page(world)
    call("refresh_meetings", world.actions(), page, reason="  Customer\n asked   again  ")
    attempt, ok = world.pair("meetings.refresh")
    assert attempt.reason == ok.reason == "Customer asked again"
    assert attempt.ticket == ok.ticket == TICKET


# -- unknown users -------------------------------------------------------------------------------


def test_a_user_the_workspace_does_not_have_is_refused_without_creating_it(world: World) -> None:
    page = load_page(world)
    before = world.snapshot()
    users = world.user_count()

    for method in ON_EXISTING_USERS:
        with pytest.raises(UnknownUserError) as refused:
            call(method, world.actions(Role.ADMIN), page, user_id=UNKNOWN_ID)
        assert UNKNOWN_ID in refused.value.message
        assert_refused_cleanly(world, before, refused.value, AUDIT_ACTION[method], UNKNOWN_ID)

    assert world.exists_calls == [UNKNOWN_ID] * len(ON_EXISTING_USERS)
    assert world.count("authenticate") == 0
    assert world.user_count() == users
    assert world.sandbox_user(UNKNOWN_ID) is None


# -- minting -------------------------------------------------------------------------------------


def test_an_admin_mints_exactly_one_new_user_on_the_record(world: World) -> None:
    load_page(world)
    users = world.user_count()

    world.actions(Role.ADMIN).mint_user(NEW_ID, reason=REASON, ticket=TICKET)

    assert world.user_count() == users + 1
    assert world.count("authenticate") == 1
    created = world.sandbox_user(NEW_ID)
    assert created is not None and created.connections == []
    attempt, ok = world.pair("user.mint")
    assert ok.outcome is Outcome.OK
    assert (attempt.before, attempt.after) == ({"exists": False}, {"exists": True})
    assert (ok.before, ok.after) == ({"exists": False}, {"exists": True})
    assert (ok.user_id, ok.reason, ok.ticket) == (NEW_ID, REASON, TICKET)
    # The minted token is a secret: it is not what the audit log keeps.
    for token in world.transport.tokens_seen | {
        world.client.token_cache.get(world.client.base_url, NEW_ID) or "no-token"
    }:
        assert token not in world.audit_text()


def test_minting_an_id_the_workspace_already_has_is_refused(world: World) -> None:
    page = load_page(world)
    before = world.snapshot()

    with pytest.raises(InvalidChangeError) as refused:
        world.actions(Role.ADMIN).mint_user(page.user_id, reason=REASON)

    assert page.user_id in refused.value.message
    assert_refused_cleanly(world, before, refused.value, "user.mint", page.user_id)
