"""Sandbox meeting endpoints: the object's shape, the default window, filters, retrieve,
override updates and refresh. The clock is pinned so "upcoming" is exact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.sandbox.clock import ManualClock

API = "/api/v1/calendar"
ANCHOR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
NOW = ANCHOR + timedelta(minutes=30)
INVITES = ("zoom_invite", "teams_invite", "meet_invite", "webex_invite", "goto_meeting_invite")
MEETING_KEYS = {
    "id",
    "override_should_record",
    "title",
    "description",
    "will_record",
    "will_record_reason",
    "start_time",
    "end_time",
    "platform",
    "platform_id",
    "meeting_platform",
    "calendar_platform",
    *INVITES,
    "bot_id",
    "is_external",
    "is_hosted_by_me",
    "is_recurring",
    "organizer_email",
    "attendee_emails",
    "attendees",
    "ical_uid",
    "visibility",
}
Factory = Callable[..., Any]


@pytest.fixture
def pinned(make_sandbox: Factory) -> Any:
    return make_sandbox(users=24, heavy_user_meetings=0, anchor=ANCHOR, clock=ManualClock(NOW))


def headers_for(running: Any, user_id: str) -> dict[str, str]:
    response = httpx.post(
        f"{running.base_url}{API}/authenticate/",
        json={"user_id": user_id},
        headers={"Authorization": f"Token {running.api_key}"},
    )
    return {"x-recallcalendarauthtoken": response.json()["token"]}


def parse(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def everything(client: httpx.Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every meeting in the seeded window, ended ones included."""
    response = client.get(
        f"{API}/meetings/",
        headers=headers,
        params={"start_time_after": (ANCHOR - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    return response.json()


def ends(meeting: dict[str, Any]) -> datetime:
    if meeting["end_time"] is None:
        return parse(meeting["start_time"]) + timedelta(days=1)
    return parse(meeting["end_time"])


def test_meeting_objects_have_the_documented_shape(pinned: Any) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        meetings = everything(client, headers_for(pinned, "nw-000001"))
    assert meetings
    for m in meetings:
        assert set(m) == MEETING_KEYS
        present = [name for name in INVITES if m[name] is not None]
        if m["meeting_platform"] is None:
            assert present == []
            assert m["platform"] is None
        else:
            assert len(present) == 1
            assert m["platform"] == m["meeting_platform"]
        parse(m["start_time"])
        if m["end_time"] is None:
            assert parse(m["start_time"]).time() == datetime.min.time()
        else:
            assert parse(m["end_time"]) > parse(m["start_time"])
        assert m["calendar_platform"] in ("google", "microsoft")
        assert m["attendee_emails"] == [a["email"] for a in m["attendees"]]
        assert m["organizer_email"] in m["attendee_emails"]
        for attendee in m["attendees"]:
            assert set(attendee) == {"name", "email", "is_organizer", "status"}
            assert attendee["status"] in ("accepted", "declined", "tentative", "not_available")
    starts = [(parse(m["start_time"]), m["id"]) for m in meetings]
    assert starts == sorted(starts)


def test_default_list_is_upcoming_and_in_progress(pinned: Any) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        headers = headers_for(pinned, "nw-000001")
        full = everything(client, headers)
        default = client.get(f"{API}/meetings/", headers=headers).json()
    expected = [m["id"] for m in full if ends(m) > NOW]
    assert [m["id"] for m in default] == expected
    in_progress = [m for m in default if parse(m["start_time"]) <= NOW < ends(m)]
    assert in_progress
    assert len(full) > len(default)  # yesterday's meetings are left out


def test_time_filters_are_inclusive_and_validated(pinned: Any) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        headers = headers_for(pinned, "nw-000001")
        full = everything(client, headers)
        pick = full[len(full) // 2]
        start = parse(pick["start_time"])

        def ids(**params: str) -> set[str]:
            response = client.get(f"{API}/meetings/", headers=headers, params=params)
            assert response.status_code == 200
            return {m["id"] for m in response.json()}

        at = start.isoformat()
        assert pick["id"] in ids(start_time_after=at)
        assert pick["id"] in ids(start_time_before=at)
        assert pick["id"] not in ids(start_time_after=(start + timedelta(seconds=1)).isoformat())
        # The same instant written with another offset selects the same meetings.
        shifted = start.astimezone(datetime.fromisoformat("2026-01-01T00:00+02:00").tzinfo)
        assert ids(start_time_before=shifted.isoformat()) == ids(start_time_before=at)
        window = ids(start_time_after=at, start_time_before=(start + timedelta(days=1)).isoformat())
        expected = {
            m["id"] for m in full if start <= parse(m["start_time"]) <= start + timedelta(days=1)
        }
        assert window == expected

        bad = client.get(f"{API}/meetings/", headers=headers, params={"start_time_after": "soon"})
    assert bad.status_code == 400
    assert bad.json() == {"start_time_after": ["Enter a valid date/time."]}


def test_ical_uid_filter_is_a_case_sensitive_prefix(pinned: Any) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        headers = headers_for(pinned, "nw-000001")
        series = [
            m for m in client.get(f"{API}/meetings/", headers=headers).json() if m["is_recurring"]
        ]
        uid = next(m["ical_uid"] for m in series if any(c.isalpha() for c in m["ical_uid"][:12]))
        prefix = uid[:12]
        found = client.get(f"{API}/meetings/", headers=headers, params={"ical_uid": prefix}).json()
        other_case = client.get(
            f"{API}/meetings/", headers=headers, params={"ical_uid": prefix.swapcase()}
        ).json()
    assert len(found) >= 2  # the occurrences of one series share their ical_uid
    assert all(m["ical_uid"].startswith(prefix) for m in found)
    assert other_case == []


def test_retrieve_one_meeting_and_not_another_users(pinned: Any) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        mine = headers_for(pinned, "nw-000001")
        theirs = headers_for(pinned, "nw-000003")
        listed = client.get(f"{API}/meetings/", headers=mine).json()[0]
        got = client.get(f"{API}/meetings/{listed['id']}/", headers=mine)
        no_slash = client.get(f"{API}/meetings/{listed['id']}", headers=mine)
        foreign = client.get(f"{API}/meetings/{listed['id']}/", headers=theirs)
        unknown = client.get(f"{API}/meetings/not-a-meeting/", headers=mine)
    assert got.status_code == 200
    assert got.json() == listed
    assert no_slash.json() == listed
    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "Not found."}
    assert unknown.status_code == 404


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_override_is_the_only_writable_field(pinned: Any, method: str) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        headers = headers_for(pinned, "nw-000002")
        meeting = next(
            m
            for m in client.get(f"{API}/meetings/", headers=headers).json()
            if m["meeting_platform"] and m["end_time"] and m["override_should_record"] is None
        )
        url = f"{API}/meetings/{meeting['id']}/"
        on = client.request(
            method, url, headers=headers, json={"override_should_record": True, "title": "hacked"}
        ).json()
        assert on["override_should_record"] is True
        assert on["will_record"] is True
        assert on["title"] == meeting["title"]  # read-only fields are ignored
        off = client.request(
            method, url, headers=headers, json={"override_should_record": False}
        ).json()
        assert off["override_should_record"] is False
        assert off["will_record"] is False
        assert off["bot_id"] is None
        cleared = client.request(
            method, url, headers=headers, json={"override_should_record": None}
        )
        assert cleared.json() == meeting
        assert client.get(url, headers=headers).json() == meeting

        bad = client.request(method, url, headers=headers, json={"override_should_record": "true"})
    assert bad.status_code == 400
    assert bad.json() == {"override_should_record": ["Must be a valid boolean."]}


@pytest.mark.parametrize("path", ["meetings/refresh/", "meetings/refresh"])
def test_refresh_returns_the_upcoming_meetings(pinned: Any, path: str) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        headers = headers_for(pinned, "nw-000001")
        refreshed = client.post(f"{API}/{path}", headers=headers)
        listed = client.get(f"{API}/meetings/", headers=headers).json()
    assert refreshed.status_code == 200
    assert refreshed.json() == listed


def test_refresh_without_a_connected_calendar_is_422(pinned: Any) -> None:
    with httpx.Client(base_url=pinned.base_url) as client:
        headers = headers_for(pinned, "brand-new-user")
        response = client.post(f"{API}/meetings/refresh/", headers=headers)
        listed = client.get(f"{API}/meetings/", headers=headers)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    assert listed.json() == []
