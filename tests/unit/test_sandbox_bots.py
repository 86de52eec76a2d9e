"""The sandbox's Bot API: every handed-out bot_id resolves, lives are seeded and realistic,
de-duplicated bots list every calendar meeting, both API shapes, 404 and the limits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.sandbox.bots import FUTURE_SUB_CODE
from lib.sandbox.clock import ManualClock

API = "/api/v1/calendar"
ANCHOR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
LATER = ANCHOR + timedelta(days=4)


def client(running: Any) -> httpx.Client:
    return httpx.Client(
        base_url=running.base_url,
        headers={"Authorization": f"Token {running.api_key}"},
        timeout=60,
    )


def all_bots(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    page = http.get("/api/v1/bot/", params=params)
    assert page.status_code == 200, page.text
    data = page.json()
    bots = list(data["results"])
    while data["next"]:
        data = http.get(data["next"]).json()
        bots.extend(data["results"])
    assert len(bots) == page.json()["count"]
    return bots


def meetings_of(running: Any, user_id: str, **params: str) -> list[dict[str, Any]]:
    http = client(running)
    token = http.post(f"{API}/authenticate/", json={"user_id": user_id}).json()["token"]
    response = http.get(
        f"{API}/meetings/", params=params, headers={"x-recallcalendarauthtoken": token}
    )
    return response.json()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(LATER)


@pytest.fixture
def running(make_sandbox: Any, clock: ManualClock) -> Any:
    return make_sandbox(users=40, heavy_user_meetings=0, anchor=ANCHOR, clock=clock)


def last_sub_code(bot: dict[str, Any]) -> str | None:
    return next((c["sub_code"] for c in reversed(bot["status_changes"]) if c["sub_code"]), None)


def test_every_bot_id_a_meeting_carries_resolves_to_its_bot(running: Any) -> None:
    http = client(running)
    seen = 0
    for user_id in ("nw-000001", "nw-000003", "nw-000006"):
        after = (ANCHOR - timedelta(days=2)).isoformat()
        for meeting in meetings_of(running, user_id, start_time_after=after):
            if not meeting["bot_id"]:
                continue
            seen += 1
            bot = http.get(f"/api/v1/bot/{meeting['bot_id']}/").json()
            assert bot["id"] == meeting["bot_id"]
            assert meeting["id"] in {m["id"] for m in bot["calendar_meetings"]}
            assert user_id in {m["calendar_user"]["external_id"] for m in bot["calendar_meetings"]}
    assert seen > 10


def test_ended_meetings_keep_their_bot_and_its_life(running: Any) -> None:
    ended = [
        m
        for m in meetings_of(running, "nw-000001", start_time_after=ANCHOR.isoformat())
        if m["end_time"] and datetime.fromisoformat(m["end_time"]) < LATER and m["bot_id"]
    ]
    assert ended
    bot = client(running).get(f"/api/v1/bot/{ended[0]['bot_id']}/").json()
    assert bot["join_at"] is None
    assert bot["status_changes"][0]["code"] == "joining_call"
    assert bot["status_changes"][-1]["code"] == "done"


def test_lives_cover_the_common_outcomes_and_most_bots_record(running: Any) -> None:
    bots = all_bots(client(running), join_at_before=LATER.isoformat())
    finished = [b for b in bots if b["status_changes"][-1]["code"] == "done"]
    subs = Counter(last_sub_code(b) for b in finished)
    normal = subs["call_ended_by_host"] + subs["timeout_exceeded_everyone_left"]
    assert normal > len(finished) / 2
    for expected in (
        "timeout_exceeded_waiting_room",
        "timeout_exceeded_noone_joined",
        "bot_kicked_from_call",
        "timeout_exceeded_recording_permission_denied",
        FUTURE_SUB_CODE,
    ):
        assert subs[expected] > 0, expected
    fatal = {c["sub_code"] for b in finished for c in b["status_changes"] if c["code"] == "fatal"}
    assert len(fatal) >= 3
    denied = {
        c["sub_code"]
        for b in finished
        for c in b["status_changes"]
        if c["code"] == "recording_permission_denied"
    }
    assert denied and all(code.startswith("zoom_") for code in denied)
    recorded = [b for b in finished if any(r["status"]["code"] == "done" for r in b["recordings"])]
    assert recorded
    shortcuts = recorded[0]["recordings"][0]["media_shortcuts"]
    assert shortcuts["video_mixed"]["status"]["code"] == "done"
    assert shortcuts["audio_mixed"] is None


def test_lives_are_reproducible(make_sandbox: Any) -> None:
    bodies = []
    for _ in range(2):
        running = make_sandbox(
            users=20, heavy_user_meetings=0, anchor=ANCHOR, clock=ManualClock(LATER)
        )
        bodies.append(all_bots(client(running), join_at_before=LATER.isoformat()))
    assert bodies[0] == bodies[1]
    assert len(bodies[0]) > 20


def test_a_deduplicated_bot_lists_every_calendar_users_meeting(running: Any) -> None:
    bots = all_bots(client(running))
    shared = [b for b in bots if len(b["calendar_meetings"]) > 1]
    assert shared
    for bot in shared[:3]:
        for served in bot["calendar_meetings"]:
            user_id = served["calendar_user"]["external_id"]
            after = (
                datetime.fromisoformat(served["start_time"]) - timedelta(minutes=1)
            ).isoformat()
            mine = {m["id"]: m for m in meetings_of(running, user_id, start_time_after=after)}
            assert mine[served["id"]]["bot_id"] == bot["id"]


def test_upcoming_bots_are_ready_with_join_at(running: Any) -> None:
    bots = all_bots(client(running), join_at_after=(LATER + timedelta(days=1)).isoformat())
    assert bots
    for bot in bots:
        assert [c["code"] for c in bot["status_changes"]] == ["ready"]
        start = datetime.fromisoformat(bot["calendar_meetings"][0]["start_time"])
        assert datetime.fromisoformat(bot["join_at"]) == start - timedelta(minutes=2)
        assert bot["recordings"] == []


def test_the_clock_reveals_a_life_step_by_step(running: Any, clock: ManualClock) -> None:
    http = client(running)
    upcoming = all_bots(http, join_at_after=(LATER + timedelta(days=1)).isoformat())[0]
    bot_id = upcoming["id"]
    start = datetime.fromisoformat(upcoming["calendar_meetings"][0]["start_time"])
    clock.set(start + timedelta(minutes=1))
    during = http.get(f"/api/v1/bot/{bot_id}/").json()
    assert during["join_at"] is None
    assert during["status_changes"][0]["code"] == "joining_call"
    clock.set(start + timedelta(days=1))
    after = http.get(f"/api/v1/bot/{bot_id}/").json()
    assert after["status_changes"][: len(during["status_changes"])] == during["status_changes"]
    assert after["status_changes"][-1]["code"] == "done"


def test_the_legacy_shape_switch(running: Any) -> None:
    http = client(running)
    bots = all_bots(http, join_at_before=LATER.isoformat())
    recorded = next(b for b in bots if b["recordings"])
    switched = http.post("/_sandbox/config", json={"bot_api_shape": "v1.10"})
    assert switched.status_code == 200 and switched.json()["bot_api_shape"] == "v1.10"
    legacy = http.get(f"/api/v1/bot/{recorded['id']}/").json()
    assert "recordings" not in legacy
    assert legacy["video_url"] and legacy["media_retention_end"]
    assert legacy["meeting_metadata"]["title"]
    assert "recording_done" in [c["code"] for c in legacy["status_changes"]]
    refused = http.post("/_sandbox/config", json={"bot_api_shape": "v2"})
    assert refused.status_code == 400


def test_an_unknown_bot_id_is_404(running: Any) -> None:
    response = client(running).get("/api/v1/bot/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_bot_endpoints_need_the_api_key(running: Any) -> None:
    assert httpx.get(f"{running.base_url}/api/v1/bot/").status_code == 401


def test_list_filters_by_meeting_url_platform_and_status(running: Any) -> None:
    http = client(running)
    meet = next(b for b in all_bots(http) if b["meeting_url"]["platform"] == "google_meet")
    meeting_id = meet["meeting_url"]["meeting_id"]
    found = all_bots(http, meeting_url=f"https://meet.google.com/{meeting_id}")
    assert meet["id"] in {b["id"] for b in found}
    assert all(b["meeting_url"]["meeting_id"] == meeting_id for b in found)
    zoom = all_bots(http, platform="zoom")
    assert zoom and all(b["meeting_url"]["platform"] == "zoom" for b in zoom)
    ready = all_bots(http, status="ready")
    assert ready and all(b["status_changes"][-1]["code"] == "ready" for b in ready)
    assert http.get("/api/v1/bot/", params={"meeting_url": "not a link"}).status_code == 400


def test_bot_limits_are_enforced_per_workspace(make_sandbox: Any) -> None:
    running = make_sandbox(
        users=5, heavy_user_meetings=0, anchor=ANCHOR, clock=ManualClock(LATER),
        rate_limit_scale=0.05,
    )  # fmt: skip
    http = client(running)
    info = http.get("/_sandbox/info").json()["rate_limits"]
    assert (info["bot_list"]["limit"], info["bot_retrieve"]["limit"]) == (60, 300)
    codes = [http.get("/api/v1/bot/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = http.get("/api/v1/bot/")
    assert int(throttled.headers["Retry-After"]) >= 1
