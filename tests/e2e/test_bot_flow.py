"""Following a bot in Chromium: a viewer opens an account, picks the meeting whose bot was not
admitted from the waiting room and reads what happened and the fix; and pastes a bot id on the
Find-a-bot page, then opens an account the bot served.

The console runs against a private sandbox started here, whose Bot API tells the test which
bot was left in the waiting room.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import RunningSandbox, start_in_thread
from tests.e2e.conftest import Console, sign_in, start_console, stop_console, wait_for_app_run

pytestmark = pytest.mark.e2e

REASON = "Customer says the bot never joined"


@dataclass
class Setup:
    console: Console
    sandbox: RunningSandbox


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    sandbox = start_in_thread(SandboxConfig(seed=1, users=150, rate_limit_scale=0))
    console = start_console(
        tmp_path_factory.mktemp("bots-console"),
        {"CONSOLE_SANDBOX_URL": sandbox.base_url, "CONSOLE_SANDBOX_API_KEY": sandbox.api_key},
    )
    try:
        yield Setup(console, sandbox)
    finally:
        stop_console(console)
        sandbox.stop()


def waiting_room_bot(sandbox: RunningSandbox) -> dict[str, Any]:
    """A finished bot left in the waiting room, whose meeting the default date filter shows."""
    now = datetime.now(UTC)
    yesterday = datetime.combine(now.date() - timedelta(days=1), datetime.min.time(), UTC)
    http = httpx.Client(
        base_url=sandbox.base_url,
        headers={"Authorization": f"Token {sandbox.api_key}"},
        timeout=60,
    )
    data = http.get(
        "/api/v1/bot/",
        params={"join_at_after": yesterday.isoformat(), "join_at_before": now.isoformat()},
    ).json()
    bots = list(data["results"])
    while data["next"]:
        data = http.get(data["next"]).json()
        bots.extend(data["results"])
    for bot in bots:
        last = bot["status_changes"][-1]
        ended = [c["sub_code"] for c in bot["status_changes"] if c["code"] == "call_ended"]
        if last["code"] == "done" and ended == ["timeout_exceeded_waiting_room"]:
            return bot
    raise AssertionError("no bot was left in the waiting room since yesterday")


def open_account(page: Page, console: Console, user_id: str) -> None:
    page.goto(f"{console.url}/account?user_id={user_id}")
    wait_for_app_run(page)
    page.get_by_role("textbox", name="Reason").fill(REASON)
    page.get_by_role("button", name="Open account").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Viewing as")).to_be_visible()


def test_a_viewer_reads_why_the_bot_was_not_admitted_and_the_fix(page: Page, setup: Setup):
    bot = waiting_room_bot(setup.sandbox)
    user_id = bot["calendar_meetings"][0]["calendar_user"]["external_id"]
    sign_in(page, setup.console, "viewer")
    open_account(page, setup.console, user_id)
    # Narrow the meetings to this bot's meeting, as support would with the bot id from a ticket.
    page.get_by_role("textbox", name="Search").fill(bot["id"])
    page.keyboard.press("Enter")
    wait_for_app_run(page)
    page.get_by_text("Meeting details").click()
    wait_for_app_run(page)
    page.get_by_role("button", name="Why did (or didn't) the bot join?").click()
    wait_for_app_run(page)
    answer = page.get_by_text(re.compile(r"^Recall scheduled a bot \(rule: "))
    expect(answer).to_be_visible()
    text = answer.text_content() or ""
    assert "waited in the waiting room for 20 min and left (timeout_exceeded_waiting_room" in text
    assert "Fix: ask the host to admit the bot from the waiting room, or raise " in text
    assert "automatic_leave.waiting_room_timeout in the bot preset (now 1200 s" in text
    preset = page.get_by_role("link", name=re.compile("automatic_leave.waiting_room_timeout"))
    expect(preset).to_be_visible()
    expect(page.get_by_text("Status timeline")).to_be_visible()
    explorer = page.get_by_role("link", name=re.compile("Open in Recall's explorer"))
    assert (explorer.get_attribute("href") or "").endswith(f"/dashboard/explorer/bot/{bot['id']}")


def test_paste_a_bot_id_and_open_an_account_it_served(page: Page, setup: Setup):
    bot = waiting_room_bot(setup.sandbox)
    user_id = bot["calendar_meetings"][0]["calendar_user"]["external_id"]
    sign_in(page, setup.console, "viewer")
    page.goto(f"{setup.console.url}/find_bot")
    wait_for_app_run(page)
    page.get_by_role("textbox", name="Bot id or meeting link").fill(bot["id"])
    page.get_by_role("textbox", name="Reason").fill(REASON)
    page.get_by_role("button", name="Find").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile("waited in the waiting room for 20 min"))).to_be_visible()
    expect(page.get_by_text("Calendar users and meetings it served")).to_be_visible()
    page.get_by_role("link", name=f"Open the account of {user_id}").click()
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(rf"/account\?user_id={user_id}$"))
    expect(page.get_by_text(f"Open the account of {user_id}")).to_be_visible()
