"""Following a meeting's bot on the pages: the "What happened" panel, the account's bot
outcomes, the Find-a-bot page and the cohort outcome view, per role, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.sandbox.bots import FUTURE_SUB_CODE
from lib.sandbox.clock import floor_to_hour
from lib.sandbox.server import RunningSandbox
from lib.staff import Role
from tests.app.test_account_helpers import (
    REASON,
    SandboxProbe,
    audit_events,
    click,
    open_account,
    texts,
    unescape,
)

FIND_PAGE = "pages/find_bot.py"
FOLLOW = "Why did (or didn't) the bot join?"


@pytest.fixture
def app_sandbox(make_sandbox: Any) -> RunningSandbox:
    # Laid out three days ago, so the last days hold plenty of finished bots.
    anchor = floor_to_hour(datetime.now(UTC)) - timedelta(days=3)
    return make_sandbox(seed=1, users=40, heavy_user_meetings=0, anchor=anchor)


def api(running: RunningSandbox) -> httpx.Client:
    return httpx.Client(
        base_url=running.base_url,
        headers={"Authorization": f"Token {running.api_key}"},
        timeout=60,
    )


def finished_bots(running: RunningSandbox) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    http = api(running)
    data = http.get(
        "/api/v1/bot/",
        params={"join_at_after": (now - timedelta(days=6)).isoformat(),
                "join_at_before": (now - timedelta(hours=3)).isoformat()},
    ).json()  # fmt: skip
    bots = list(data["results"])
    while data["next"]:
        data = http.get(data["next"]).json()
        bots.extend(data["results"])
    return [b for b in bots if b["status_changes"][-1]["code"] == "done"]


def bot_ending(running: RunningSandbox, sub_code: str, *, alone: bool = False) -> dict[str, Any]:
    for bot in finished_bots(running):
        ended = any(c["sub_code"] == sub_code for c in bot["status_changes"])
        if ended and (not alone or len(bot["calendar_meetings"]) == 1):
            return bot
    raise AssertionError(f"no bot ended with {sub_code}")


def show_meeting(at: Any, meeting_id: str, start: str) -> Any:
    """Widen the date filter to the meeting's day and pick it in the details panel."""
    day = datetime.fromisoformat(start).date()
    at.date_input(key="meetings-dates").set_value((day - timedelta(days=1), day + timedelta(1)))
    at.run()
    at.selectbox(key="meeting-details").set_value(meeting_id).run()
    assert not at.exception, at.exception
    return at


def follow_bot(console_app: Any, role: Role, bot: dict[str, Any]) -> Any:
    served = bot["calendar_meetings"][0]
    at = console_app(role).run()
    open_account(at, served["calendar_user"]["external_id"])
    show_meeting(at, served["id"], served["start_time"])
    return click(at, FOLLOW)


@pytest.mark.parametrize("role", list(Role))
def test_what_happened_explains_a_bot_not_admitted_from_the_waiting_room(
    console_app, app_sandbox, data_dir, role
):
    bot = bot_ending(app_sandbox, "timeout_exceeded_waiting_room")
    at = follow_bot(console_app, role, bot)
    shown = unescape(texts(at))
    assert "Recall scheduled a bot (rule: " in shown
    assert "waited in the waiting room for 20 min and left (timeout_exceeded_waiting_room" in shown
    assert "Fix: ask the host to admit the bot from the waiting room" in shown
    assert "automatic_leave.waiting_room_timeout in the bot preset (now 1200 s)" in shown
    preset_links = [e for e in at.get("page_link") if "presets" in str(e.proto.page)]
    assert any("automatic_leave.waiting_room_timeout" in e.proto.label for e in preset_links)
    assert "Status timeline" in shown and at.get("vega_lite_chart")
    explorer = [e for e in at.get("link_button") if "explorer" in e.proto.url]
    assert explorer[0].proto.url.endswith(f"/dashboard/explorer/bot/{bot['id']}")
    assert "download_url" not in shown and "media.sandbox.invalid" not in shown
    (event,) = audit_events(data_dir, action="bot.view")
    served = bot["calendar_meetings"][0]["calendar_user"]["external_id"]
    assert (event.target, event.user_id, event.reason) == (bot["id"], served, REASON)


def test_other_calendar_users_of_a_shared_bot_link_to_their_accounts(console_app, app_sandbox):
    bot = next(b for b in finished_bots(app_sandbox) if len(b["calendar_meetings"]) > 1)
    at = follow_bot(console_app, Role.VIEWER, bot)
    others = {m["calendar_user"]["external_id"] for m in bot["calendar_meetings"][1:]}
    links = {e.proto.label for e in at.get("page_link")}
    assert {f"Open {user}" for user in others} <= links


def test_a_zoom_permission_denial_names_the_host_setting(console_app, app_sandbox):
    bot = bot_ending(app_sandbox, "timeout_exceeded_recording_permission_denied")
    shown = unescape(texts(follow_bot(console_app, Role.VIEWER, bot)))
    assert "was refused permission to record (zoom_" in shown
    assert "the meeting host's setting" in shown
    assert "Where the fix lives: the meeting host's setting, not the bot preset." in shown


def test_an_unknown_sub_code_is_a_sentence(console_app, app_sandbox):
    bot = bot_ending(app_sandbox, FUTURE_SUB_CODE)
    at = follow_bot(console_app, Role.VIEWER, bot)
    shown = unescape(texts(at))
    assert f"{FUTURE_SUB_CODE}, a sub code the console does not know yet" in shown
    assert not at.exception


def test_a_legacy_shape_bot_is_explained(console_app, app_sandbox):
    bot = bot_ending(app_sandbox, "call_ended_by_host")
    api(app_sandbox).post("/_sandbox/config", json={"bot_api_shape": "v1.10"}).raise_for_status()
    shown = unescape(texts(follow_bot(console_app, Role.VIEWER, bot)))
    assert "recorded from" in shown and "call_ended_by_host: the host ended the meeting" in shown
    assert "older v1.10 bot format" in shown


def user_meetings(running: RunningSandbox, user_id: str) -> tuple[httpx.Client, dict, list]:
    """The user's meetings from today on (as the default date filter shows them)."""
    http = api(running)
    token = http.post("/api/v1/calendar/authenticate/", json={"user_id": user_id}).json()
    headers = {"x-recallcalendarauthtoken": token["token"]}
    today = datetime.combine(datetime.now(UTC).date(), datetime.min.time(), UTC)
    meetings = http.get(
        "/api/v1/calendar/meetings/",
        params={"start_time_after": today.isoformat()},
        headers=headers,
    ).json()
    return http, headers, meetings


def test_a_meeting_with_no_bot_says_so_without_asking_recall(console_app, app_sandbox):
    _, _, meetings = user_meetings(app_sandbox, "nw-000003")
    no_bot = next(m for m in meetings if m["bot_id"] is None and m["end_time"])
    at = console_app(Role.VIEWER).run()
    open_account(at, "nw-000003")
    probe = SandboxProbe(app_sandbox)
    probe.reset()
    at.selectbox(key="meeting-details").set_value(no_bot["id"]).run()
    assert FOLLOW not in [b.label for b in at.button]
    assert "did not schedule a bot for this meeting" in unescape(texts(at))
    assert "bot_retrieve" not in probe.requests()


def test_a_deleted_bot_says_so(console_app, app_sandbox):
    http, headers, meetings = user_meetings(app_sandbox, "nw-000001")
    now = datetime.now(UTC)
    upcoming = next(
        m for m in meetings if m["bot_id"] and datetime.fromisoformat(m["start_time"]) > now
    )
    at = console_app(Role.EDITOR).run()
    open_account(at, "nw-000001")
    at.selectbox(key="meeting-details").set_value(upcoming["id"]).run()
    # Its bot is removed behind the page's back (as Recall deletes a scheduled bot).
    changed = http.put(
        f"/api/v1/calendar/meetings/{upcoming['id']}/",
        json={"override_should_record": False},
        headers=headers,
    )
    assert changed.json()["bot_id"] is None
    shown = unescape(texts(click(at, FOLLOW)))
    assert "Recall no longer has this bot (HTTP 404)" in shown
    assert not at.exception


def test_account_outcomes_count_and_filter_to_failures(console_app, app_sandbox, data_dir):
    bot = bot_ending(app_sandbox, "timeout_exceeded_waiting_room")
    user_id = bot["calendar_meetings"][0]["calendar_user"]["external_id"]
    at = console_app(Role.VIEWER).run()
    open_account(at, user_id)
    load = next(b for b in at.button if b.label.startswith("Load the outcomes of"))
    load.click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Failed"]) >= 1 and int(metrics["Bots"]) >= int(metrics["Failed"])
    assert "timeout" in unescape(texts(at))
    today = datetime.now(UTC).date()
    at.date_input(key="meetings-dates").set_value((today - timedelta(days=7), today)).run()
    before = len(at.selectbox(key="meeting-details").options)
    at.toggle(key="bots-failures-only").set_value(True).run()
    after = len(at.selectbox(key="meeting-details").options)
    assert 1 <= int(metrics["Failed"]) == after < before
    assert [e.target for e in audit_events(data_dir, action="bot.view")] == [
        f"{metrics['Bots']} bots of the last 7 days"
    ]


# -- Find a bot ---------------------------------------------------------------------------------


def find(at: Any, text: str, reason: str = REASON) -> str:
    at.switch_page(FIND_PAGE).run()
    boxes = {t.label: t for t in at.text_input}
    boxes["Bot id or meeting link"].input(text)
    if "Reason" in boxes:
        boxes["Reason"].input(reason)
    click(at, "Find")
    return unescape(texts(at))


@pytest.mark.parametrize("role", list(Role))
def test_find_by_bot_id_shows_outcome_and_whom_it_served(console_app, app_sandbox, data_dir, role):
    bot = bot_ending(app_sandbox, "timeout_exceeded_waiting_room")
    at = console_app(role).run()
    shown = find(at, bot["id"].upper())
    assert "waited in the waiting room for 20 min" in shown
    assert "Calendar users and meetings it served" in shown
    labels = {e.proto.label for e in at.get("page_link")}
    for served in bot["calendar_meetings"]:
        assert f"Open the account of {served['calendar_user']['external_id']}" in labels
    (event,) = audit_events(data_dir, action="bot.view")
    assert (event.target, event.reason) == (bot["id"], REASON)


def test_find_says_so_for_an_unknown_id_a_link_without_bots_and_garbage(console_app):
    at = console_app(Role.VIEWER).run()
    shown = find(at, "00000000-0000-4000-8000-000000000000")
    assert "Recall has no bot with the id 00000000-0000-4000-8000-000000000000" in shown
    shown = find(at, "https://meet.google.com/zzz-zzzz-zzz")
    assert "Recall has no bot for this Google Meet meeting" in shown
    shown = find(at, "hello there")
    assert "neither a bot id" in shown
    assert not at.exception


def test_find_by_meeting_link_lists_its_bots(console_app, app_sandbox):
    bot = next(
        b for b in finished_bots(app_sandbox) if b["meeting_url"]["platform"] == "google_meet"
    )
    at = console_app(Role.VIEWER).run()
    shown = find(at, f"https://meet.google.com/{bot['meeting_url']['meeting_id']}")
    assert "for this Google Meet meeting" in shown
    assert "Calendar users and meetings it served" in shown


def test_find_needs_a_reason_without_an_open_account(console_app, data_dir):
    at = console_app(Role.VIEWER).run()
    shown = find(at, "00000000-0000-4000-8000-000000000000", reason="")
    assert "Give a reason of at least" in shown
    assert audit_events(data_dir, action="bot.view") == []


def test_cohort_outcomes_show_failure_rates_and_the_request_count(console_app, app_sandbox):
    at = console_app(Role.VIEWER).run()
    at.switch_page(FIND_PAGE).run()
    click(at, "Show outcomes")
    shown = unescape(texts(at))
    assert "List Bots request" in shown and "60 per minute per workspace" in shown
    assert "finished bots ended because" in shown
    assert at.get("vega_lite_chart")
    # A cohort of one user narrows it down.
    bot = bot_ending(app_sandbox, "timeout_exceeded_waiting_room", alone=True)
    user_id = bot["calendar_meetings"][0]["calendar_user"]["external_id"]
    at.text_area[0].input(user_id)
    click(at, "Show outcomes")
    assert "for 1 users" in unescape(texts(at))


def test_the_preset_page_names_the_field_a_fix_points_to(console_app):
    at = console_app(Role.VIEWER).run()
    at.query_params["field"] = "automatic_leave.waiting_room_timeout"
    at.switch_page("pages/presets.py").run()
    shown = unescape(texts(at))
    assert "points to `automatic_leave.waiting_room_timeout` in this preset" in shown
    assert "default is 1200 s" in shown
    at.query_params["field"] = "[x](https://attacker.example)"
    at.switch_page("pages/presets.py").run()
    assert "points to" not in unescape(texts(at))
