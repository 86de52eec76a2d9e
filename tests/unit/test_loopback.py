"""Sandbox mode only for a sandbox on this machine: the loopback check and what it decides."""

from __future__ import annotations

import pytest

from lib.loopback import is_loopback_url
from lib.settings import load_settings
from lib.staff.config import StaffConfig, demo_accounts_enabled, startup_problems

REGION_URL = "https://us-east-1.recall.ai"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://127.9.8.7/",
        "http://localhost:8765",
        "http://LOCALHOST",
        "http://[::1]:8765/api",
        "http://[::ffff:127.0.0.1]:8765",
        "https://127.0.0.1",
    ],
)
def test_loopback_urls(url: str):
    assert is_loopback_url(url)


@pytest.mark.parametrize(
    "url",
    [
        REGION_URL,
        "https://api.recall.ai",
        "http://127.0.0.1@recall.ai/",  # user info, not the host
        "http://localhost.recall.ai",
        "http://127.0.0.1.nip.io",
        "http://127.1",  # shorthand is not resolved or guessed
        "http://10.0.0.5:8765",
        "http://0.0.0.0:8765",
        "ftp://127.0.0.1",
        "127.0.0.1:8765",
        "http://127.0.0.1:99999",
        "",
    ],
)
def test_everything_else_is_remote(url: str):
    assert not is_loopback_url(url)


@pytest.mark.parametrize(
    ("secrets", "env"),
    [
        ({}, {"CONSOLE_SANDBOX_URL": REGION_URL, "CONSOLE_SANDBOX_API_KEY": "rk_real"}),
        ({"sandbox": {"base_url": REGION_URL, "api_key": "rk_real"}}, {}),
        ({"sandbox": {"base_url": "http://sandbox.internal:8765"}}, {}),
    ],
)
def test_a_remote_sandbox_url_is_live_whichever_setting_named_it(secrets, env):
    settings = load_settings(secrets=secrets, env=env)
    assert settings.mode == "live"
    assert settings.live_base_url == settings.sandbox.base_url.rstrip("/")
    config = StaffConfig()
    assert not demo_accounts_enabled(config, mode=settings.mode, sso=False)
    refused = startup_problems(
        StaffConfig(demo_accounts=True, cookie_key="k" * 48),
        mode=settings.mode,
        sso=False,
        has_local_accounts=True,
    )
    assert any("Demo staff accounts" in p for p in refused)


def test_a_loopback_sandbox_url_stays_sandbox():
    settings = load_settings(secrets={}, env={"CONSOLE_SANDBOX_URL": "http://127.0.0.1:8765"})
    assert settings.mode == "sandbox"
    assert demo_accounts_enabled(StaffConfig(), mode=settings.mode, sso=False)


def test_a_real_key_keeps_its_region_whatever_the_sandbox_url():
    settings = load_settings(
        secrets={"recall": {"api_key": "rk_real", "region": "eu-central-1"}},
        env={"CONSOLE_SANDBOX_URL": REGION_URL},
    )
    assert settings.mode == "live"
    assert settings.live_base_url == "https://eu-central-1.recall.ai"
