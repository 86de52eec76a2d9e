"""A user deleted a moment ago is never re-created by viewing it (account, preview, cohort).

Each test loads the workspace's user list first (the directory cache keeps it for two minutes),
then deletes a user behind the page's back: through another console process sharing the
database, or directly in Recall as the company's product would. Recall's authenticate would
re-create the user, so the sandbox's user count and authenticate requests are the evidence.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from lib.actions import Actions
from lib.audit import AuditStore
from lib.audit.keys import sandbox_key
from lib.deletions import UserDeletions
from lib.mint_gate import MintGate
from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from lib.ui.preview_cohort import KEY_START
from lib.ui.state import SK_PREVIEW_MODE, SK_PREVIEW_PASTE, SK_PREVIEW_USER_ID
from tests.app.conftest import STAFF
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    button_labels,
    go_to_account,
    submit_reason,
    texts,
)
from tests.app.test_preview import finish, open_preview

GONE = "nw-000007"
OTHER = "nw-000003"
# A delete made directly in Recall can only be seen by reading the list again: with the default
# limit (a few seconds) a test would have to wait that long, so these tests set no limit. The
# limit itself is tested in tests/unit/test_mint_gate.py.
NO_LIST_AGE = {"console": {"user_check_seconds": 0}}


def delete_in_another_console(running: RunningSandbox, data_dir: Path, user_id: str) -> None:
    """What an admin's delete on another console replica does: its own client, its own
    engine on the shared database, the real action layer."""
    client = RecallClient(running.base_url, running.api_key)
    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as audit:
        gate = MintGate(
            workspace=client.base_url, list_ids=lambda: [], deletions=UserDeletions(audit.engine)
        )
        Actions(
            staff=STAFF[Role.ADMIN],
            client=client,
            audit=audit,
            user_exists=lambda _user_id: True,
            mint_gate=gate,
        ).delete_user(user_id, confirmation=user_id, reason=REASON)
    client.close()


def delete_in_recall(running: RunningSandbox, user_id: str) -> None:
    """The company's product deletes the user; no console process hears of it."""
    with RecallClient(running.base_url, running.api_key) as product:
        product.delete_user(user_id)


def minted_for(probe: SandboxProbe) -> int:
    return probe.requests().get("authenticate", 0)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN])
def test_opening_a_user_deleted_on_another_replica_does_not_recreate_it(
    console_app, app_sandbox, data_dir, role
):
    probe = SandboxProbe(app_sandbox)
    at = go_to_account(console_app(role).run(), OTHER)  # the user list is now cached
    assert "Open account" in button_labels(at)
    delete_in_another_console(app_sandbox, data_dir, GONE)
    before = probe.user_count()
    probe.reset()

    go_to_account(at, GONE)
    shown = texts(at)
    assert "no longer exists" in shown and "deleted through the console" in shown
    assert "Open account" not in button_labels(at)
    assert probe.user_count() == before
    assert minted_for(probe) == 0
    assert not probe.listed(GONE)


def test_an_account_opened_before_the_delete_is_not_reloaded_into_existence(
    console_app, app_sandbox, data_dir
):
    probe = SandboxProbe(app_sandbox)
    at = go_to_account(console_app(Role.VIEWER).run(), GONE)
    # The reason form is on screen, the list cached; then the user is deleted elsewhere.
    delete_in_another_console(app_sandbox, data_dir, GONE)
    before = probe.user_count()
    submit_reason(at, REASON)
    assert "no longer exists" in texts(at)
    assert probe.user_count() == before
    assert not probe.listed(GONE)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_a_user_deleted_directly_in_recall_is_not_recreated_by_opening_it(
    console_app, app_sandbox, role
):
    probe = SandboxProbe(app_sandbox)
    at = go_to_account(console_app(role, **NO_LIST_AGE).run(), OTHER)
    delete_in_recall(app_sandbox, GONE)
    before = probe.user_count()
    probe.reset()

    # The cached list still has the id, so the page asks for a reason; the first token for
    # it is checked against a fresh list, which does not.
    go_to_account(at, GONE)
    submit_reason(at, REASON)
    assert "no longer exists" in texts(at)
    assert "no user was created" in texts(at)
    assert probe.user_count() == before
    assert minted_for(probe) == 0
    assert not probe.listed(GONE)
    # The cached list was dropped: the next look says "not a calendar user" at once.
    go_to_account(at, GONE)
    assert "is not a calendar user of this workspace" in texts(at)


@pytest.mark.parametrize("deleted_by", ["another replica", "the product"])
def test_previewing_a_deleted_user_does_not_recreate_it(
    console_app, app_sandbox, data_dir, deleted_by
):
    probe = SandboxProbe(app_sandbox)
    app = functools.partial(console_app, **(NO_LIST_AGE if deleted_by == "the product" else {}))
    at = open_preview(app, **{SK_PREVIEW_USER_ID: OTHER})
    submit_reason(at, REASON)  # previewing one user is viewing the account
    assert "Current preferences" in texts(at)
    if deleted_by == "the product":
        delete_in_recall(app_sandbox, GONE)
    else:
        delete_in_another_console(app_sandbox, data_dir, GONE)
    before = probe.user_count()
    probe.reset()

    at.session_state[SK_PREVIEW_USER_ID] = GONE
    at.run()
    if deleted_by == "the product":
        # Only Recall knows: the reason comes first, and the mint it leads to is refused.
        assert minted_for(probe) == 0
        submit_reason(at, REASON)
    assert not at.exception
    assert "no longer exists" in texts(at)
    assert probe.user_count() == before
    assert minted_for(probe) == 0


@pytest.mark.parametrize("deleted_by", ["another replica", "the product"])
def test_a_cohort_with_a_deleted_user_does_not_recreate_it(
    console_app, app_sandbox, data_dir, deleted_by
):
    probe = SandboxProbe(app_sandbox)
    app = functools.partial(console_app, **(NO_LIST_AGE if deleted_by == "the product" else {}))
    at = open_preview(app, **{SK_PREVIEW_MODE: "A cohort"})
    at.text_area(key=SK_PREVIEW_PASTE).input(f"{OTHER}\n{GONE}\n").run()
    assert "**2** user(s) to preview" in texts(at)  # both in the cached list
    if deleted_by == "the product":
        delete_in_recall(app_sandbox, GONE)
    else:
        delete_in_another_console(app_sandbox, data_dir, GONE)
    before = probe.user_count()
    probe.reset()

    at.button(key=KEY_START).click().run()
    at = finish(at)
    assert not at.exception
    assert probe.user_count() == before
    assert minted_for(probe) == 1  # OTHER only
    assert not probe.listed(GONE)
    failures = [row for row in at.dataframe if GONE in row.value.to_string()]
    assert failures, texts(at)
    assert "no longer exists" in failures[0].value.to_string()
