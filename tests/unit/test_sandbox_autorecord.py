"""will_record, will_record_reason and bot_id as the sandbox serves them: the sandbox's own rules
decide, the sandbox recomputes on every read and de-duplicates bots per workspace and calendar
platform."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.autorecord import decide
from lib.sandbox.clock import ManualClock

API = "/api/v1/calendar"
ANCHOR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
NOW = ANCHOR + timedelta(minutes=5)
ALL_OFF = {
    "record_non_host": False,
    "record_recurring": False,
    "record_external": False,
    "record_internal": False,
    "record_confirmed": False,
    "record_only_host": False,
}
# The documented "record all meetings" preset, with every other flag off.
RECORD_ALL = {**ALL_OFF, "record_external": True, "record_internal": True}
Factory = Callable[..., Any]


class Session:
    """One calendar user's view of a sandbox."""

    def __init__(self, running: Any, user_id: str) -> None:
        self.client = httpx.Client(base_url=running.base_url)
        token = self.client.post(
            f"{API}/authenticate/",
            json={"user_id": user_id},
            headers={"Authorization": f"Token {running.api_key}"},
        ).json()["token"]
        self.client.headers["x-recallcalendarauthtoken"] = token

    def user(self) -> dict[str, Any]:
        return self.client.get(f"{API}/user/").json()

    def meetings(self, **params: str) -> list[dict[str, Any]]:
        response = self.client.get(f"{API}/meetings/", params=params)
        assert response.status_code == 200
        return response.json()

    def set_preferences(self, **flags: bool) -> None:
        response = self.client.patch(f"{API}/user/", json={"preferences": flags})
        assert response.status_code == 200

    def emails(self) -> dict[str, str]:
        return {c["platform"]: c["email"] for c in self.user()["connections"] if c["connected"]}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def running(make_sandbox: Factory, clock: ManualClock) -> Any:
    return make_sandbox(users=40, heavy_user_meetings=0, anchor=ANCHOR, clock=clock)


def company_calendar_users(running: Any) -> dict[str, list[str]]:
    """Users whose company mailbox calendar is connected, by platform."""
    users = httpx.get(
        f"{running.base_url}{API}/users/", headers={"Authorization": f"Token {running.api_key}"}
    ).json()
    found: dict[str, list[str]] = defaultdict(list)
    for user in users:
        for conn in user["connections"]:
            if conn["connected"] and conn["email"].endswith("@northwind.example"):
                found[conn["platform"]].append(user["external_id"])
    return found


def domain(email: str) -> str:
    return email.rsplit("@", 1)[1].lower()


def test_flags_and_decisions_are_consistent(running: Any) -> None:
    for user_id in ("nw-000001", "nw-000002", "nw-000005", "nw-000009"):
        session = Session(running, user_id)
        prefs = session.user()["preferences"]
        emails = session.emails()
        for m in session.meetings(start_time_after=(ANCHOR - timedelta(days=2)).isoformat()):
            hosts = domain(m["organizer_email"])
            assert m["is_external"] == any(domain(a["email"]) != hosts for a in m["attendees"])
            mine = emails[m["calendar_platform"]]
            assert m["is_hosted_by_me"] == (m["organizer_email"].lower() == mine.lower())
            # Documented prerequisites: a link, a start and an end, not ended.
            if m["meeting_platform"] is None or m["end_time"] is None:
                assert m["will_record"] is False
            if m["end_time"] and datetime.fromisoformat(m["end_time"]) <= NOW:
                assert m["will_record"] is False
            assert (m["bot_id"] is not None) == m["will_record"]
            assert m["will_record_reason"]
            # Two independent readings of the documented rules agree in the default mode.
            decision = decide(m, prefs, now=NOW, connected_email=mine)
            assert m["will_record"] == decision.record, (m["will_record_reason"], decision.reason)


def test_bots_are_shared_within_a_calendar_platform_only(running: Any) -> None:
    by_platform = company_calendar_users(running)
    google, microsoft = by_platform["google"], by_platform["microsoft"]
    assert len(google) >= 3
    assert microsoft
    recorders = [
        Session(running, google[0]),
        Session(running, google[1]),
        Session(running, microsoft[0]),
    ]
    for session in recorders:
        session.set_preferences(**RECORD_ALL)
    bystander = Session(running, google[2])
    bystander.set_preferences(**ALL_OFF)

    def all_hands(session: Session) -> dict[str, dict[str, Any]]:
        return {m["start_time"]: m for m in session.meetings() if m["title"].endswith("all-hands")}

    g1, g2, ms = (all_hands(s) for s in recorders)
    off = all_hands(bystander)
    assert g1
    assert g1.keys() == g2.keys() == ms.keys() == off.keys()
    for start, first in g1.items():
        second, other_platform = g2[start], ms[start]
        # One real meeting: same uid, link and start on every calendar, own ids per user.
        assert first["ical_uid"] == second["ical_uid"] == other_platform["ical_uid"]
        assert len({first["id"], second["id"], other_platform["id"], off[start]["id"]}) == 4
        assert first["will_record"] and second["will_record"] and other_platform["will_record"]
        assert first["bot_id"] == second["bot_id"]
        assert other_platform["bot_id"] != first["bot_id"]
        # A user who does not record the meeting has no bot on their copy.
        assert off[start]["will_record"] is False
        assert off[start]["bot_id"] is None
    # Each occurrence is a separate meeting with its own bot.
    assert len({m["bot_id"] for m in g1.values()}) == len(g1)


def test_team_meetings_dedupe_between_teammates(running: Any) -> None:
    by_platform = company_calendar_users(running)
    teams: dict[tuple[str, int], list[str]] = defaultdict(list)
    for platform, user_ids in by_platform.items():
        for user_id in user_ids:
            teams[(platform, (int(user_id.split("-")[1]) - 1) // 8)].append(user_id)
    pair = next(ids for ids in teams.values() if len(ids) >= 2)
    sessions = [Session(running, user_id) for user_id in pair[:2]]
    for session in sessions:
        session.set_preferences(**RECORD_ALL)
    first, second = ({(m["ical_uid"], m["start_time"]): m for m in s.meetings()} for s in sessions)
    shared = [key for key in first.keys() & second.keys() if first[key]["will_record"]]
    assert shared, "teammates share stand-ups and planning"
    for key in shared:
        assert second[key]["will_record"]
        assert first[key]["bot_id"] == second[key]["bot_id"]


def test_decisions_follow_a_preference_change(running: Any) -> None:
    session = Session(running, "nw-000002")
    session.set_preferences(**ALL_OFF)
    quiet = session.meetings()
    # With every preference off only an explicit override records.
    for m in quiet:
        if m["will_record"]:
            assert m["override_should_record"] is True

    session.set_preferences(**{**ALL_OFF, "record_internal": True})
    internal_only = {m["id"]: m for m in session.meetings()}
    recordable = [
        m
        for m in internal_only.values()
        if m["meeting_platform"] and m["end_time"] and m["override_should_record"] is None
    ]
    assert any(not m["is_external"] for m in recordable)
    assert any(m["is_external"] for m in recordable)
    for m in recordable:
        assert m["will_record"] is (not m["is_external"])
    assert sum(m["will_record"] for m in internal_only.values()) > sum(
        m["will_record"] for m in quiet
    )


def test_override_records_a_meeting_the_preferences_skip(running: Any) -> None:
    session = Session(running, "nw-000002")
    session.set_preferences(**ALL_OFF)
    target = next(
        m
        for m in session.meetings()
        if m["meeting_platform"] and m["end_time"] and m["override_should_record"] is None
    )
    assert target["will_record"] is False
    updated = session.client.put(
        f"{API}/meetings/{target['id']}/", json={"override_should_record": True}
    ).json()
    assert updated["will_record"] is True
    assert updated["bot_id"] is not None


def test_a_meeting_stops_recording_once_it_has_ended(running: Any, clock: ManualClock) -> None:
    session = Session(running, "nw-000002")
    session.set_preferences(**RECORD_ALL)
    live = next(m for m in session.meetings() if m["will_record"] and m["end_time"])
    url = f"{API}/meetings/{live['id']}/"
    clock.set(datetime.fromisoformat(live["end_time"]) - timedelta(seconds=1))
    assert session.client.get(url).json()["will_record"] is True
    clock.set(datetime.fromisoformat(live["end_time"]))
    ended = session.client.get(url).json()
    assert ended["will_record"] is False
    assert ended["bot_id"] is None
    # ...and it has left the default (upcoming) list.
    assert live["id"] not in {m["id"] for m in session.meetings()}
