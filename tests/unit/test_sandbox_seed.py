"""The seeded workspace: every kind of account and meeting the console must handle is present,
the same seed gives the same data, and a 100,000-user workspace starts and lists."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.sandbox.clock import ManualClock
from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import start_in_thread

API = "/api/v1/calendar"
SAMPLED_USERS = 48  # six teams
HEAVY_USER = "nw-000002"
Factory = Callable[..., Any]
PRESETS = {
    "record_all": {"record_external", "record_internal"},
    "only_internal": {"record_internal"},
    "only_external": {"record_external"},
    "only_hosted": {"record_external", "record_internal", "record_only_host"},
    "only_accepted": {"record_external", "record_internal", "record_confirmed"},
    "all_false": set(),
}
HOSTILE = re.compile(r"<script|<img|\]\(|^[=+\-@]")


def key_headers(running: Any) -> dict[str, str]:
    return {"Authorization": f"Token {running.api_key}"}


def fetch_meetings(client: httpx.Client, running: Any, user_id: str, **params: str) -> list[dict]:
    token = client.post(
        f"{API}/authenticate/", json={"user_id": user_id}, headers=key_headers(running)
    ).json()["token"]
    response = client.get(
        f"{API}/meetings/", params=params, headers={"x-recallcalendarauthtoken": token}
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def seeded(sandbox: Any) -> dict[str, Any]:
    """Users of the shared sandbox, and the whole window of meetings of the first six teams."""
    since = (sandbox.state.workspace.anchor - timedelta(days=2)).isoformat()
    with httpx.Client(base_url=sandbox.base_url, timeout=30) as client:
        users = client.get(f"{API}/users/", headers=key_headers(sandbox)).json()
        meetings = {
            u["external_id"]: fetch_meetings(
                client, sandbox, u["external_id"], start_time_after=since
            )
            for u in users[:SAMPLED_USERS]
            # The heavy account has its own test; sampling it would only slow this one down.
            if u["external_id"] != HEAVY_USER
        }
    return {"users": users, "meetings": meetings}


def all_meetings(seeded: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for ms in seeded["meetings"].values() for m in ms]


def test_calendar_connections_vary(seeded: dict[str, Any]) -> None:
    kinds = Counter()
    for user in seeded["users"]:
        states = {c["platform"]: c["connected"] for c in user["connections"]}
        if not states:
            kinds["never connected"] += 1
        elif states == {"google": True}:
            kinds["google only"] += 1
        elif states == {"microsoft": True}:
            kinds["microsoft only"] += 1
        elif states == {"google": True, "microsoft": True}:
            kinds["both"] += 1
        if False in states.values():
            kinds["a disconnected calendar"] += 1
    expected = (
        "never connected",
        "google only",
        "microsoft only",
        "both",
        "a disconnected calendar",
    )
    assert all(kinds[kind] >= 2 for kind in expected), kinds


def test_ids_and_addresses_are_the_company_style_on_reserved_domains(
    seeded: dict[str, Any],
) -> None:
    users = seeded["users"]
    assert all(re.fullmatch(r"nw-\d{6}", u["external_id"]) for u in users)
    emails = [c["email"] for u in users for c in u["connections"]]
    emails += [a["email"] for m in all_meetings(seeded) for a in m["attendees"]]
    assert emails
    assert all(email.endswith((".example", ".test")) for email in emails)


def test_preferences_cover_the_documented_presets_and_vary_bot_names(
    seeded: dict[str, Any],
) -> None:
    seen = set()
    for user in seeded["users"]:
        on = {k for k, v in user["preferences"].items() if k.startswith("record_") and v}
        seen.update(name for name, flags in PRESETS.items() if on == flags)
    assert seen == set(PRESETS)
    names = Counter(u["preferences"]["bot_name"] for u in seeded["users"])
    assert len(names) >= 5


def test_meetings_cover_every_case(seeded: dict[str, Any]) -> None:
    meetings = all_meetings(seeded)
    platforms = {m["meeting_platform"] for m in meetings}
    assert platforms >= {"zoom", "google_meet", "microsoft_teams", "webex", "goto_meeting", None}
    assert {m["calendar_platform"] for m in meetings} == {"google", "microsoft"}
    all_day = [m for m in meetings if m["end_time"] is None]
    assert all_day
    assert all(m["start_time"].endswith("T00:00:00Z") for m in all_day)
    assert {m["is_external"] for m in meetings} == {True, False}
    assert {m["is_hosted_by_me"] for m in meetings} == {True, False}
    statuses = {a["status"] for m in meetings for a in m["attendees"]}
    assert statuses == {"accepted", "declined", "tentative", "not_available"}
    assert any(a["name"] is None for m in meetings for a in m["attendees"])
    assert {m["override_should_record"] for m in meetings} == {True, False, None}
    visibilities = {m["visibility"] for m in meetings}
    assert {"default", "normal", "private", None} <= visibilities
    assert any(m["will_record"] for m in meetings)
    assert any(not m["will_record"] for m in meetings)


def test_recurring_series_share_their_ical_uid(seeded: dict[str, Any]) -> None:
    for user_meetings in seeded["meetings"].values():
        series = Counter(m["ical_uid"] for m in user_meetings if m["is_recurring"])
        if any(count >= 3 for count in series.values()):
            return
    raise AssertionError("no recurring series with several occurrences")


def test_some_meetings_are_on_several_users_calendars(seeded: dict[str, Any]) -> None:
    copies: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
    for user_id, meetings in seeded["meetings"].items():
        for m in meetings:
            copies[(m["ical_uid"], m["start_time"])].append((user_id, m))
    shared = {key: found for key, found in copies.items() if len({u for u, _ in found}) >= 2}
    assert len(shared) >= 20
    for found in shared.values():
        first = found[0][1]
        assert len({m["id"] for _, m in found}) == len(found)
        invite = next(name for name in first if name.endswith("_invite") and first[name])
        assert all(m[invite] == first[invite] for _, m in found)
    # The all-hands reaches every sampled user whose company calendar is connected.
    widest = max(len({u for u, _ in found}) for found in shared.values())
    assert widest >= len(seeded["meetings"]) // 2


def test_hostile_text_appears_for_a_few_users_only(seeded: dict[str, Any]) -> None:
    hostile_users = set()
    for user in seeded["users"]:
        if HOSTILE.search(user["preferences"]["bot_name"]):
            hostile_users.add(user["external_id"])
    for user_id, meetings in seeded["meetings"].items():
        for m in meetings:
            texts = [m["title"], m["description"], *(a["name"] or "" for a in m["attendees"])]
            if any(HOSTILE.search(text) for text in texts):
                hostile_users.add(user_id)
    assert 1 <= len(hostile_users) <= 4
    titles = [m["title"] for u in hostile_users for m in seeded["meetings"].get(u, [])]
    names = [
        a["name"] or ""
        for u in hostile_users
        for m in seeded["meetings"].get(u, [])
        for a in m["attendees"]
    ]
    for texts in (titles, names):
        assert any("<script>" in t for t in texts)
        assert any("](" in t for t in texts)
    for prefix in "=+-@":
        assert any(t.startswith(prefix) for t in titles), prefix
    assert any(t[:1] in ("=", "@") for t in names)


def test_one_account_is_heavy(sandbox: Any) -> None:
    with httpx.Client(base_url=sandbox.base_url, timeout=30) as client:
        heavy = fetch_meetings(client, sandbox, HEAVY_USER)
    assert len(heavy) >= 2000


def test_heavy_account_is_a_knob(make_sandbox: Factory) -> None:
    running = make_sandbox(users=8, heavy_user_meetings=0)
    with httpx.Client(base_url=running.base_url) as client:
        assert len(fetch_meetings(client, running, HEAVY_USER)) < 300


def snapshot(running: Any, user_ids: list[str]) -> dict[str, Any]:
    with httpx.Client(base_url=running.base_url) as client:
        users = client.get(f"{API}/users/", headers=key_headers(running)).json()
        meetings = {u: fetch_meetings(client, running, u) for u in user_ids}
    return {"users": users, "meetings": meetings}


def test_same_seed_same_workspace(make_sandbox: Factory) -> None:
    anchor = datetime(2026, 5, 4, 12, tzinfo=UTC)
    clock = ManualClock(anchor)
    settings = {"users": 30, "heavy_user_meetings": 0, "anchor": anchor, "clock": clock}
    probe = ["nw-000001", "nw-000004", "nw-000017"]
    one = snapshot(make_sandbox(seed=7, **settings), probe)
    two = snapshot(make_sandbox(seed=7, **settings), probe)
    other = snapshot(make_sandbox(seed=8, **settings), probe)
    assert one == two
    assert one["meetings"]["nw-000001"]
    assert {u["id"] for u in one["users"]}.isdisjoint({u["id"] for u in other["users"]})
    assert one["meetings"] != other["meetings"]


def test_a_100k_user_workspace_starts_and_lists() -> None:
    with start_in_thread(SandboxConfig(users=100_000, rate_limit_scale=0)) as running:
        assert running.state.user_count == 100_000
        with httpx.Client(base_url=running.base_url, headers=key_headers(running), timeout=60) as c:
            users = c.get(f"{API}/users/").json()
            assert len(users) == 100_000
            assert users[-1]["external_id"] == "nw-100000"
            page = c.get(f"{API}/users/", params={"paginate": "true", "page_size": 1000}).json()
            assert [u["id"] for u in page["results"]] == [u["id"] for u in users[:1000]]
            connected = next(u for u in reversed(users) if u["connections"])
            email = connected["connections"][0]["email"]
            found = c.get(f"{API}/users/", params={"email": email.upper()}).json()
            assert connected["id"] in {u["id"] for u in found}
            fetch_meetings(c, running, connected["external_id"])
