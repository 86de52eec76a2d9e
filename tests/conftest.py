"""Fixtures shared by every test level.

The sandbox runs as a real HTTP server on a loopback port, so everything above it (client,
pages, browser) is exercised over real HTTP.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import RunningSandbox, start_in_thread


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """One shared sandbox with rate limiting off. Read-only use only: tests that write
    start their own with ``make_sandbox``."""
    running = start_in_thread(SandboxConfig(seed=1, users=150, rate_limit_scale=0))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """Factory for a private sandbox; keyword arguments override ``SandboxConfig`` fields.
    Rate limiting is off unless the test sets ``rate_limit_scale``."""
    started: list[RunningSandbox] = []

    def _make(**overrides: Any) -> RunningSandbox:
        settings: dict[str, Any] = {"rate_limit_scale": 0, **overrides}
        running = start_in_thread(SandboxConfig(**settings))
        started.append(running)
        return running

    yield _make
    for running in started:
        running.stop()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL server that the test command starts (scripts/test-services.sh).

    Missing means the suite was not started through the README's test command; that is a
    failure, not a skip, so CI can never pass without having exercised PostgreSQL."""
    url = os.environ.get("CONSOLE_TEST_POSTGRES_URL")
    if not url:
        pytest.fail(
            "CONSOLE_TEST_POSTGRES_URL is not set: run the suite with `make test`, "
            "which installs and starts PostgreSQL"
        )
    return url
