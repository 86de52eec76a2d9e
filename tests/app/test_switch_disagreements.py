"""The account page and the preview over a Recall that combines base preferences with AND or
sends all-day events with an end time: the disagreement is shown with its likely cause."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from lib.ui.state import SK_PREVIEW_USER_ID
from tests.app.test_account_helpers import REASON, open_account, submit_reason, unescape
from tests.app.test_preview import open_preview

USER = "nw-000002"
CASES = {
    "base_preferences": ("all", "Recall may require every enabled preference to match (AND)",
                         "Recall may need every enabled preference to match (AND, not OR)"),
    "all_day_end_time": ("end-of-day", "This looks like an all-day event",
                         "all-day events that carry an end time"),
}  # fmt: skip


@pytest.fixture(params=sorted(CASES))
def switch(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app_sandbox(make_sandbox: Callable[..., RunningSandbox], switch: str) -> RunningSandbox:
    return make_sandbox(seed=1, users=40, heavy_user_meetings=0, **{switch: CASES[switch][0]})


def test_the_account_page_counts_the_disagreement_and_gives_its_cause(
    console_app, app_sandbox, switch
):
    at = console_app(Role.VIEWER).run()
    open_account(at, USER)
    disagree = next(m for m in at.metric if m.label == "Rules disagree")
    assert int(disagree.value) > 0
    table = at.data_editor[0].value
    mismatched = table[table["mismatch"].astype(bool)]
    assert len(mismatched) == int(disagree.value)
    assert all(CASES[switch][1] in cause for cause in mismatched["mismatch_cause"])
    # The details panel of one of them says it in words too.
    at.selectbox(key="meeting-details").set_value(mismatched.index[0]).run()
    assert any(CASES[switch][1] in unescape(w.value) for w in at.warning)


def test_the_preview_warns_with_the_most_common_cause(console_app, app_sandbox, switch):
    at = open_preview(console_app)
    at.text_input(key=SK_PREVIEW_USER_ID).input(USER).run()
    submit_reason(at, REASON)  # previewing one user is viewing the account
    assert not at.exception
    warning = "\n".join(unescape(w.value) for w in at.warning)
    assert "Recall already decides" in warning and "differently from the rules" in warning
    assert f"Most common likely cause: {CASES[switch][2]}" in warning
    [listing] = [
        e for e in at.expander if e.label.startswith("Where Recall and the rules disagree")
    ]
    assert CASES[switch][1] in "\n".join(listing.dataframe[0].value["likely cause"])
