"""The test-run sandbox variant: parsed from --sandbox-variant / the environment, applied to every
sandbox the fixtures start, and passed to an embedded sandbox through the console's settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lib.sandbox.config import SWITCHES, SandboxConfig
from lib.settings import load_settings
from tests import sandbox_variant


@pytest.fixture
def variant(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., dict[str, Any]]]:
    """Activate a variant for one test and restore the run's own afterwards."""
    saved = sandbox_variant.active()
    monkeypatch.delenv(sandbox_variant.ENV_VAR, raising=False)
    yield sandbox_variant.activate
    sandbox_variant._active.clear()
    sandbox_variant._active.update(saved)


def test_parse_types_every_value_and_refuses_unknown_names() -> None:
    parsed = sandbox_variant.parse(
        ["base_preferences=all", "token-error-status=403,horizon_days=14", "bad_rows=true"]
    )
    assert parsed == {
        "base_preferences": "all",
        "token_error_status": 403,
        "horizon_days": 14,
        "bad_rows": True,
    }
    for bad in ("base_preferences", "colour=blue", "limits=older", "horizon_days=0"):
        with pytest.raises(ValueError):
            sandbox_variant.parse([bad])


def test_every_non_default_value_is_one_run() -> None:
    runs = sandbox_variant.non_default_values()
    assert len(runs) == len(set(runs))
    named = {run.split("=")[0] for run in runs}
    assert named == set(SWITCHES)
    assert "horizon_days=14" in runs and "bad_rows=true" in runs
    for run in runs:
        name = run.split("=")[0]
        assert sandbox_variant.parse([run])[name] != SandboxConfig().switches()[name]


def test_the_variant_reaches_private_sandboxes(
    variant: Callable[..., dict[str, Any]], make_sandbox: Callable[..., Any]
) -> None:
    variant(["dedup_key=link-only", "limits=legacy"])
    running = make_sandbox(users=8, heavy_user_meetings=0)
    assert running.state.config.dedup_key == "link-only"
    # Legacy limits mean nothing with the limiter off, so the variant turns it on...
    assert running.state.limiter.scale == 1
    # ...unless the test chose a scale, and a test's own switch values win.
    chosen = make_sandbox(
        users=8, heavy_user_meetings=0, rate_limit_scale=0, dedup_key="with-platform"
    )
    assert (chosen.state.limiter.scale, chosen.state.config.dedup_key) == (0, "with-platform")


def test_the_variant_reaches_an_embedded_sandbox_through_settings(
    variant: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sandbox_variant.ENV_VAR, "bad_rows=true")
    variant(["token_error_status=403"])
    env = sandbox_variant.env_vars()
    assert env == {
        "CONSOLE_SANDBOX_BAD_ROWS": "true",
        "CONSOLE_SANDBOX_TOKEN_ERROR_STATUS": "403",
    }
    switches = load_settings(secrets={}, env=env).sandbox.switches()
    assert SandboxConfig(**switches).switches() == {
        **SandboxConfig().switches(),
        "bad_rows": True,
        "token_error_status": 403,
    }
