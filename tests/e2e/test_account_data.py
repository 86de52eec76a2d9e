"""The account page's data in Chromium: the grids offer no download of their own, the explicit
export is formula-guarded and on record, and an override save under a slow or failing Recall
always ends with its result on screen.

The console runs against a private sandbox started here; its latency and faults are changed at
run time through ``POST /_sandbox/config``, as an operator would.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from lib.audit import AuditStore
from lib.recall import RecallClient
from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import RunningSandbox, start_in_thread
from tests.e2e.conftest import Console, sign_in, start_console, stop_console, wait_for_app_run
from tests.e2e.test_account_flow import (
    OVERRIDE_COL,
    form_with,
    meetings_grid,
    open_from_directory,
    open_override_editor,
    target_row,
)

pytestmark = pytest.mark.e2e

USER = "nw-000005"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Setup:
    console: Console
    sandbox: RunningSandbox
    data_dir: Path

    def configure(self, **values: object) -> None:
        response = httpx.post(
            f"{self.sandbox.base_url}/_sandbox/config",
            json=values,
            headers={"Authorization": f"Token {self.sandbox.api_key}"},
            timeout=10,
        )
        response.raise_for_status()

    def meeting_updates(self) -> int:
        stats = httpx.get(f"{self.sandbox.base_url}/_sandbox/stats", timeout=10).json()
        return int(stats["by_endpoint"]["meeting_update"])


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    sandbox = start_in_thread(SandboxConfig(seed=1, users=40, rate_limit_scale=0))
    tmp = tmp_path_factory.mktemp("account-data-console")
    console = start_console(
        tmp,
        {"CONSOLE_SANDBOX_URL": sandbox.base_url, "CONSOLE_SANDBOX_API_KEY": sandbox.api_key},
    )
    try:
        yield Setup(console, sandbox, tmp / "data")
    finally:
        stop_console(console)
        sandbox.stop()


def open_account(page: Page, user_id: str) -> None:
    """From the directory, once the page after sign-in has settled (one search box, not the
    old and the new one of a rerun in progress)."""
    box = page.get_by_role("textbox", name="Search by user id or calendar email")
    expect(box).to_have_count(1, timeout=30_000)
    wait_for_app_run(page)
    open_from_directory(page, user_id)


def test_grids_have_no_download_and_the_export_is_guarded_and_audited(setup: Setup, page: Page):
    hostile_user = httpx.get(f"{setup.sandbox.base_url}/_sandbox/info").json()["notable_users"][
        "hostile_text"
    ][0]
    sign_in(page, setup.console, "viewer")
    open_account(page, hostile_user)

    grid = meetings_grid(page)
    grid.hover()
    toolbar = page.get_by_test_id("stElementToolbar").filter(
        has=page.get_by_role("button", name="Search")
    )
    expect(toolbar.first).to_be_visible()  # the toolbar is there, without its download
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
    page.get_by_role("tab", name="Activity").click()
    wait_for_app_run(page)
    page.locator("[data-testid='stDataFrame']").filter(has_text="Open the account").hover()
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
    page.get_by_role("tab", name="Meetings").click()
    wait_for_app_run(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    titles = {row["title"] for row in rows}
    assert any(t.startswith("'=HYPERLINK") for t in titles), titles
    for row in rows:
        for column, value in row.items():
            assert not value.lstrip().startswith(FORMULA_STARTS), (column, value)
    wait_for_app_run(page)

    with AuditStore(f"sqlite:///{setup.data_dir / 'console.db'}") as audit:
        exports = audit.query(action="export.view")
    assert [(e.actor_email, e.user_id, e.after["format"]) for e in exports] == [
        ("viewer@console.example", hostile_user, "csv")
    ]
    assert exports[0].after["rows"] == len(rows)


def change_one_override(page: Page) -> tuple[int, str]:
    row, title = target_row(page)
    open_override_editor(page, row)
    page.get_by_role("option", name="Always", exact=True).click()
    wait_for_app_run(page)
    expect(page.get_by_text("1 override change(s) to save")).to_be_visible()
    form = form_with(page, "Save overrides")
    form.get_by_role("textbox", name="Reason").fill("Customer wants this call recorded")
    return row, title


def test_an_override_save_at_3_s_latency_ends_saved(setup: Setup, page: Page, screenshot):
    sign_in(page, setup.console, "editor")
    open_account(page, USER)
    setup.configure(latency_ms=3000, fault_rate=0.0)
    try:
        row, _title = change_one_override(page)
        before = setup.meeting_updates()
        form_with(page, "Save overrides").get_by_role("button", name="Save overrides").click()
        expect(page.get_by_text(re.compile(r"^Saving 1 override change"))).to_be_visible(
            timeout=15_000
        )
        saved = page.get_by_text("Saved 1 override(s); Recall now records 1 of them.")
        expect(saved).to_be_visible(timeout=90_000)
        screenshot("account-override-saved-slow")
    finally:
        setup.configure(latency_ms=0, fault_rate=0.0)
    wait_for_app_run(page)
    expect(page.get_by_text("override change(s) to save")).to_have_count(0)
    assert setup.meeting_updates() == before + 1
    assert page.locator(f"#glide-cell-{OVERRIDE_COL}-{row}").first.text_content() == "Always"


def test_an_override_save_that_fails_shows_the_error(setup: Setup, page: Page, screenshot):
    sign_in(page, setup.console, "editor")
    open_account(page, USER)
    recall = RecallClient(setup.sandbox.base_url, setup.sandbox.api_key)
    before = {m.id: m.override_should_record for m in recall.list_meetings(USER)}
    change_one_override(page)
    setup.configure(latency_ms=1000, fault_rate=1.0, fault_kinds=["500"])
    try:
        form_with(page, "Save overrides").get_by_role("button", name="Save overrides").click()
        failure = page.get_by_text(re.compile(r"Read again from Recall, the override is now"))
        expect(failure).to_be_visible(timeout=90_000)
        screenshot("account-override-failed")
    finally:
        setup.configure(latency_ms=0, fault_rate=0.0)
    expect(page.get_by_text(re.compile(r"^Saved \d+ override"))).to_have_count(0)
    after = {m.id: m.override_should_record for m in recall.list_meetings(USER)}
    assert after == before
