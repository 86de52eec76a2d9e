"""Staff sessions in a real browser: a sign-in from any link survives a reload, sign-out ends the
session everywhere (other tabs, a copied cookie), sessions end at the age limit, a forged cookie is
only "signed out", and the sign-in screen shows no pages."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import (
    DEMO_PASSWORDS,
    SIGN_IN_COOKIE,
    Console,
    go_to,
    sign_in,
    start_console,
    stop_console,
    wait_for_app_run,
    wait_for_sign_in_cookie,
)

pytestmark = pytest.mark.e2e

USER = "nw-000005"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sessions")


@pytest.fixture(scope="module")
def console(data_dir: Path) -> Iterator[Console]:
    running = start_console(data_dir)
    yield running
    stop_console(running)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1440, "height": 900})
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def fill_sign_in_form(page: Page, username: str) -> None:
    page.get_by_role("textbox", name="Username or email").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    wait_for_app_run(page)


def expect_signed_in(page: Page) -> None:
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)


def expect_signed_out(page: Page) -> None:
    expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def sign_in_cookie(context: BrowserContext) -> dict:
    return next(c for c in context.cookies() if c["name"] == SIGN_IN_COOKIE)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        (f"account?user_id={USER}", "Account"),
        ("preview", "Auto-record preview"),
        ("status", "Status"),
    ],
)
def test_sign_in_from_a_deep_link_stays_signed_in_after_a_reload(
    console: Console, page: Page, path: str, heading: str
):
    page.goto(f"{console.url}/{path}")
    wait_for_app_run(page)
    fill_sign_in_form(page, "viewer")
    expect_signed_in(page)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    wait_for_sign_in_cookie(page)
    page.reload()
    wait_for_app_run(page)
    expect_signed_in(page)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert page.url.startswith(f"{console.url}/{path.split('?')[0]}")
    if "user_id" in path:
        assert f"user_id={USER}" in page.url


def test_a_cookie_copied_before_sign_out_does_not_sign_in_afterwards(
    console: Console, page: Page, browser: Browser
):
    sign_in(page, console, "editor")
    copied = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    wait_for_app_run(page)
    expect_signed_out(page)
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    other = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        other.add_cookies(copied)
        replay = other.new_page()
        replay.goto(console.url)
        wait_for_app_run(replay)
        expect_signed_out(replay)
        expect(replay.get_by_text("Ed Editor")).to_have_count(0)
    finally:
        other.close()


def test_sign_out_signs_out_the_other_tabs(console: Console, context: BrowserContext):
    first = context.new_page()
    sign_in(first, console, "admin")
    second = context.new_page()
    second.goto(f"{console.url}/status")
    wait_for_app_run(second)
    expect_signed_in(second)

    first.get_by_role("button", name="Sign out").click()
    wait_for_app_run(first)
    expect_signed_out(first)

    # The other tab learns of it at its next interaction, without a reload.
    go_to(second, "Find a user")
    expect_signed_out(second)
    expect(second.get_by_text("You signed out")).to_be_visible()


def test_a_session_ends_at_the_age_limit_counted_from_the_sign_in(
    console: Console, page: Page, data_dir: Path
):
    sign_in(page, console, "viewer")
    first_cookie = sign_in_cookie(page.context)
    # Signing in again from the cookie neither issues a new cookie nor moves the sign-in time.
    page.reload()
    wait_for_app_run(page)
    expect_signed_in(page)
    assert sign_in_cookie(page.context)["value"] == first_cookie["value"]

    # Thirteen hours later (the limit is 12): move this session's sign-in back in the database.
    with sqlite3.connect(data_dir / "data" / "console.db") as db:
        moved = db.execute(
            "UPDATE staff_sessions SET signed_in_at = datetime(signed_in_at, '-13 hours') "
            "WHERE email = 'viewer@console.example' AND revoked_at IS NULL"
        ).rowcount
    assert moved >= 1
    go_to(page, "Status")  # the open tab notices at its next interaction
    expect_signed_out(page)
    expect(page.get_by_text("Your session has expired")).to_be_visible()
    page.reload()
    wait_for_app_run(page)
    expect_signed_out(page)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


FAR_FUTURE = 4_102_444_800  # 2100-01-01
ADMIN_CLAIMS = {"username": "admin", "exp_date": FAR_FUTURE}


@pytest.mark.parametrize(
    "value",
    [
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(ADMIN_CLAIMS)}.",
        jwt.encode(ADMIN_CLAIMS, "x" * 64, algorithm="HS512"),
        "garbage-that-is-no-token",
    ],
    ids=["alg-none", "hs512", "garbage"],
)
def test_a_forged_cookie_is_just_signed_out(console: Console, page: Page, value: str):
    page.context.add_cookies([{"name": SIGN_IN_COOKIE, "value": value, "url": console.url}])
    page.goto(console.url)
    wait_for_app_run(page)
    expect_signed_out(page)
    expect(page.get_by_text("Ada Admin")).to_have_count(0)
    # Signing in over it works and replaces it.
    fill_sign_in_form(page, "viewer")
    expect_signed_in(page)
    assert "Traceback" not in console.log()


def test_the_sign_in_screen_shows_no_pages_before_or_after_a_session(console: Console, page: Page):
    page.goto(console.url)
    wait_for_app_run(page)
    expect_signed_out(page)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_have_count(0)
    sign_in(page, console, "admin")
    expect(
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Audit log")
    ).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    wait_for_app_run(page)
    expect_signed_out(page)
    expect(nav).to_have_count(0)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.get_by_role("link", name="Find a user")).to_have_count(0)
