"""Company SSO end to end: Streamlit's OIDC login against a local OpenID provider on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Console, free_port, start_console, stop_console, wait_for_app_run

pytestmark = pytest.mark.e2e

STAFF_EMAIL = "alice@corp.example"


@pytest.fixture(scope="module")
def oidc_port() -> Iterator[int]:
    users = [
        User(
            sub=STAFF_EMAIL,
            claims={"email": STAFF_EMAIL, "email_verified": True, "name": "Alice Support"},
        ),
        User(
            sub="mallory@evil.example",
            claims={"email": "mallory@evil.example", "email_verified": True},
        ),
        User(
            sub="unverified@corp.example",
            claims={"email": "unverified@corp.example", "email_verified": False},
        ),
    ]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield server.server_port


def sso_secrets(console_port: int, oidc_port: int, *, max_session_hours: float = 12) -> str:
    return f"""
[auth]
redirect_uri = "http://127.0.0.1:{console_port}/oauth2callback"
cookie_secret = "sso-test-cookie-secret-0123456789abcdef"
client_id = "calendar-console"
client_secret = "calendar-console-secret"
server_metadata_url = "http://localhost:{oidc_port}/.well-known/openid-configuration"

[staff]
allowed_domains = ["corp.example"]
max_session_hours = {max_session_hours}

[staff.roles]
"@corp.example" = "editor"
"""


def start_sso_console(tmp: Path, oidc_port: int, **kwargs: float) -> Console:
    port = free_port()
    return start_console(
        tmp,
        {"AUTHLIB_INSECURE_TRANSPORT": "1"},
        secrets_toml=sso_secrets(port, oidc_port, **kwargs),
        port=port,
    )


@pytest.fixture(scope="module")
def sso_console(tmp_path_factory: pytest.TempPathFactory, oidc_port: int) -> Iterator[Console]:
    console = start_sso_console(tmp_path_factory.mktemp("sso"), oidc_port)
    yield console
    stop_console(console)


def sso_sign_in(page: Page, console: Console, subject: str) -> None:
    page.goto(console.url)
    wait_for_app_run(page)
    page.get_by_role("button", name="Sign in with company SSO").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.locator("input[name='sub']").fill(subject)
    page.locator("button[type='submit'][value='authorize'], button[type='submit']").first.click()
    page.wait_for_url(f"{console.url}/**", timeout=30_000)
    wait_for_app_run(page)


def test_sso_sign_in_gives_the_configured_role(sso_console: Console, page: Page, screenshot):
    sso_sign_in(page, sso_console, STAFF_EMAIL)
    expect(page.get_by_text("Alice Support")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Role: Editor")).to_be_visible()
    screenshot("sso-signed-in")
    page.get_by_role("button", name="Sign out").click()
    # Streamlit ends the session at the provider too (its end_session page), then returns.
    page.wait_for_url("**/oauth2/end_session**", timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{sso_console.url}/**", timeout=30_000)
    page.goto(sso_console.url)
    wait_for_app_run(page)
    expect(page.get_by_role("button", name="Sign in with company SSO")).to_be_visible(
        timeout=20_000
    )


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("mallory@evil.example", "not in a domain allowed"),
        ("unverified@corp.example", "not verified"),
    ],
)
def test_sso_refuses_other_domains_and_unverified_email(
    sso_console: Console, page: Page, subject: str, problem: str
):
    sso_sign_in(page, sso_console, subject)
    expect(page.get_by_text(problem)).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_an_expired_session_is_sent_back_to_sign_in(tmp_path: Path, oidc_port: int, page: Page):
    # 0.002 h = 7.2 s: long enough to sign in, short enough to wait out.
    console = start_sso_console(tmp_path, oidc_port, max_session_hours=0.002)
    try:
        sso_sign_in(page, console, STAFF_EMAIL)
        expect(page.get_by_text("Role: Editor")).to_be_visible(timeout=20_000)
        time.sleep(8)
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Status").click()
        wait_for_app_run(page)
        expect(page.get_by_text("Your session has expired")).to_be_visible(timeout=20_000)
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    finally:
        stop_console(console)


def test_a_copied_identity_cookie_signs_nobody_in_after_sign_out(
    sso_console: Console, page: Page, browser: Browser
):
    sso_sign_in(page, sso_console, STAFF_EMAIL)
    expect(page.get_by_text("Role: Editor")).to_be_visible(timeout=20_000)
    copied = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session**", timeout=30_000)

    other = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        other.add_cookies(copied)
        replay = other.new_page()
        replay.goto(sso_console.url)
        wait_for_app_run(replay)
        expect(replay.get_by_role("button", name="Sign in with company SSO")).to_be_visible(
            timeout=20_000
        )
        expect(replay.get_by_text("You signed out")).to_be_visible()
        expect(replay.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(replay.get_by_text("Alice Support")).to_have_count(0)
    finally:
        other.close()
