"""The console starts with no configuration, signs staff in, and shows each role its pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Console, go_to, sign_in, wait_for_app_run

pytestmark = pytest.mark.e2e

VIEWER_PAGES = ["Find a user", "Account", "Preview", "Bot preset", "Status"]


def test_admin_sees_every_page_with_the_sandbox_banner(console: Console, page: Page, screenshot):
    sign_in(page, console, "admin")
    for title in [*VIEWER_PAGES, "Audit log"]:
        go_to(page, title)
        expect(page.get_by_text("Sandbox mode")).to_be_visible()
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot("shell-admin-audit")
    assert "Traceback" not in console.log()


def test_viewer_has_no_audit_page_even_by_url(console: Console, page: Page):
    sign_in(page, console, "viewer")
    expect(
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Audit log")
    ).to_have_count(0)
    page.goto(f"{console.url}/audit")
    wait_for_app_run(page)
    # Streamlit falls back to the default page for a path the role's navigation lacks.
    expect(page.get_by_text("Page not found")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="Find a user")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)


def test_sign_out_returns_to_the_sign_in_form(console: Console, page: Page):
    sign_in(page, console, "editor")
    page.get_by_role("button", name="Sign out").click()
    wait_for_app_run(page)
    expect(page.get_by_role("textbox", name="Password")).to_be_visible()
    page.reload()
    wait_for_app_run(page)
    expect(page.get_by_role("textbox", name="Password")).to_be_visible()
