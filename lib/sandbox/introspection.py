"""The sandbox's own endpoints under ``/_sandbox/`` (a prefix Recall does not use).

``GET stats``, ``POST stats/reset``, ``GET info``, ``GET config`` are open (loopback only);
``POST config`` changes latency, faults and rate limits at run time and needs the workspace API
key, since it can make every other client fail.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.sandbox import errors, validation
from lib.sandbox.config import FAULT_KINDS, SWITCHES, check_switch
from lib.sandbox.state import SandboxState


async def stats(request: Request, state: SandboxState) -> Response:
    return JSONResponse(state.stats_snapshot())


async def stats_reset(request: Request, state: SandboxState) -> Response:
    state.stats.reset()
    return JSONResponse(state.stats_snapshot())


async def info(request: Request, state: SandboxState) -> Response:
    return JSONResponse(state.info())


async def config_get(request: Request, state: SandboxState) -> Response:
    return JSONResponse(state.runtime_settings())


def _number(value: Any, low: float, high: float) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ["A valid number is required."]
    if not low <= value <= high:
        return [f"Ensure this value is between {low:g} and {high:g}."]
    return []


def _settings_changes(body: dict[str, Any]) -> dict[str, Any]:
    bounds = {
        "latency_ms": (0.0, 60_000.0),
        "fault_rate": (0.0, 1.0),
        "rate_limit_scale": (0.0, 1000.0),
        "rate_limit_window_s": (0.01, 3600.0),
    }
    problems: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key in bounds:
            field_problems = _number(value, *bounds[key])
        elif key in SWITCHES:
            if not SWITCHES[key].runtime:
                field_problems = ["Fixed when the sandbox starts (it shapes the workspace)."]
            else:
                try:
                    check_switch(key, value)
                    field_problems = []
                except ValueError as exc:
                    field_problems = [str(exc)]
        elif key == "fault_kinds":
            if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
                field_problems = ["Expected a list of strings."]
            else:
                field_problems = [
                    f'"{k}" is not a valid choice.' for k in value if k not in FAULT_KINDS
                ]
        else:
            field_problems = ["Unknown field."]
        if field_problems:
            problems[key] = field_problems
        else:
            changes[key] = value
    if problems:
        raise errors.invalid(problems)
    return changes


async def config_update(request: Request, state: SandboxState) -> Response:
    body = await validation.json_object(request)
    changes = _settings_changes(body)
    try:
        state.apply_settings(changes)
    except ValueError as exc:
        raise errors.invalid({"non_field_errors": [str(exc)]}) from None
    return JSONResponse(state.runtime_settings())
