"""The account page with rows Recall sent off the published model (the sandbox's ``bad_rows``
corpus): the rest renders, the page says what could not be read and why, and only admins can
open the raw JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lib.sandbox import bad_rows
from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from tests.app.test_account_helpers import open_account, texts, unescape


@pytest.fixture
def app_sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(seed=1, users=40, bad_rows=True)


def raw_expanders(at) -> list:
    return [e for e in at.expander if e.label == "Raw data"]


def test_one_unreadable_meeting_is_named_and_the_rest_renders(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    open_account(at, bad_rows.MEETINGS_USER)

    assert not at.exception
    warning = unescape("\n".join(w.value for w in at.warning))
    assert "1 meeting could not be read" in warning
    assert "start_time is not a date and time" in warning
    # The readable meetings are all in the table, the coerced ones included.
    table = at.data_editor[0].value
    upcoming = next(m for m in at.metric if m.label == "Upcoming meetings")
    assert int(upcoming.value) >= len(bad_rows.MEETING_ODDITIES) - 1
    assert any(str(i).isdigit() for i in table.index)
    # Raw JSON is for admins only.
    assert raw_expanders(at) == []
    assert "An admin can open the raw data" in texts(at)
    assert bad_rows.UNREADABLE_START_TIME not in texts(at)


def test_an_admin_can_open_the_raw_json_of_the_unreadable_meeting(console_app, app_sandbox):
    at = console_app(Role.ADMIN).run()
    open_account(at, bad_rows.MEETINGS_USER)

    [raw] = raw_expanders(at)
    [shown] = raw.json
    assert f'"start_time": "{bad_rows.UNREADABLE_START_TIME}"' in shown.value.replace('":"', '": "')


def test_an_unreadable_connection_is_named_and_the_others_render(console_app, app_sandbox):
    at = console_app(Role.ADMIN).run()
    open_account(at, bad_rows.CONNECTIONS_USER)

    assert not at.exception
    warning = unescape("\n".join(w.value for w in at.warning))
    assert "1 calendar connection could not be read" in warning
    assert "platform is not text" in warning
    [raw] = raw_expanders(at)
    assert '"platform": null' in raw.json[0].value.replace('":null', '": null')


def test_the_first_view_names_the_meeting_without_its_id(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    open_account(at, bad_rows.MEETINGS_USER)
    warning = unescape("\n".join(w.value for w in at.warning))
    [line] = [part for part in warning.splitlines() if "start_time" in part]
    assert line.startswith('- meeting "') and " id " not in line
