"""The account page over a sandbox that refuses an expired calendar token with 403 (as Django REST
Framework does for a failed header authentication): the page renews the token and carries on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from lib.sandbox.clock import ManualClock
from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from tests.app.test_account_helpers import click, open_account, texts

USER = "nw-000005"
CLOCK = ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(params=[401, 403])
def app_sandbox(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., RunningSandbox]
) -> RunningSandbox:
    CLOCK.set(datetime.now(UTC).replace(microsecond=0))
    return make_sandbox(seed=1, users=40, token_error_status=request.param, clock=CLOCK)


def test_an_expired_token_is_renewed_without_an_error_on_screen(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    open_account(at, USER)
    assert not at.error
    # A day later by the sandbox's clock the cached token has expired.
    CLOCK.advance(timedelta(hours=25))
    click(at, "Reload")

    assert not at.error, texts(at)
    assert "Meetings" in [t.label for t in at.tabs]
    assert "HTTP 403" not in texts(at) and "HTTP 401" not in texts(at)
