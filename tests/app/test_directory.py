"""Find a user: search, filters, sorting, pages, unknown ids, admin mint, duplicates, opening.

Expected values come from the sandbox's own state (the workspace the console lists), never from
the page's output, and every test checks what reached Recall through the sandbox's counters.
"""

from __future__ import annotations

import re

import httpx
import pytest

from lib.actions import Actions, PermissionDeniedError
from lib.audit import AuditStore, Outcome
from lib.audit.keys import sandbox_key
from lib.directory import users_frame
from lib.recall import RecallClient
from lib.staff import Role
from lib.ui.directory_mint import KEY_DIR_MINT, mint_widget_key
from lib.ui.directory_results import KEY_DIR_OPEN_SELECTED
from lib.ui.directory_search import KEY_DIR_OPEN_EXACT, KEY_DIR_REFRESH
from lib.ui.state import (
    SK_DIR_DESCENDING,
    SK_DIR_DUPLICATES,
    SK_DIR_MINT_CONFIRM,
    SK_DIR_MINT_REASON,
    SK_DIR_MINT_TICKET,
    SK_DIR_PAGE_SIZE,
    SK_DIR_QUERY,
    SK_DIR_SORT,
    SK_DIR_STATES,
    SK_DIR_TABLE,
)
from tests.app.conftest import STAFF
from tests.audit_key import TEST_AUDIT_KEY

PAGE = "pages/directory.py"
# Recall endpoints that need a calendar token: the directory must never reach them, because
# minting the token is what creates users.
PER_USER_ENDPOINTS = (
    "authenticate",
    "user_retrieve",
    "user_update",
    "meetings_list",
    "user_delete",
    "user_disconnect",
)


def open_directory(console_app, role: Role):
    at = console_app(role).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def search_for(at, text: str):
    at.text_input(key=SK_DIR_QUERY).input(text).run()
    assert not at.exception
    return at


def stats(sandbox) -> dict:
    return httpx.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()


def per_user_requests(sandbox) -> dict[str, int]:
    counts = stats(sandbox)["by_endpoint"]
    return {name: counts.get(name, 0) for name in PER_USER_ENDPOINTS if counts.get(name, 0)}


def listed_ids(at) -> list[str]:
    """User ids in the results table, in the order shown."""
    table = next(df for df in at.dataframe if (df.key or "").startswith(SK_DIR_TABLE))
    return table.value["user_id"].tolist()


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.info] + [w.value for w in at.warning] + [e.value for e in at.error]
    )
    parts += [s.value for s in at.success]
    # Text from staff passes through lib.ui.text.plain, which escapes Markdown; read it plainly.
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def workspace_users(sandbox):
    return sandbox.state.workspace.users()


def states_of(user) -> dict[str, bool]:
    return {conn.platform: conn.connected for conn in user.connections}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_every_user_and_touches_no_account(console_app, app_sandbox, role):
    at = open_directory(console_app, role)
    expected = sorted(user.external_id for user in workspace_users(app_sandbox))
    assert at.metric[0].value == f"{len(expected):,}"
    assert listed_ids(at) == expected[:50]
    assert f"1–{len(expected)} of {len(expected)}" in texts(at)
    # Only editors and admins get an editable preference table.
    assert bool(at.data_editor) is (role is not Role.VIEWER)
    # Viewers and editors are never offered a way to create a user.
    search_for(at, "acme-not-a-user-7")
    assert (KEY_DIR_MINT in [b.key for b in at.button]) is (role is Role.ADMIN)
    assert stats(app_sandbox)["by_endpoint"]["users_list"] == 1  # one list, then the cache
    assert per_user_requests(app_sandbox) == {}


def test_search_matches_user_id_or_email_case_insensitively(console_app, app_sandbox):
    users = workspace_users(app_sandbox)
    at = open_directory(console_app, Role.VIEWER)

    search_for(at, "nw-00001")
    assert listed_ids(at) == sorted(u.external_id for u in users if "nw-00001" in u.external_id)

    person = next(u for u in users if u.connections)
    email = person.connections[0].email
    search_for(at, email.upper())
    expected = sorted(
        u.external_id
        for u in users
        if any((c.email or "").lower() == email.lower() for c in u.connections)
    )
    assert listed_ids(at) == expected
    assert person.external_id in expected

    search_for(at, "no-such-text-anywhere")
    assert "No users match" in texts(at)
    assert per_user_requests(app_sandbox) == {}


@pytest.mark.parametrize(
    ("choice", "wanted"),
    [
        ("Google connected", lambda s: s.get("google") is True),
        ("Microsoft connected", lambda s: s.get("microsoft") is True),
        ("No calendar", lambda s: not s),
        ("Disconnected", lambda s: any(v is False for v in s.values())),
    ],
)
def test_calendar_filters_follow_the_connection_state(console_app, app_sandbox, choice, wanted):
    expected = sorted(u.external_id for u in workspace_users(app_sandbox) if wanted(states_of(u)))
    assert expected, "the seeded workspace should have users in every state"
    at = open_directory(console_app, Role.VIEWER)
    at.multiselect(key=SK_DIR_STATES).set_value([choice]).run()
    assert listed_ids(at) == expected


def test_sorting_and_pages_cover_every_user_once(console_app, app_sandbox):
    users = workspace_users(app_sandbox)
    at = open_directory(console_app, Role.VIEWER)
    at.selectbox(key=SK_DIR_SORT).set_value("Google email").run()
    at.toggle(key=SK_DIR_DESCENDING).set_value(True).run()
    at.selectbox(key=SK_DIR_PAGE_SIZE).set_value(25).run()
    first = listed_ids(at)
    assert len(first) == 25
    assert f"1–25 of {len(users)}" in texts(at)
    at.pagination[0].select(2).run()
    second = listed_ids(at)
    assert f"26–{len(users)} of {len(users)}" in texts(at)
    assert sorted(first + second) == sorted(u.external_id for u in users)

    # Independent oracle: Google emails descending, users without one last (by user id).
    with_email = sorted(
        (u for u in users if u.connection("google")),
        key=lambda u: (u.connection("google").email or "").lower(),
        reverse=True,
    )
    without = sorted(u.external_id for u in users if u.connection("google") is None)
    assert first + second == [u.external_id for u in with_email] + without


def test_changing_the_search_goes_back_to_the_first_page(console_app):
    at = open_directory(console_app, Role.VIEWER)
    at.selectbox(key=SK_DIR_PAGE_SIZE).set_value(25).run()
    at.pagination[0].select(2).run()
    assert listed_ids(at)[0] == "nw-000026"
    search_for(at, "nw-00003")
    assert listed_ids(at) == [f"nw-0000{n}" for n in range(30, 40)]
    assert "1–10 of 10" in texts(at)
    search_for(at, "")
    assert listed_ids(at)[0] == "nw-000001"


def test_unknown_user_id_is_reported_and_never_created(console_app, app_sandbox):
    before = app_sandbox.state.user_count
    for role in (Role.VIEWER, Role.EDITOR):
        at = open_directory(console_app, role)
        search_for(at, "acme-customer-991")
        assert "No calendar user has the user id" in texts(at)
        assert "`acme-customer-991`" in texts(at)
        assert "Only an admin can create" in texts(at)
        assert KEY_DIR_MINT not in [b.key for b in at.button]
        assert not at.text_area
    assert app_sandbox.state.user_count == before
    assert app_sandbox.state.workspace.by_external_id("acme-customer-991") is None
    assert stats(app_sandbox)["by_endpoint"]["authenticate"] == 0
    assert per_user_requests(app_sandbox) == {}


def test_near_misses_are_pointed_out(console_app, app_sandbox):
    users = workspace_users(app_sandbox)
    at = open_directory(console_app, Role.VIEWER)
    search_for(at, "NW-000007")
    assert "Did you mean `nw-000007`?" in texts(at)
    assert "letter case included" in texts(at)
    person = next(u for u in users if u.connections and u.connections[0].email)
    search_for(at, person.connections[0].email)
    assert "is the calendar email of" in texts(at)
    assert f"`{person.external_id}`" in texts(at)
    assert stats(app_sandbox)["by_endpoint"]["authenticate"] == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("x" * 10_000, "10,000 characters long"),
        ("nw-000001\x00", "invisible control characters"),
        ("nw-000001\u200b", "invisible control characters"),
    ],
)
def test_bad_input_gets_words_and_looks_nothing_up(console_app, app_sandbox, typed, message):
    at = open_directory(console_app, Role.ADMIN)
    search_for(at, typed)
    assert message in texts(at)
    assert "Nothing was searched" in texts(at)
    assert KEY_DIR_MINT not in [b.key for b in at.button]
    assert not listed_ids_present(at)
    assert per_user_requests(app_sandbox) == {}


def listed_ids_present(at) -> bool:
    return any((df.key or "").startswith(SK_DIR_TABLE) for df in at.dataframe)


def test_look_alike_characters_are_flagged(console_app, app_sandbox):
    at = open_directory(console_app, Role.ADMIN)
    search_for(at, "nw-00000\u0661")  # ARABIC-INDIC DIGIT ONE looks like 1
    assert "non-ASCII characters" in texts(at)
    assert "ARABIC-INDIC DIGIT ONE" in texts(at)
    assert "No calendar user has the user id" in texts(at)
    assert stats(app_sandbox)["by_endpoint"]["authenticate"] == 0


def test_admin_mints_an_unknown_id_with_reason_and_it_is_audited(
    console_app, app_sandbox, data_dir
):
    uid = "acme-new-customer-1"
    before = app_sandbox.state.user_count
    at = open_directory(console_app, Role.ADMIN)
    search_for(at, uid)
    assert at.button(key=KEY_DIR_MINT).disabled  # not before the confirmation is ticked

    # Confirmed but without a reason: refused in words, audited as failed, nothing created.
    at.checkbox(key=mint_widget_key(SK_DIR_MINT_CONFIRM, uid)).check().run()
    at.button(key=KEY_DIR_MINT).click().run()
    assert "reason of at least" in texts(at)
    assert app_sandbox.state.user_count == before
    assert stats(app_sandbox)["by_endpoint"]["authenticate"] == 0

    at.text_area(key=mint_widget_key(SK_DIR_MINT_REASON, uid)).input(
        "Onboarding Acme; product confirmed the id"
    ).run()
    at.text_input(key=mint_widget_key(SK_DIR_MINT_TICKET, uid)).input("SUP-42").run()
    at.button(key=KEY_DIR_MINT).click().run()
    assert not at.exception
    assert app_sandbox.state.user_count == before + 1
    assert app_sandbox.state.workspace.by_external_id(uid) is not None
    assert stats(app_sandbox)["by_endpoint"]["authenticate"] == 1
    # The list was reloaded: the new id is now an exact match with nothing left to create.
    assert "Created calendar user" in texts(at)
    assert "is a calendar user of this workspace" in texts(at)
    assert KEY_DIR_MINT not in [b.key for b in at.button]

    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as store:
        events = store.query(action="user.mint", newest_first=False)
        assert [(e.outcome, e.actor_email) for e in events] == [
            (Outcome.FAILED, "admin@console.example"),
            (Outcome.ATTEMPT, "admin@console.example"),
            (Outcome.OK, "admin@console.example"),
        ]
        assert events[0].error_class == "ReasonRequiredError"
        assert {e.user_id for e in events} == {uid}
        assert events[-1].reason == "Onboarding Acme; product confirmed the id"
        assert events[-1].ticket == "SUP-42"
        assert events[-1].before == {"exists": False} and events[-1].after == {"exists": True}
        assert store.verify().ok


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_crafted_mint_by_a_non_admin_is_refused(app_sandbox, tmp_path, role):
    uid = "crafted-mint-1"
    before = app_sandbox.state.user_count
    with (
        RecallClient(app_sandbox.base_url, app_sandbox.api_key) as client,
        AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", key=TEST_AUDIT_KEY) as store,
    ):
        frame = users_frame(client.list_users())
        actions = Actions(
            staff=STAFF[role],
            client=client,
            audit=store,
            user_exists=lambda user_id: user_id in frame.index,
        )
        with pytest.raises(PermissionDeniedError):
            actions.mint_user(uid, reason="I would like a new user please", ticket=None)
        events = store.query(action="user.mint")
        assert [(e.outcome, e.error_class, e.user_id) for e in events] == [
            (Outcome.FAILED, "PermissionDeniedError", uid)
        ]
    assert app_sandbox.state.user_count == before
    assert stats(app_sandbox)["by_endpoint"]["authenticate"] == 0


def test_shared_calendar_email_is_flagged_as_possible_duplicate(console_app, app_sandbox):
    workspace = app_sandbox.state.workspace
    original = next(u for u in workspace.users() if u.connection("google"))
    copy = next(
        u for u in workspace.users() if u is not original and u.connection("google") is None
    )
    shared = original.connection("google").email
    # The same person connected again under another user id, in another letter case.
    workspace.connect(copy, "google", shared.upper())

    at = open_directory(console_app, Role.VIEWER)
    assert at.metric[4].value == "2"
    assert "share a calendar email with another user id" in texts(at)
    at.toggle(key=SK_DIR_DUPLICATES).set_value(True).run()
    assert listed_ids(at) == sorted([original.external_id, copy.external_id])
    table = next(df for df in at.dataframe if (df.key or "").startswith(SK_DIR_TABLE)).value
    flags = dict(zip(table["user_id"], table["duplicate_of"], strict=True))
    assert flags[original.external_id].endswith(copy.external_id)
    assert flags[copy.external_id].endswith(original.external_id)


def test_refresh_reloads_the_cached_list(console_app, app_sandbox):
    at = open_directory(console_app, Role.VIEWER)
    count = app_sandbox.state.user_count
    app_sandbox.state.workspace.authenticate("created-elsewhere-1")  # e.g. by the product
    at.run()
    assert at.metric[0].value == f"{count:,}"  # still the cached list
    at.button(key=KEY_DIR_REFRESH).click().run()
    assert at.metric[0].value == f"{count + 1:,}"
    assert stats(app_sandbox)["by_endpoint"]["users_list"] == 2


def test_open_goes_to_the_account_page_with_the_user_in_the_url(console_app, app_sandbox):
    at = open_directory(console_app, Role.VIEWER)
    search_for(at, "nw-000012")
    at.button(key=KEY_DIR_OPEN_EXACT).click().run()
    assert at.query_params["user_id"] == "nw-000012"
    assert [t.value for t in at.title] == ["Account"]


def test_picking_a_row_offers_to_open_that_user(console_app, app_sandbox):
    at = open_directory(console_app, Role.VIEWER)
    search_for(at, "nw-00002")
    ids = listed_ids(at)
    key = next(df.key for df in at.dataframe if (df.key or "").startswith(SK_DIR_TABLE))
    at.session_state[key] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    button = at.button(key=KEY_DIR_OPEN_SELECTED)
    assert ids[3] in button.label
    button.click().run()
    assert at.query_params["user_id"] == ids[3]
    assert per_user_requests(app_sandbox) == {}


def test_search_and_filters_survive_a_visit_to_an_account(console_app):
    at = open_directory(console_app, Role.VIEWER)
    at.multiselect(key=SK_DIR_STATES).set_value(["Google connected"]).run()
    search_for(at, "nw-00002")
    shown = listed_ids(at)
    at.switch_page("pages/account.py").run()
    at.switch_page(PAGE).run()
    assert at.text_input(key=SK_DIR_QUERY).value == "nw-00002"
    assert at.multiselect(key=SK_DIR_STATES).value == ["Google connected"]
    assert listed_ids(at) == shown


def test_a_wrong_api_key_is_explained_without_a_traceback(console_app, app_sandbox):
    at = console_app(Role.VIEWER)
    at.secrets["sandbox"] = {"base_url": app_sandbox.base_url, "api_key": "not-the-key"}
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Could not load the workspace's calendar users" in texts(at)
    assert "Retry" in [b.label for b in at.button]
    assert not at.dataframe


def test_markup_in_a_user_id_is_shown_as_text(console_app, app_sandbox):
    uid = "evil`](http://x.example)**b**"
    app_sandbox.state.workspace.authenticate(uid)
    at = open_directory(console_app, Role.VIEWER)
    search_for(at, uid)
    card = next(m.value for m in at.markdown if "is a calendar user" in m.value)
    # The id sits inside one code span: no link, no bold, however it is written.
    assert "`evilʼ](http://x.example)**b**`" in card
    assert card.count("`") == 2
