"""The account page says how far ahead Recall's meetings reach, so a sandbox (or a Recall) that
syncs 14 days is not mistaken for a user with nothing booked after that."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from tests.app.test_account_helpers import open_account, unescape

USER = "nw-000005"


@pytest.fixture
def app_sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(seed=1, users=40, horizon_days=14)


def test_the_page_says_how_far_ahead_the_meetings_reach(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    open_account(at, USER)

    captions = unescape("\n".join(c.value for c in at.caption))
    found = re.search(
        r"Recall has meetings up to \w{3} \d{1,2} \w{3} \((\d+) days ahead\)", captions
    )
    assert found, captions
    assert 10 <= int(found.group(1)) <= 14
    assert "the console asked for the coming 28 days" in captions
