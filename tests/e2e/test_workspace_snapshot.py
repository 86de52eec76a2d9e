"""``make run``'s embedded default in a browser: the console fills the snapshot by itself, and a
person finds a meeting across the workspace and opens its account (with a reason)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.recall import RecallClient
from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import RunningSandbox, start_in_thread
from tests.e2e.conftest import (
    Console,
    go_to,
    sign_in,
    start_console,
    stop_console,
    wait_for_app_run,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[Console, RunningSandbox]]:
    sandbox = start_in_thread(SandboxConfig(seed=4, users=30, rate_limit_scale=0))
    # The local PostgreSQL runs as its own user when started by root: its directory must be
    # reachable by that user, which pytest's private tmp dirs are not.
    tmp = Path(tempfile.mkdtemp(prefix="console-e2e-snapshot-"))
    tmp.chmod(0o755)
    console = start_console(
        tmp,
        {
            "CONSOLE_SANDBOX_URL": sandbox.base_url,
            "CONSOLE_SANDBOX_API_KEY": sandbox.api_key,
            "CONSOLE_SNAPSHOT": "embedded",
        },
    )
    try:
        yield console, sandbox
    finally:
        stop_console(console)
        sandbox.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_find_a_meeting_across_the_workspace_and_open_its_account(
    setup: tuple[Console, RunningSandbox], page: Page
) -> None:
    console, sandbox = setup
    with RecallClient(sandbox.base_url, sandbox.api_key) as client:
        user_id, meeting = next(
            (u.external_id or "", m)
            for u in client.list_users()
            for m in client.list_meetings(u.external_id or "")
            if m.ical_uid
        )
    sign_in(page, console, "viewer")
    go_to(page, "Snapshot")
    synced = page.get_by_test_id("stMetric").filter(has_text="Synced")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if synced.count() and synced.first.inner_text().strip().endswith("30"):
            break
        page.reload()
        wait_for_app_run(page)
    expect(synced).to_contain_text("30")
    expect(page.get_by_text("as of less than a minute ago")).to_be_visible()

    search = page.get_by_role("textbox", name="Title, iCal UID, attendee email")
    search.fill(meeting.ical_uid or "")
    page.keyboard.press("Enter")
    wait_for_app_run(page)
    expect(page.get_by_text("1 meeting(s)")).to_be_visible()
    page.get_by_role("button", name="Open account").click()
    wait_for_app_run(page)
    expect(page.get_by_text(f"Open the account of {user_id}")).to_be_visible()
    assert "Traceback" not in console.log()
