"""Directory search as people type it: names, near-miss ids ("did you mean"), emails answered
as emails, one message per miss, and each staff member's recently opened accounts."""

from __future__ import annotations

import pytest

from lib.staff import Role
from lib.ui.directory.recent import recent_key
from lib.ui.directory_mint import KEY_DIR_MINT
from lib.ui.directory_search import KEY_DIR_SUGGESTION
from tests.app.test_account_helpers import open_account
from tests.app.test_directory import (
    PAGE,
    listed_ids,
    listed_ids_present,
    open_directory,
    per_user_requests,
    search_for,
    texts,
)

TARGET = "nw-000001"


def messages(at) -> list[str]:
    """Every info, warning and error box, and bordered markdown, shown about the search."""
    boxes = [e.value for e in (*at.info, *at.warning, *at.error)]
    return [b for b in boxes if "sandbox" not in b.lower()]


def test_a_name_finds_the_person_by_their_calendar_email(console_app, app_sandbox):
    users = app_sandbox.state.workspace.users()
    person = next(u for u in users if u.connections and "." in u.connections[0].email)
    first, last = person.connections[0].email.split("@")[0].split(".")[:2]
    at = open_directory(console_app, Role.VIEWER)

    search_for(at, f"{first.capitalize()} {last.capitalize()}")

    expected = sorted(
        u.external_id
        for u in users
        if any(
            first in (c.email or "").lower() and last in (c.email or "").lower()
            for c in u.connections
        )
    )
    assert person.external_id in expected
    assert listed_ids(at) == expected
    assert "No user has exactly the id" not in texts(at)
    assert f"{len(expected)} users have every word of" in texts(at)


@pytest.mark.parametrize(
    "typed",
    ["nw 000001", "NW-000001", "nw000001", "ｎｗ－０００００１", "Nw_000001"],
    ids=["space", "upper-case", "no-separator", "full-width", "underscore"],
)
def test_a_near_miss_id_gets_did_you_mean_and_one_click_to_the_account(
    console_app, app_sandbox, typed
):
    at = open_directory(console_app, Role.ADMIN)
    search_for(at, typed)

    shown = texts(at)
    assert f"Did you mean `{TARGET}`?" in shown
    assert "No calendar user has the user id" not in shown
    assert "No users match" not in shown
    # No offer to create the near miss: that is how duplicates get made.
    assert KEY_DIR_MINT not in [b.key for b in at.button]

    at.button(key=f"{KEY_DIR_SUGGESTION}.{TARGET}").click().run()
    assert at.query_params["user_id"] == TARGET
    assert per_user_requests(app_sandbox) == {}


def test_an_email_is_answered_as_an_email(console_app, app_sandbox):
    users = app_sandbox.state.workspace.users()
    person = next(u for u in users if u.connections)
    at = open_directory(console_app, Role.ADMIN)

    search_for(at, person.connections[0].email)
    shown = texts(at)
    assert "is the calendar email of" in shown
    assert "No user has exactly the id" not in shown
    assert "user id" not in " ".join(messages(at))

    search_for(at, "nobody.here@northwind.example")
    shown = texts(at)
    assert "No calendar is connected with the email `nobody.here@northwind.example`" in shown
    assert "No calendar user has the user id" not in shown
    assert KEY_DIR_MINT not in [b.key for b in at.button]
    assert len(messages(at)) == 1


@pytest.mark.parametrize("role", list(Role))
def test_a_miss_gets_one_message(console_app, app_sandbox, role):
    at = open_directory(console_app, role)
    search_for(at, "acme-customer-991")

    about_it = [m for m in messages(at) if "acme-customer-991" in m]
    assert len(about_it) == 1, messages(at)
    assert texts(at).count("No users match") == 1
    assert "No users on this page" not in texts(at)
    assert not listed_ids_present(at)


def test_recently_opened_accounts_are_listed_per_staff_member(console_app, app_sandbox):
    at = console_app(Role.EDITOR).run()
    open_account(at, "nw-000006")
    open_account(at, "nw-000008")
    open_account(at, "nw-000006")
    at.switch_page(PAGE).run()

    recent = [b for b in at.button if (b.key or "").startswith("directory.recent.")]
    assert [b.label for b in recent] == ["nw-000006", "nw-000008"]

    at.button(key=recent_key("nw-000008")).click().run()
    assert at.query_params["user_id"] == "nw-000008"

    # Another staff member has opened nothing.
    other = open_directory(console_app, Role.VIEWER)
    assert not [b for b in other.button if (b.key or "").startswith("directory.recent.")]
