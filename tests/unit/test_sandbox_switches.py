"""Behaviour switches: each value of each switch, over real HTTP, plus how the switches are
spelled on the command line, in ``/_sandbox/config`` and in the console's settings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from lib.sandbox import bad_rows
from lib.sandbox.__main__ import parse_args, switch_values
from lib.sandbox.clock import ManualClock
from lib.sandbox.config import SWITCHES, SandboxConfig
from lib.settings import SANDBOX_SWITCHES, load_settings

API = "/api/v1/calendar"
ANCHOR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
NOW = ANCHOR + timedelta(minutes=5)
SMALL = {"users": 24, "heavy_user_meetings": 0, "anchor": ANCHOR}
ROOT = Path(__file__).resolve().parents[2]
FLAGS = (
    "record_non_host",
    "record_recurring",
    "record_external",
    "record_internal",
    "record_confirmed",
    "record_only_host",
)
ALL_OFF = dict.fromkeys(FLAGS, False)
RECORD_ALL = {**ALL_OFF, "record_external": True, "record_internal": True}
Factory = Callable[..., Any]


class Session:
    """One calendar user's view of a sandbox."""

    def __init__(self, running: Any, user_id: str) -> None:
        self.running = running
        self.client = httpx.Client(base_url=running.base_url)
        response = self.client.post(
            f"{API}/authenticate/",
            json={"user_id": user_id},
            headers={"Authorization": f"Token {running.api_key}"},
        )
        assert response.status_code == 200
        self.token = response.json()["token"]
        self.client.headers["x-recallcalendarauthtoken"] = self.token

    def user(self) -> dict[str, Any]:
        return self.client.get(f"{API}/user/").json()

    def meetings(self, **params: str) -> list[dict[str, Any]]:
        response = self.client.get(f"{API}/meetings/", params=params)
        assert response.status_code == 200
        return response.json()

    def everything(self) -> list[dict[str, Any]]:
        return self.meetings(start_time_after=(ANCHOR - timedelta(days=2)).isoformat())

    def set_preferences(self, flags: dict[str, bool]) -> None:
        assert self.client.put(f"{API}/user/", json={"preferences": flags}).status_code == 200


def key_headers(running: Any) -> dict[str, str]:
    return {"Authorization": f"Token {running.api_key}"}


def connected_company_users(running: Any, platform: str) -> list[str]:
    users = httpx.get(f"{running.base_url}{API}/users/", headers=key_headers(running)).json()
    return [
        user["external_id"]
        for user in users
        for conn in user["connections"]
        if conn["connected"]
        and conn["platform"] == platform
        and conn["email"].endswith("@northwind.example")
    ]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


# ---- base_preferences ------------------------------------------------------------------------


def test_base_preferences_any_records_the_record_all_preset(
    make_sandbox: Factory, clock: ManualClock
) -> None:
    session = Session(make_sandbox(**SMALL, clock=clock), "nw-000001")
    session.set_preferences(RECORD_ALL)
    recordable = [
        m
        for m in session.meetings()
        if m["meeting_platform"] and m["end_time"] and m["override_should_record"] is None
    ]
    assert recordable
    assert all(m["will_record"] for m in recordable)


def test_base_preferences_all_reads_the_page_literally(
    make_sandbox: Factory, clock: ManualClock
) -> None:
    running = make_sandbox(**SMALL, clock=clock, base_preferences="all")
    session = Session(running, "nw-000001")
    session.set_preferences(RECORD_ALL)
    meetings = session.meetings()
    # External and internal exclude each other: with AND only an override records.
    assert [m for m in meetings if m["will_record"]] == [
        m for m in meetings if m["will_record"] and m["override_should_record"] is True
    ]
    both = {**ALL_OFF, "record_internal": True, "record_recurring": True}
    session.set_preferences(both)
    recorded = [
        m for m in session.meetings() if m["will_record"] and m["override_should_record"] is None
    ]
    assert recorded
    assert all(m["is_recurring"] and not m["is_external"] for m in recorded)


# ---- all_day_end_time ------------------------------------------------------------------------


def _all_day(meetings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in meetings if m["start_time"].endswith("T00:00:00Z")]


@pytest.mark.parametrize("mode", ["null", "end-of-day"])
def test_all_day_events_are_never_recorded(
    make_sandbox: Factory, clock: ManualClock, mode: str
) -> None:
    running = make_sandbox(**SMALL, clock=clock, all_day_end_time=mode)
    session = Session(running, "nw-000002")
    session.set_preferences(RECORD_ALL)
    all_day = _all_day(session.everything())
    assert all_day
    for m in all_day:
        start = datetime.fromisoformat(m["start_time"])
        if mode == "null":
            assert m["end_time"] is None
        else:
            assert datetime.fromisoformat(m["end_time"]) == start + timedelta(days=1)
        assert m["will_record"] is False
        assert m["bot_id"] is None
    # Not even an override records one, whether or not it has a link.
    target = next(m for m in all_day if datetime.fromisoformat(m["start_time"]) > NOW)
    updated = session.client.put(
        f"{API}/meetings/{target['id']}/", json={"override_should_record": True}
    ).json()
    assert updated["will_record"] is False
    assert "all-day" in updated["will_record_reason"]


# ---- dedup_key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["with-platform", "link-only"])
def test_dedup_key_decides_whether_platforms_share_a_bot(
    make_sandbox: Factory, clock: ManualClock, mode: str
) -> None:
    running = make_sandbox(
        users=40, heavy_user_meetings=0, anchor=ANCHOR, clock=clock, dedup_key=mode
    )
    google = Session(running, connected_company_users(running, "google")[0])
    microsoft = Session(running, connected_company_users(running, "microsoft")[0])
    for session in (google, microsoft):
        session.set_preferences(RECORD_ALL)

    def all_hands(session: Session) -> dict[str, dict[str, Any]]:
        return {m["start_time"]: m for m in session.meetings() if m["title"].endswith("all-hands")}

    on_google, on_microsoft = all_hands(google), all_hands(microsoft)
    assert on_google and on_google.keys() == on_microsoft.keys()
    for start, first in on_google.items():
        other = on_microsoft[start]
        assert first["will_record"] and other["will_record"]
        if mode == "with-platform":
            assert first["bot_id"] != other["bot_id"]
        else:
            assert first["bot_id"] == other["bot_id"]


# ---- unknown_body_keys -----------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "status"), [("refuse", 400), ("ignore", 200)])
def test_unknown_preference_keys(make_sandbox: Factory, mode: str, status: int) -> None:
    session = Session(make_sandbox(**SMALL, unknown_body_keys=mode), "nw-000005")
    body = {"preferences": {**ALL_OFF, "record_internal": True, "record_everything": True}}
    response = session.client.put(f"{API}/user/", json=body)
    assert response.status_code == status
    prefs = session.user()["preferences"]
    if mode == "refuse":
        assert response.json() == {"preferences": {"record_everything": ["Unknown field."]}}
    else:
        assert prefs["record_internal"] is True
        assert "record_everything" not in prefs
        assert response.json()["preferences"] == prefs


# ---- limits ------------------------------------------------------------------------------------


def _statuses(session: Session, method: str, path: str, body: Any, count: int) -> list[int]:
    return [session.client.request(method, path, json=body).status_code for _ in range(count)]


def test_current_limits_allow_what_legacy_refuses(make_sandbox: Factory) -> None:
    session = Session(make_sandbox(**SMALL, rate_limit_scale=1), "nw-000001")
    prefs = {"preferences": RECORD_ALL}
    assert set(_statuses(session, "PUT", f"{API}/user/", prefs, 11)) == {200}
    assert set(_statuses(session, "POST", f"{API}/meetings/refresh/", None, 2)) == {200}
    assert set(_statuses(session, "POST", f"{API}/user/disconnect/", {"platform": "x"}, 3)) == {400}


def test_legacy_limits_answer_429_with_retry_after(
    make_sandbox: Factory, clock: ManualClock
) -> None:
    running = make_sandbox(**SMALL, clock=clock, rate_limit_scale=1, limits="legacy")
    session = Session(running, "nw-000001")
    prefs = {"preferences": RECORD_ALL}
    assert _statuses(session, "PUT", f"{API}/user/", prefs, 11) == [200] * 10 + [429]
    refused = session.client.put(f"{API}/user/", json=prefs)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60

    assert session.client.post(f"{API}/meetings/refresh/").status_code == 200
    again = session.client.post(f"{API}/meetings/refresh/")
    assert again.status_code == 429
    # Once per ten minutes.
    assert 540 <= int(again.headers["Retry-After"]) <= 600
    assert running.state.info()["rate_limits"]["meetings_refresh"]["per_seconds"] == 600

    body = {"platform": "microsoft"}
    assert _statuses(session, "POST", f"{API}/user/disconnect/", body, 3) == [200, 200, 429]


def test_legacy_meeting_update_limit_is_per_meeting(
    make_sandbox: Factory, clock: ManualClock
) -> None:
    running = make_sandbox(**SMALL, clock=clock, rate_limit_scale=1, limits="legacy")
    session = Session(running, "nw-000001")
    first, second = (m["id"] for m in session.meetings()[:2])
    body = {"override_should_record": None}
    assert _statuses(session, "PUT", f"{API}/meetings/{first}/", body, 11) == [200] * 10 + [429]
    assert _statuses(session, "PATCH", f"{API}/meetings/{second}/", body, 1) == [200]


# ---- token_error_status ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_token_error_status(make_sandbox: Factory, clock: ManualClock, status: int) -> None:
    running = make_sandbox(**SMALL, clock=clock, token_error_status=status)
    session = Session(running, "nw-000001")
    with httpx.Client(base_url=running.base_url) as client:
        refused = [
            client.get(f"{API}/user/"),
            client.get(f"{API}/user/", headers={"x-recallcalendarauthtoken": "not-a-token"}),
        ]
        clock.advance(timedelta(days=1, seconds=1))
        refused.append(client.get(f"{API}/meetings/", headers=dict(session.client.headers)))
        for response in refused:
            assert response.status_code == status
            assert ("www-authenticate" in response.headers) is (status == 401)
        assert refused[2].json() == {"detail": "Token has expired."}
        # The workspace API key is not a calendar token: a wrong key stays a 401.
        wrong_key = client.get(f"{API}/users/", headers={"Authorization": "Token nope"})
        assert wrong_key.status_code == 401


# ---- horizon_days ------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [28, 14])
def test_horizon_days_bounds_how_far_meetings_reach(
    make_sandbox: Factory, clock: ManualClock, days: int
) -> None:
    running = make_sandbox(**SMALL, clock=clock, horizon_days=days)
    latest = max(
        datetime.fromisoformat(m["start_time"])
        for user_id in ("nw-000001", "nw-000005", "nw-000009")
        for m in Session(running, user_id).everything()
    )
    assert latest < ANCHOR + timedelta(days=days)
    assert latest > ANCHOR + timedelta(days=days - 3)


# ---- users_pagination ------------------------------------------------------------------------


def _walk(running: Any, first: str) -> tuple[list[str], list[dict[str, Any]]]:
    ids: list[str] = []
    pages: list[dict[str, Any]] = []
    url: str | None = first
    with httpx.Client(headers=key_headers(running)) as client:
        while url is not None:
            assert url.startswith(running.base_url), "next is an absolute URL"
            response = client.get(url)
            assert response.status_code == 200
            page = response.json()
            pages.append(page)
            ids += [user["id"] for user in page["results"]]
            url = page["next"]
    return ids, pages


@pytest.mark.parametrize("style", ["cursor", "page"])
def test_users_pagination_styles(make_sandbox: Factory, style: str) -> None:
    running = make_sandbox(**SMALL, users_pagination=style)
    everyone = [
        user["id"]
        for user in httpx.get(
            f"{running.base_url}{API}/users/", headers=key_headers(running)
        ).json()
    ]
    ids, pages = _walk(running, f"{running.base_url}{API}/users/?paginate=true&page_size=10")
    assert ids == everyone
    assert len(pages) == 3
    second_next = pages[0]["next"]
    if style == "cursor":
        assert "cursor=" in second_next and "page=" not in second_next
        assert "count" not in pages[0]
    else:
        assert "page=2" in second_next and "cursor=" not in second_next
        assert all(page["count"] == len(everyone) for page in pages)
        assert pages[1]["previous"] is not None and "page=" not in pages[1]["previous"]
        bad = httpx.get(
            f"{running.base_url}{API}/users/?paginate=true&page=99", headers=key_headers(running)
        )
        assert (bad.status_code, bad.json()) == (404, {"detail": "Invalid page."})


# ---- delete_user_status ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [204, 200])
def test_delete_user_status(make_sandbox: Factory, status: int) -> None:
    running = make_sandbox(**SMALL, delete_user_status=status)
    session = Session(running, "nw-000007")
    before = session.user()
    response = session.client.delete(f"{API}/user/")
    assert response.status_code == status
    if status == 204:
        assert response.content == b""
    else:
        assert response.json() == before
    assert running.state.workspace.by_external_id("nw-000007") is None


# ---- bad_rows ----------------------------------------------------------------------------------


def test_bad_rows_are_off_by_default(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    assert running.state.info()["notable_users"]["bad_rows"] == []
    assert running.state.user_count == SMALL["users"]


def test_bad_rows_seed_users_whose_objects_break_the_model(
    make_sandbox: Factory, clock: ManualClock
) -> None:
    running = make_sandbox(**SMALL, clock=clock, bad_rows=True)
    info = httpx.get(f"{running.base_url}/_sandbox/info").json()
    assert info["notable_users"]["bad_rows"] == [bad_rows.MEETINGS_USER, bad_rows.CONNECTIONS_USER]
    assert running.state.user_count == SMALL["users"] + 2

    listed = httpx.get(f"{running.base_url}{API}/users/", headers=key_headers(running)).json()
    odd_user = next(u for u in listed if u["external_id"] == bad_rows.CONNECTIONS_USER)
    first, second = odd_user["connections"]
    assert first["connected"] is None and first["id"] == bad_rows.CONNECTION_INTEGER_ID
    assert second["platform"] is None
    assert odd_user["transcription_language"] == "en"

    session = Session(running, bad_rows.MEETINGS_USER)
    meetings = session.meetings()
    assert len(meetings) > len(bad_rows.MEETING_ODDITIES)
    assert any(m["attendees"][0]["is_organizer"] is None for m in meetings if m["attendees"])
    assert any(None in m["attendees"] and None in m["attendee_emails"] for m in meetings)
    assert any(
        a and a["status"] == bad_rows.UNKNOWN_ATTENDEE_STATUS
        for m in meetings
        for a in m["attendees"]
    )
    assert any(m["calendar_platform"] == bad_rows.UNKNOWN_CALENDAR_PLATFORM for m in meetings)
    assert any("transcription_language" in m for m in meetings)
    unreadable = [m for m in meetings if m["start_time"] == bad_rows.UNREADABLE_START_TIME]
    assert len(unreadable) == 1
    numbered = [m for m in meetings if isinstance(m["id"], int)]
    assert [m["id"] for m in numbered] == [bad_rows.INTEGER_ID_BASE + 1]
    # The integer id works in a URL, both to read and to write.
    url = f"{API}/meetings/{numbered[0]['id']}/"
    assert session.client.get(url).json()["title"] == numbered[0]["title"]
    updated = session.client.put(url, json={"override_should_record": False})
    assert updated.status_code == 200
    assert updated.json()["id"] == numbered[0]["id"]
    assert updated.json()["will_record"] is False
    # Everything else reads as usual and is deterministic.
    ordinary = [m for m in meetings if isinstance(m["id"], str) and m["start_time"] != "TBD"]
    assert all(isinstance(m["attendees"], list) for m in ordinary)
    again = Session(make_sandbox(**SMALL, clock=clock, bad_rows=True), bad_rows.MEETINGS_USER)
    assert [m["title"] for m in again.meetings()] == [m["title"] for m in meetings]


# ---- where the switches are spelled --------------------------------------------------------------


def test_config_endpoint_shows_and_changes_runtime_switches(
    make_sandbox: Factory, clock: ManualClock
) -> None:
    running = make_sandbox(**SMALL, clock=clock)
    base = running.base_url
    shown = httpx.get(f"{base}/_sandbox/config").json()
    assert {name: shown[name] for name in SWITCHES} == SandboxConfig().switches()

    session = Session(running, "nw-000001")
    session.set_preferences(RECORD_ALL)
    assert any(m["will_record"] for m in session.meetings())
    key = key_headers(running)
    changed = httpx.post(
        f"{base}/_sandbox/config",
        json={"base_preferences": "all", "token_error_status": 403},
        headers=key,
    )
    assert changed.status_code == 200
    assert changed.json()["base_preferences"] == "all"
    assert not any(
        m["will_record"] and m["override_should_record"] is None for m in session.meetings()
    )
    bad = httpx.get(f"{base}{API}/user/", headers={"x-recallcalendarauthtoken": "x"})
    assert bad.status_code == 403

    refused = httpx.post(
        f"{base}/_sandbox/config",
        json={"horizon_days": 14, "dedup_key": "by-title", "base_preferences": "any"},
        headers=key,
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"horizon_days", "dedup_key"}
    assert httpx.get(f"{base}/_sandbox/config").json()["base_preferences"] == "all"
    assert httpx.post(f"{base}/_sandbox/config", json={"limits": "legacy"}).status_code == 401


def test_command_line_flags_reach_the_config() -> None:
    args = parse_args(
        [
            "--base-preferences",
            "all",
            "--all-day-end-time",
            "end-of-day",
            "--dedup-key",
            "link-only",
            "--unknown-body-keys",
            "ignore",
            "--limits",
            "legacy",
            "--token-error-status",
            "403",
            "--missing-preference-keys",
            "keep",
            "--horizon-days",
            "14",
            "--users-pagination",
            "page",
            "--delete-user-status",
            "200",
            "--bad-rows",
        ]
    )
    values = switch_values(args)
    assert values == {
        "base_preferences": "all",
        "all_day_end_time": "end-of-day",
        "dedup_key": "link-only",
        "unknown_body_keys": "ignore",
        "limits": "legacy",
        "token_error_status": 403,
        "missing_preference_keys": "keep",
        "horizon_days": 14,
        "users_pagination": "page",
        "delete_user_status": 200,
        "bad_rows": True,
    }
    assert SandboxConfig(**values).switches() == values
    assert switch_values(parse_args([])) == SandboxConfig().switches()
    with pytest.raises(SystemExit):
        parse_args(["--horizon-days", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--base-preferences", "some"])


def test_help_describes_every_switch() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lib.sandbox", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    text = " ".join(result.stdout.split())
    for switch in SWITCHES.values():
        assert switch.flag in text
        assert " ".join(switch.help.split()[:4]) in text


def test_console_settings_pass_every_switch_through() -> None:
    assert set(SANDBOX_SWITCHES) == set(SWITCHES)
    settings = load_settings(
        secrets={"sandbox": {"base_preferences": "all", "delete_user_status": 200}},
        env={
            "CONSOLE_SANDBOX_TOKEN_ERROR_STATUS": "403",
            "CONSOLE_SANDBOX_HORIZON_DAYS": "14",
            "CONSOLE_SANDBOX_BAD_ROWS": "true",
            "CONSOLE_SANDBOX_DEDUP_KEY": "link-only",
        },
    )
    config = SandboxConfig(**settings.sandbox.switches())
    assert config.switches() == {
        **SandboxConfig().switches(),
        "base_preferences": "all",
        "delete_user_status": 200,
        "token_error_status": 403,
        "horizon_days": 14,
        "bad_rows": True,
        "dedup_key": "link-only",
    }
    assert load_settings(secrets={}, env={}).sandbox.switches() == SandboxConfig().switches()
