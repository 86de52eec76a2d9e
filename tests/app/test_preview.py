"""The preview page in AppTest: one user and a cohort, against a private sandbox.

Expected counts are worked out here with the single-meeting rules (``lib.autorecord.decide``)
from what the sandbox serves, not copied from the page. Unknown ids are checked through the
sandbox's own counters: no calendar user created, no authenticate made for them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from lib.audit import AuditStore
from lib.audit.keys import sandbox_key
from lib.autorecord import PRESETS, decide
from lib.cohort import CohortRun
from lib.recall import RecallClient
from lib.staff import Role
from lib.ui.preview_cohort import KEY_EXPORT_USERS, KEY_START, KEY_STOP
from lib.ui.preview_prefs import CUSTOM, flag_key
from lib.ui.state import (
    SK_PREVIEW_MODE,
    SK_PREVIEW_PASTE,
    SK_PREVIEW_PRESET,
    SK_PREVIEW_RUN,
    SK_PREVIEW_SAMPLE_SIZE,
    SK_PREVIEW_SOURCE,
    SK_PREVIEW_USER_ID,
    SK_VIEW_AS,
)
from lib.viewas import ViewAsSession
from tests.app.test_account_helpers import submit_reason

PAGE = "pages/preview.py"
CHART = "vega_lite_chart"


def texts(at) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [e.value for e in at.error]
        + [i.value for i in at.info]
        + [w.value for w in at.warning]
        + [s.value for s in at.success]
        + [c.value for c in at.caption]
    )


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def sandbox_stats(running) -> dict:
    return httpx.get(f"{running.base_url}/_sandbox/stats", timeout=10).json()


def open_preview(console_app, role: Role = Role.VIEWER, **state):
    at = console_app(role)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def expected_changes(running, user_id: str, candidate) -> tuple[int, int, int]:
    """(recorded now, starts, stops) for the user's next four weeks, by the single-meeting rules."""
    now = datetime.now(UTC)
    with RecallClient(running.base_url, running.api_key) as client:
        user = client.get_user(user_id)
        meetings = client.list_meetings(user_id)
    emails = {c.platform: c.email for c in user.connections}
    recorded = starts = stops = 0
    for meeting in meetings:
        if meeting.end_time is None or meeting.end_time <= now:
            continue
        if meeting.start_time is None or meeting.start_time >= now + timedelta(days=28):
            continue
        email = emails.get(meeting.calendar_platform or "")
        data = meeting.model_dump()
        before = decide(data, user.preferences, now=now, connected_email=email).record
        after = decide(data, candidate, now=now, connected_email=email).record
        recorded += before
        starts += after and not before
        stops += before and not after
    return recorded, starts, stops


def finish(at, timeout: float = 60):
    """Wait for the cohort run held in session state, then rerun the page to show it."""
    run = at.session_state[SK_PREVIEW_RUN]
    assert isinstance(run, CohortRun)
    assert run.wait(timeout)
    return at.run()


# -- one user ----------------------------------------------------------------------------------


def test_one_user_preview_matches_the_rules_and_writes_nothing(console_app, app_sandbox):
    at = open_preview(console_app)
    assert "Type a user id" in texts(at)
    at.text_input(key=SK_PREVIEW_USER_ID).input("nw-000001").run()
    submit_reason(at, "Customer asks what record all would do")  # previewing one user is a view
    assert not at.exception
    recorded, starts, stops = expected_changes(app_sandbox, "nw-000001", PRESETS["record all"])
    shown = metrics(at)
    assert shown["Recorded now"] == str(recorded)
    assert shown["Start recording"] == str(starts)
    assert shown["Stop recording"] == str(stops)
    assert starts + stops > 0  # the default candidate differs from this user's preferences
    assert len(at.get(CHART)) == 1
    assert f"Meetings that change ({starts + stops})" in [s.value for s in at.subheader]
    by_endpoint = sandbox_stats(app_sandbox)["by_endpoint"]
    writes = ("user_update", "user_delete", "user_disconnect", "meeting_update", "meetings_refresh")
    assert all(by_endpoint[name] == 0 for name in writes)


def test_the_account_open_in_view_as_is_previewed(console_app, app_sandbox):
    now = datetime.now(UTC)
    session = ViewAsSession("nw-000003", "Customer asked why", None, now, now)
    at = open_preview(console_app, **{SK_VIEW_AS: session})
    assert not at.exception
    assert "Previewing the open account" in texts(at)
    assert "nw-000003" in texts(at)
    _, starts, stops = expected_changes(app_sandbox, "nw-000003", PRESETS["record all"])
    assert metrics(at)["Start recording"] == str(starts)
    assert metrics(at)["Stop recording"] == str(stops)


def test_an_unknown_user_is_refused_without_any_request(console_app, app_sandbox):
    at = open_preview(console_app)
    users = app_sandbox.state.user_count
    at.text_input(key=SK_PREVIEW_USER_ID).input("ghost-42").run()
    assert not at.exception
    assert "No calendar user has the id" in texts(at)
    assert not at.metric
    stats = sandbox_stats(app_sandbox)
    assert stats["calendar_users"] == users
    assert stats["by_endpoint"]["authenticate"] == 0
    assert app_sandbox.state.workspace.by_external_id("ghost-42") is None


def test_presets_toggles_and_the_users_current_preferences(console_app):
    now = datetime.now(UTC)
    session = ViewAsSession("nw-000001", "Customer asked why", None, now, now)
    at = open_preview(console_app, **{SK_PREVIEW_USER_ID: "nw-000001", SK_VIEW_AS: session})
    at.selectbox(key=SK_PREVIEW_PRESET).select("only internal").run()
    assert at.toggle(key=flag_key("record_internal")).value is True
    assert at.toggle(key=flag_key("record_external")).value is False
    at.toggle(key=flag_key("record_recurring")).set_value(True).run()
    assert at.selectbox(key=SK_PREVIEW_PRESET).value == CUSTOM
    # nw-000001 records only external meetings today: loading them makes the preview empty.
    at.button(key="preview.single.load_current").click().run()
    assert at.selectbox(key=SK_PREVIEW_PRESET).value == "only external"
    assert metrics(at)["Start recording"] == "0" and metrics(at)["Stop recording"] == "0"
    assert "same as this user's current preferences" in texts(at)


# -- a cohort ----------------------------------------------------------------------------------


def test_cohort_reports_unknown_ids_and_never_creates_them(console_app, app_sandbox, data_dir):
    at = open_preview(console_app, **{SK_PREVIEW_MODE: "A cohort"})
    users = app_sandbox.state.user_count
    at.text_area(key=SK_PREVIEW_PASTE).input("nw-000001\nnw-000005\nghost-7\nnw-000001\n").run()
    assert "**2** user(s) to preview · 1 duplicate(s) removed · 1 not in this workspace" in texts(
        at
    )
    at.button(key=KEY_START).click().run()
    assert not at.exception
    at = finish(at)
    assert not at.exception
    shown = metrics(at)
    assert shown["Users previewed"] == "2"
    assert "ghost-7" in "\n".join(w.value for w in at.warning)
    stats = sandbox_stats(app_sandbox)
    assert stats["calendar_users"] == users
    assert stats["by_endpoint"]["authenticate"] == 2  # the two known users, nothing for ghost-7
    assert app_sandbox.state.workspace.by_external_id("ghost-7") is None

    starts = stops = 0
    for user_id in ("nw-000001", "nw-000005"):
        _, s, t = expected_changes(app_sandbox, user_id, PRESETS["record all"])
        starts, stops = starts + s, stops + t
    assert shown["Meetings starting recording"] == str(starts)
    assert shown["Meetings stopping recording"] == str(stops)
    assert len(at.get(CHART)) == 1

    # Another candidate re-decides the fetched meetings without asking Recall again.
    requests = sandbox_stats(app_sandbox)["total"]
    at.selectbox(key=SK_PREVIEW_PRESET).select("only external").run()
    assert not at.exception
    assert sandbox_stats(app_sandbox)["total"] == requests
    starts = stops = 0
    for user_id in ("nw-000001", "nw-000005"):
        _, s, t = expected_changes(app_sandbox, user_id, PRESETS["only external"])
        starts, stops = starts + s, stops + t
    assert metrics(at)["Meetings starting recording"] == str(starts)
    assert metrics(at)["Meetings stopping recording"] == str(stops)

    # Exports are audit events.
    at.download_button(key=KEY_EXPORT_USERS).click().run()
    assert not at.exception
    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as store:
        exports = [e for e in store.query() if e.action == "export.preview"]
    assert len(exports) == 1
    assert exports[0].actor_email == "viewer@console.example"
    assert exports[0].after["rows"] == 2
    assert json.dumps(exports[0].after["candidate"]) == json.dumps(dict(PRESETS["only external"]))


def test_a_cohort_run_shows_progress_and_can_be_stopped(console_app, app_sandbox):
    httpx.post(
        f"{app_sandbox.base_url}/_sandbox/config",
        json={"latency_ms": 400},
        headers={"Authorization": f"Token {app_sandbox.api_key}"},
        timeout=10,
    ).raise_for_status()
    at = open_preview(
        console_app,
        **{
            SK_PREVIEW_MODE: "A cohort",
            SK_PREVIEW_SOURCE: "Sample the workspace",
            SK_PREVIEW_SAMPLE_SIZE: 20,
        },
    )
    assert "A random 20 of the workspace's" in texts(at)
    at.button(key=KEY_START).click().run()
    assert at.progress, "a running cohort shows a progress bar"
    assert "Fetched" in at.progress[0].proto.text
    at.button(key=KEY_STOP).click().run()
    assert not at.exception
    at = finish(at)
    assert "Stopped after" in texts(at)
    run = at.session_state[SK_PREVIEW_RUN]
    assert run.result.stopped and run.result.skipped
    assert sandbox_stats(app_sandbox)["by_endpoint"]["authenticate"] < 20
    assert not at.progress


def test_an_uploaded_csv_is_read_by_its_user_id_column(console_app):
    at = open_preview(
        console_app, **{SK_PREVIEW_MODE: "A cohort", SK_PREVIEW_SOURCE: "Upload a file"}
    )
    csv_text = "recall_id,user_id\nr1,nw-000001\nr2,bad\u0007id\nr3,nw-000002\n"
    at.file_uploader[0].upload("cohort.csv", csv_text.encode(), "text/csv").run()
    assert not at.exception
    assert "**2** user(s) to preview · 1 invalid" in texts(at)
    assert at.button(key=KEY_START).label == "Preview 2 users"


def test_a_list_over_the_cap_uses_the_first_ids_and_says_so(console_app):
    at = open_preview(console_app, **{SK_PREVIEW_MODE: "A cohort"})
    at.text_area(key=SK_PREVIEW_PASTE).input("\n".join(f"x-{i}" for i in range(501))).run()
    assert "The list has 501 ids" in texts(at)
    assert "only the first 500 are used" in texts(at)
