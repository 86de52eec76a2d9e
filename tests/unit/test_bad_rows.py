"""One bad row never hides an account: the sandbox's corpus of objects off the published model
(``bad_rows=True``) read through the console's client and account view.

Coerced where the meaning is clear (null ``is_organizer``/``connected`` -> false, numeric ids ->
text, nulls in lists dropped, unknown enum values kept), set aside otherwise, with the reason in
words and the raw JSON kept for admins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lib.account_view import meetings_table
from lib.recall import RecallClient
from lib.recall.models import CalendarMeeting, CalendarUser
from lib.recall.rows import RowList, read_rows
from lib.sandbox import bad_rows
from lib.sandbox.server import RunningSandbox


@pytest.fixture
def sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(users=10, heavy_user_meetings=0, bad_rows=True)


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[RecallClient]:
    with RecallClient(sandbox.base_url, sandbox.api_key) as opened:
        yield opened


def test_the_meetings_user_is_read_with_its_one_unreadable_meeting_set_aside(
    sandbox: RunningSandbox, client: RecallClient
) -> None:
    meetings = client.list_meetings(bad_rows.MEETINGS_USER)

    assert isinstance(meetings, RowList)
    [unreadable] = meetings.unreadable
    assert unreadable.kind == "meeting"
    assert unreadable.raw["start_time"] == bad_rows.UNREADABLE_START_TIME
    assert unreadable.reason == "start_time is not a date and time."
    assert bad_rows.UNREADABLE_START_TIME not in unreadable.reason
    # Named by its title; its id is for the raw-data control.
    assert unreadable.id and unreadable.id not in unreadable.label()
    assert unreadable.label() == f'meeting "{unreadable.raw["title"]}"'
    # Everything else is there, coerced.
    assert len(meetings) >= len(bad_rows.MEETING_ODDITIES) - 1
    assert unreadable.id not in {m.id for m in meetings}
    integer = [m for m in meetings if m.id.isdigit()]
    assert len(integer) == 1 and int(integer[0].id) >= bad_rows.INTEGER_ID_BASE
    assert all(a is not None for m in meetings for a in m.attendees)
    assert all(e is not None for m in meetings for e in m.attendee_emails)
    assert all(isinstance(a.is_organizer, bool) for m in meetings for a in m.attendees)
    statuses = {a.status for m in meetings for a in m.attendees}
    assert bad_rows.UNKNOWN_ATTENDEE_STATUS in statuses
    assert bad_rows.UNKNOWN_CALENDAR_PLATFORM in {m.calendar_platform for m in meetings}
    extra = [m for m in meetings if m.to_v1().get(bad_rows.EXTRA_FIELD[0])]
    assert len(extra) == 1


def test_a_meeting_with_an_integer_id_can_be_changed_by_that_id(
    client: RecallClient,
) -> None:
    meetings = client.list_meetings(bad_rows.MEETINGS_USER)
    [integer] = [m for m in meetings if m.id.isdigit()]
    updated = client.update_meeting(bad_rows.MEETINGS_USER, integer.id, True)
    assert updated.override_should_record is True
    assert client.get_meeting(bad_rows.MEETINGS_USER, integer.id).id == integer.id


def test_the_account_table_renders_every_readable_meeting(client: RecallClient) -> None:
    user = client.get_user(bad_rows.MEETINGS_USER)
    meetings = client.list_meetings(bad_rows.MEETINGS_USER)
    table = meetings_table(user, meetings, now=datetime.now(UTC))
    assert len(table) == len(meetings)
    assert set(table.index) == {m.id for m in meetings}


def test_the_connections_user_keeps_its_readable_connections(client: RecallClient) -> None:
    user = client.get_user(bad_rows.CONNECTIONS_USER)

    # connected: null is false and its integer id is text; the one with platform: null is set aside.
    first = user.connections[0]
    assert first.connected is False
    assert first.id == str(bad_rows.CONNECTION_INTEGER_ID)
    [unreadable] = user.unreadable_connections
    assert unreadable.kind == "calendar connection"
    assert unreadable.raw["platform"] is None
    assert unreadable.reason == "platform is not text."
    assert "unreadable_connections" not in user.to_v1()
    assert user.to_v1()[bad_rows.EXTRA_FIELD[0]] == bad_rows.EXTRA_FIELD[1]


def test_the_corpus_users_do_not_break_the_user_list(client: RecallClient) -> None:
    ids = {u.external_id for u in client.list_users()}
    assert set(bad_rows.USERS) <= ids


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"id": None}, "id is not text."),
        ({"title": "no id"}, "id is missing."),
        ({"id": "m1", "start_time": "soon"}, "start_time is not a date and time."),
        ({"id": "m1", "attendees": [{"is_organizer": "maybe"}]},
         "attendees.0.is_organizer is not true or false."),
        ({"id": "m1", "will_record": "yes please"}, "will_record is not true or false."),
        ("a string", "The meeting is not an object."),
        ([1, 2], "The meeting is not an object."),
    ],
)  # fmt: skip
def test_rows_that_do_not_fit_are_set_aside_with_their_reason(row: Any, reason: str) -> None:
    good = {"id": "ok", "start_time": "2026-01-05T10:00:00Z"}
    rows = read_rows([good, None, row], CalendarMeeting, "meeting")
    assert [m.id for m in rows] == ["ok"]
    [unreadable] = rows.unreadable
    assert (unreadable.position, unreadable.reason, unreadable.raw) == (2, reason, row)


@pytest.mark.parametrize(
    ("field", "value", "read_as"),
    [
        ("id", 42, "42"),
        ("bot_id", 7, "7"),
        ("ical_uid", 123, "123"),
        ("attendees", [None, {"email": "a@b.test", "is_organizer": None}], "a@b.test"),
        ("attendee_emails", [None, "a@b.test", None], ["a@b.test"]),
        ("meeting_platform", "whereby", "whereby"),
    ],
)
def test_coercions_where_the_meaning_is_clear(field: str, value: Any, read_as: Any) -> None:
    meeting = CalendarMeeting.model_validate({"id": "m1", field: value})
    got = getattr(meeting, field)
    if field == "attendees":
        [attendee] = got
        assert (attendee.email, attendee.is_organizer) == (read_as, False)
    else:
        assert got == read_as


def test_a_user_with_null_inside_its_connections_drops_the_null() -> None:
    user = CalendarUser.model_validate(
        {"id": 5, "external_id": 77, "connections": [None, {"platform": "zoho", "connected": None}]}
    )
    assert (user.id, user.external_id) == ("5", "77")
    [connection] = user.connections
    assert (connection.platform, connection.connected) == ("zoho", False)
    assert user.unreadable_connections == ()
