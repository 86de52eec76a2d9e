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
from tests import sandbox_variant

# Test files that must pass against the sandbox in every mode (``make test-variants``): the
# account, preview and write tests. They get the ``sandbox_variants`` marker.
SANDBOX_VARIANT_FILES: frozenset[str] = frozenset(
    {
        "tests/app/test_account_admin.py",
        "tests/app/test_account_open.py",
        "tests/app/test_account_writes.py",
        "tests/app/test_preview.py",
        "tests/app/test_directory_prefs.py",
        "tests/app/test_faults_writes.py",
        "tests/unit/test_actions_faults.py",
        "tests/unit/test_actions_guards.py",
        "tests/unit/test_actions_writes.py",
        "tests/unit/test_client_sandbox.py",
        "tests/unit/test_cohort_sandbox.py",
        "tests/unit/test_directory_edits.py",
    }
)
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sandbox-variant",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="apply a sandbox behaviour switch to every sandbox the tests start (repeatable; "
        f"also ${sandbox_variant.ENV_VAR}); see python -m lib.sandbox --help",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox_variants: must pass against the sandbox in every behaviour mode"
    )
    try:
        variant = sandbox_variant.activate(config.getoption("--sandbox-variant"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    # An embedded sandbox (started by the console from its settings) gets the same switches.
    os.environ.update(sandbox_variant.env_vars())
    if variant:
        config.stash[_VARIANT_KEY] = variant


_VARIANT_KEY = pytest.StashKey[dict]()


def pytest_report_header(config: pytest.Config) -> str | None:
    variant = config.stash.get(_VARIANT_KEY, None)
    if not variant:
        return None
    return "sandbox variant: " + " ".join(f"{k}={v}" for k, v in variant.items())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        relative = os.path.relpath(str(item.path), _ROOT).replace(os.sep, "/")
        if relative in SANDBOX_VARIANT_FILES:
            item.add_marker(pytest.mark.sandbox_variants)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """One shared sandbox with rate limiting off. Read-only use only: tests that write
    start their own with ``make_sandbox``."""
    running = start_in_thread(sandbox_variant.config(seed=1, users=150, rate_limit_scale=0))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """Factory for a private sandbox; keyword arguments override ``SandboxConfig`` fields.
    Rate limiting is off unless the test sets ``rate_limit_scale`` (or the run's sandbox variant
    uses the legacy limits). The run's sandbox variant applies first."""
    started: list[RunningSandbox] = []

    def _make(**overrides: Any) -> RunningSandbox:
        settings = {"rate_limit_scale": 0, **sandbox_variant.config_values(**overrides)}
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
