"""The sandbox variant a test run uses: behaviour switches applied to every sandbox tests start.

Chosen with ``pytest --sandbox-variant NAME=VALUE`` (repeatable) or the environment variable
``CONSOLE_TEST_SANDBOX_VARIANT="NAME=VALUE[,NAME=VALUE]"``; names and values are those of
``python -m lib.sandbox --help`` (underscores). Empty means the sandbox's defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from lib.sandbox.config import SWITCHES, SandboxConfig, check_switch

ENV_VAR = "CONSOLE_TEST_SANDBOX_VARIANT"
_active: dict[str, Any] = {}


def parse(items: Iterable[str]) -> dict[str, Any]:
    """``["base_preferences=all", ...]`` as typed switch values; ValueError names a bad item."""
    variant: dict[str, Any] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in SWITCHES:
                known = ", ".join(SWITCHES)
                raise ValueError(
                    f"--sandbox-variant {part!r}: expected NAME=VALUE, NAME in {known}"
                )
            variant[name] = check_switch(name, value.strip())
    return variant


def activate(items: Iterable[str]) -> dict[str, Any]:
    """Make ``items`` (plus the environment variable) the run's variant."""
    _active.clear()
    _active.update(parse([os.environ.get(ENV_VAR, ""), *items]))
    return dict(_active)


def active() -> dict[str, Any]:
    return dict(_active)


def config_values(**overrides: Any) -> dict[str, Any]:
    """``SandboxConfig`` keyword arguments: the variant, then the test's own ``overrides``.

    With the legacy limits the limiter must be on for the variant to mean anything, so it is,
    unless the test chose a scale itself."""
    values: dict[str, Any] = dict(_active)
    if values.get("limits") == "legacy":
        values["rate_limit_scale"] = 1
    values.update(overrides)
    return values


def config(**overrides: Any) -> SandboxConfig:
    return SandboxConfig(**config_values(**overrides))


def env_vars() -> dict[str, str]:
    """The variant as the console's ``CONSOLE_SANDBOX_*`` settings, for an embedded sandbox."""
    return {
        f"CONSOLE_SANDBOX_{name.upper()}": str(value).lower()
        if isinstance(value, bool)
        else str(value)
        for name, value in _active.items()
    }


def non_default_values() -> list[str]:
    """Every ``NAME=VALUE`` other than a default, one variant run each."""
    runs = []
    for name, switch in SWITCHES.items():
        for choice in switch.choices:
            if choice != switch.default_value:
                shown = str(choice).lower() if isinstance(choice, bool) else str(choice)
                runs.append(f"{name}={shown}")
                if name == "horizon_days":
                    break  # 14 is the value Recall's own demo suggests; one is enough
    return runs
