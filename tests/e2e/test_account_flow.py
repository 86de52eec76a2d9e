"""The account page in Chromium: an editor opens a user from the directory, changes an override
and a preference with reasons, and sees both on the page and in the Activity tab; a viewer finds
no way to write.

The console runs against a private sandbox started here, so the test can read what Recall
received (`/_sandbox/stats`) and holds. The editor grids are canvases: cells are clicked at
pixel positions computed from the fixed column widths of the meetings table (as Streamlit's own
e2e suite does), and read through the grid's accessible cell elements (`#glide-cell-<col>-<row>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from lib.audit import AuditStore
from lib.audit.keys import sandbox_key
from lib.autorecord import PREFERENCE_KEYS
from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox, start_in_thread
from tests import sandbox_variant
from tests.e2e.conftest import Console, sign_in, start_console, stop_console, wait_for_app_run

pytestmark = pytest.mark.e2e

USER = "nw-000005"
REASON = "Customer reports the bot missed a call"
# Pixel widths of the meetings table's first columns (lib/ui/account_meetings.py COLUMN_CONFIG:
# start 140, end "small", title "medium", override 95) and Streamlit's row and header heights.
START_W, END_W, TITLE_W, OVERRIDE_W = 140, 75, 200, 95
ROW_H = HEADER_H = 35
OVERRIDE_COL = 3
# Columns of the accessible cells: start, end, title, override, Recall records, rules, differs,
# why.
WHY_COL = 7
WRITES = ("user_update", "user_delete", "user_disconnect", "meeting_update", "meetings_refresh")


@dataclass
class Setup:
    console: Console
    sandbox: RunningSandbox
    data_dir: Path

    def writes(self) -> dict[str, int]:
        counts = httpx.get(f"{self.sandbox.base_url}/_sandbox/stats").json()["by_endpoint"]
        return {name: counts[name] for name in WRITES if counts[name]}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    sandbox = start_in_thread(sandbox_variant.config(seed=1, users=40, rate_limit_scale=0))
    tmp = tmp_path_factory.mktemp("account-console")
    console = start_console(
        tmp,
        {"CONSOLE_SANDBOX_URL": sandbox.base_url, "CONSOLE_SANDBOX_API_KEY": sandbox.api_key},
    )
    try:
        yield Setup(console, sandbox, tmp / "data")
    finally:
        stop_console(console)
        sandbox.stop()


def open_from_directory(page: Page, user_id: str) -> None:
    page.get_by_role("textbox", name="Search by user id or calendar email").fill(user_id)
    page.keyboard.press("Enter")
    wait_for_app_run(page)
    page.get_by_role("button", name="Open account").click()
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(rf"/account\?user_id={user_id}$"))
    give_reason(page, user_id)


def open_by_url(page: Page, console: Console, user_id: str) -> None:
    page.goto(f"{console.url}/account?user_id={user_id}")
    wait_for_app_run(page)
    give_reason(page, user_id)


def give_reason(page: Page, user_id: str) -> None:
    expect(page.get_by_text(f"Open the account of {user_id}")).to_be_visible()
    page.get_by_role("textbox", name="Reason").fill(REASON)
    page.get_by_role("button", name="Open account").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Viewing as")).to_be_visible()


def cell(page: Page, column: int, row: int) -> str:
    return page.locator(f"#glide-cell-{column}-{row}").first.text_content() or ""


def target_row(page: Page) -> tuple[int, str]:
    """The first visible meeting with no override that Recall will not record because of the
    preferences (not because it ended or has no link), so "Always" makes a difference."""
    for row in range(14):
        if cell(page, OVERRIDE_COL, row) == "Auto" and cell(page, WHY_COL, row).startswith(
            "Won't record: record_"
        ):
            return row, cell(page, 2, row)
    raise AssertionError("no meeting that only the preferences keep from recording")


def meetings_grid(page: Page) -> Locator:
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    return grid


def open_override_editor(page: Page, row: int) -> None:
    box = meetings_grid(page).bounding_box()
    assert box is not None
    x = box["x"] + START_W + END_W + TITLE_W + OVERRIDE_W / 2
    y = box["y"] + HEADER_H + ROW_H * row + ROW_H / 2
    page.mouse.dblclick(x, y)
    page.wait_for_timeout(300)


def toggle_new_preference(page: Page, row: int) -> None:
    """Select the row's "What it does" cell, move two cells right to "New", press Space."""
    grid = page.locator("[data-testid='stDataFrame']").filter(has_text="record_non_host")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 250, box["y"] + HEADER_H + ROW_H * row + ROW_H / 2)
    # The keys must reach the grid: with the focus on the tab list they would switch tabs.
    page.wait_for_function(
        "() => document.activeElement?.closest(\"[data-testid='stDataFrame']\") != null",
        timeout=5_000,
    )
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    page.wait_for_timeout(300)
    wait_for_app_run(page)


def upcoming_recording(recall: RecallClient) -> dict[str, bool]:
    now = datetime.now(UTC)
    return {
        m.id: m.will_record
        for m in recall.list_meetings(USER)
        if m.end_time is None or m.end_time > now
    }


def form_with(page: Page, button: str) -> Locator:
    return page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name=button)
    )


def test_editor_changes_an_override_and_a_preference(setup: Setup, page: Page, screenshot):
    recall = RecallClient(setup.sandbox.base_url, setup.sandbox.api_key)
    before = recall.get_user(USER).preferences
    overrides = {m.id: m.override_should_record for m in recall.list_meetings(USER)}
    overrides = {m.id: m.override_should_record for m in recall.list_meetings(USER)}
    sign_in(page, setup.console, "editor")
    open_from_directory(page, USER)
    screenshot("account-editor-opened")

    # -- one override -----------------------------------------------------------------------------
    row, title = target_row(page)
    open_override_editor(page, row)
    page.get_by_role("option", name="Always", exact=True).click()
    wait_for_app_run(page)
    expect(page.get_by_text("1 override change(s) to save")).to_be_visible()
    assert cell(page, OVERRIDE_COL, row) == "Always"
    assert setup.writes() == {}, "editing a cell writes nothing"
    form = form_with(page, "Save overrides")
    form.get_by_role("textbox", name="Reason").fill("Customer wants this call recorded")
    form.scroll_into_view_if_needed()
    screenshot("account-editor-override-diff")
    form.get_by_role("button", name="Save overrides").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Saved 1 override(s); Recall now records 1 of them.")).to_be_visible()
    assert setup.writes() == {"meeting_update": 1}
    changed = [m for m in recall.list_meetings(USER) if m.override_should_record != overrides[m.id]]
    assert [(m.title, m.override_should_record, m.will_record) for m in changed] == [
        (title, True, True)
    ]
    expect(page.get_by_text("override change(s) to save")).to_have_count(0)

    # -- one preference ---------------------------------------------------------------------------
    # The user records only meetings they accepted; dropping that filter adds the others.
    assert before.record_confirmed is True
    recording = upcoming_recording(recall)
    page.get_by_role("tab", name="Preferences").click()
    wait_for_app_run(page)
    toggle_new_preference(page, row=PREFERENCE_KEYS.index("record_confirmed"))
    expect(page.get_by_text("Change to save")).to_be_visible()
    effect = page.get_by_text(re.compile(r"^Effect on upcoming meetings:"))
    expect(effect).to_be_visible()
    promised = re.search(r"(\d+) start being recorded, (\d+) stop", effect.inner_text())
    assert promised is not None
    form = form_with(page, "Save preferences")
    form.get_by_role("textbox", name="Reason").fill("Customer wants every call recorded")
    form.scroll_into_view_if_needed()
    screenshot("account-editor-preference-diff")
    form.get_by_role("button", name="Save preferences").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"^Preferences saved:"))).to_be_visible()
    assert setup.writes() == {"meeting_update": 1, "user_update": 1}
    after = recall.get_user(USER).preferences
    assert after.flags() == {**before.flags(), "record_confirmed": False}
    # What the page promised is what Recall now does.
    now_recording = upcoming_recording(recall)
    starts = sum(1 for m, rec in now_recording.items() if rec and not recording.get(m))
    stops = sum(1 for m, rec in now_recording.items() if not rec and recording.get(m))
    assert starts > 0
    assert (int(promised[1]), int(promised[2])) == (starts, stops)

    # -- the Activity tab -------------------------------------------------------------------------
    page.get_by_role("tab", name="Activity").click()
    wait_for_app_run(page)
    # One row per action, in words: no action codes, the meeting named by its title.
    activity = page.locator("[data-testid='stDataFrame']").filter(has_text="Open the account")
    expect(activity).to_have_count(1)
    for action in ("Change a meeting's override", "Change recording preferences"):
        expect(activity.get_by_text(action, exact=True).first).to_be_attached()
    activity.scroll_into_view_if_needed()
    screenshot("account-editor-activity")

    with AuditStore(
        f"sqlite:///{setup.data_dir / 'console.db'}", key=sandbox_key(setup.data_dir)
    ) as audit:
        done = {
            (e.action, e.outcome.value): e
            for e in audit.query(user_id=USER, since=datetime(2020, 1, 1, tzinfo=UTC))
        }
        assert audit.verify().ok
    assert done[("meeting.override", "ok")].after["override_should_record"] is True
    # All six flags are written and recorded; only the one asked for changed.
    change = done[("preferences.update", "ok")]
    assert change.before["record_confirmed"] is True
    assert change.after == {**change.before, "record_confirmed": False}
    assert "Traceback" not in setup.console.log()


def test_viewer_finds_no_way_to_write(setup: Setup, page: Page, screenshot):
    sign_in(page, setup.console, "viewer")
    open_by_url(page, setup.console, USER)
    httpx.post(f"{setup.sandbox.base_url}/_sandbox/stats/reset").raise_for_status()

    # The override cells do not open an editor.
    before = cell(page, OVERRIDE_COL, 1)
    assert before in ("Auto", "Always", "Never")
    open_override_editor(page, 1)
    expect(page.get_by_role("option", name="Always", exact=True)).to_have_count(0)
    page.keyboard.press("Escape")
    assert cell(page, OVERRIDE_COL, 1) == before
    expect(page.get_by_text("override change(s) to save")).to_have_count(0)
    expect(page.get_by_role("button", name="Save overrides")).to_have_count(0)
    screenshot("account-viewer-meetings")

    page.get_by_role("tab", name="Preferences").click()
    wait_for_app_run(page)
    toggle_new_preference(page, row=PREFERENCE_KEYS.index("record_confirmed"))
    expect(page.get_by_role("tab", name="Preferences")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Change to save")).to_have_count(0)
    expect(page.get_by_role("button", name="Save preferences")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Bot name")).to_be_disabled()
    expect(page.get_by_text("Your role can read preferences but not change them.")).to_be_visible()
    screenshot("account-viewer-preferences")

    page.get_by_role("tab", name="Calendars").click()
    wait_for_app_run(page)
    for label in ("Disconnect", "Build link", "Resync now", "Delete calendar user"):
        expect(page.get_by_role("button", name=label)).to_have_count(0)
    expect(page.get_by_text("Danger zone")).to_have_count(0)
    screenshot("account-viewer-calendars")
    assert setup.writes() == {}
    assert "Traceback" not in setup.console.log()
