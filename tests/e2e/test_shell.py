"""The console starts with no configuration and shows every page with the sandbox banner."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Console, wait_for_app_run

pytestmark = pytest.mark.e2e

PAGES = ["Find a user", "Account", "Preview", "Bot preset", "Audit log", "Status"]


def test_every_page_opens_with_the_sandbox_banner(console: Console, page: Page, screenshot):
    page.goto(console.url)
    wait_for_app_run(page)
    for title in PAGES:
        page.get_by_role("link", name=title).click()
        wait_for_app_run(page)
        expect(page.get_by_text("Sandbox mode")).to_be_visible()
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot("shell-status")
    assert not re.search(r"Traceback", console.log())
