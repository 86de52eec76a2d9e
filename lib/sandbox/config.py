"""Knobs of the local Recall Calendar V1 sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Stated in the README: the sandbox's own workspace API key when none is given.
DEFAULT_SANDBOX_API_KEY = "sandbox-api-key"

# Every fault the sandbox can inject. "drop_after_apply" is opt-in (not in the defaults): the
# request takes effect and only then is the connection dropped, which lets a client's tests
# prove that retrying a write is safe.
FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "429", "drop", "drop_after_apply")


@dataclass(frozen=True)
class Switch:
    """One way Recall may behave where its documentation is silent. The first choice is the
    default unless ``default`` says otherwise."""

    name: str
    choices: tuple[Any, ...]
    help: str
    default: Any = None
    # Whether ``POST /_sandbox/config`` may change it on a running sandbox (not the ones that
    # shape the seeded workspace).
    runtime: bool = True

    @property
    def default_value(self) -> Any:
        return self.choices[0] if self.default is None else self.default

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


# The switches, by config/settings name; ``python -m lib.sandbox`` spells them with dashes.
SWITCHES: dict[str, Switch] = {
    s.name: s
    for s in (
        Switch(
            "base_preferences",
            ("any", "all"),
            "how the four base preferences combine: any (OR; every documented preset works) or "
            "all (the page's literal 'all evaluated conditions are met')",
        ),
        Switch(
            "all_day_end_time",
            ("null", "end-of-day"),
            "end_time of an all-day event: null, or the end of its day (both times set); "
            "neither is recorded",
        ),
        Switch(
            "dedup_key",
            ("with-platform", "link-only"),
            "bot de-duplication key: join link + start within one calendar platform, or "
            "join link + start across platforms",
        ),
        Switch(
            "unknown_body_keys",
            ("refuse", "ignore"),
            "unknown keys in a request body: refuse with a 400, or ignore them as Django REST "
            "Framework does",
        ),
        Switch(
            "limits",
            ("current", "legacy"),
            "rate limits: the current documented set, or the older tighter one (user update "
            "10/min, disconnect 2/min, refresh 1 per 10 min, meeting update 10/min per meeting)",
        ),
        Switch(
            "token_error_status",
            (401, 403),
            "HTTP status for a missing, bad or expired calendar auth token",
        ),
        Switch(
            "missing_preference_keys",
            ("false", "keep"),
            "a preference flag missing from PUT user/: false (as Recall documents), or keep "
            "its current value (merge)",
        ),
        Switch(
            "users_pagination",
            ("cursor", "page"),
            "users/?paginate=true: DRF cursor links, or ?page=N links with a count",
        ),
        Switch(
            "delete_user_status",
            (204, 200),
            "answer to DELETE user/: 204 with no body, or 200 with a JSON body",
        ),
        Switch(
            "horizon_days",
            (28, 14, 7),
            "how many days ahead meetings exist (any whole number from 1 to 60)",
            runtime=False,
        ),
        Switch(
            "bad_rows",
            (False, True),
            "seed a few users whose meetings, attendees and connections break the documented "
            "model (listed in /_sandbox/info under bad_rows)",
            runtime=False,
        ),
    )
}
MAX_HORIZON_DAYS = 60


def check_switch(name: str, value: Any) -> Any:
    """``value`` as the switch's type, or ValueError. Numbers may come as text (settings, env)."""
    switch = SWITCHES[name]
    if name == "horizon_days":
        if isinstance(value, bool):
            raise ValueError("horizon_days must be a whole number")
        number = int(value)
        if not 1 <= number <= MAX_HORIZON_DAYS:
            raise ValueError(f"horizon_days must be between 1 and {MAX_HORIZON_DAYS}")
        return number
    if name == "bad_rows":
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "on", "off"):
            return value.lower() in ("true", "1", "on")
        if not isinstance(value, bool):
            raise ValueError("bad_rows must be true or false")
        return value
    if isinstance(switch.choices[0], int) and isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or value not in switch.choices:
        shown = ", ".join(str(choice) for choice in switch.choices)
        raise ValueError(f"{name} must be one of {shown}")
    return value


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes one sandbox instance.

    The same ``seed``, ``users`` and ``anchor`` always produce the same workspace.
    """

    api_key: str = field(default=DEFAULT_SANDBOX_API_KEY, repr=False)
    seed: int = 1
    users: int = 150
    # Meetings are laid out relative to this instant (default: when the sandbox starts,
    # floored to the hour so a restart within the hour gives the same workspace).
    anchor: datetime | None = None
    latency_ms: float = 0.0
    # Share of requests answered with a fault (500/502/503, 429, or a dropped connection).
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = ("500", "502", "503", "429", "drop")
    # Multiplies every documented rate limit; 0 turns rate limiting off.
    rate_limit_scale: float = 1.0
    # Length of the sliding rate-limit window; Recall's limits are per minute, tests shorten it.
    rate_limit_window_s: float = 60.0
    # Secret for signing calendar auth tokens; random per instance when None.
    token_secret: str | None = field(default=None, repr=False)
    # The sandbox's notion of "now" (timezone-aware UTC). None means the system clock; tests pass
    # a ``lib.sandbox.clock.ManualClock`` to move time (token expiry, meetings that have ended).
    clock: Callable[[], datetime] | None = field(default=None, compare=False, repr=False)
    # Upcoming meetings on the workspace's heavy account (the second seeded user), so the
    # console can be measured on a big calendar; 0 gives that user an ordinary calendar.
    heavy_user_meetings: int = 2000
    # Recall's WAF answers a GET that carries a body (even ``null``) with an HTML 403.
    reject_get_with_body: bool = True
    # Behaviour switches (see ``SWITCHES``): where Recall's documentation is silent.
    base_preferences: str = "any"
    all_day_end_time: str = "null"
    dedup_key: str = "with-platform"
    unknown_body_keys: str = "refuse"
    limits: str = "current"
    token_error_status: int = 401
    missing_preference_keys: str = "false"
    horizon_days: int = 28
    users_pagination: str = "cursor"
    delete_user_status: int = 204
    bad_rows: bool = False

    def __post_init__(self) -> None:
        for name in SWITCHES:
            object.__setattr__(self, name, check_switch(name, getattr(self, name)))

    def switches(self) -> dict[str, Any]:
        """The behaviour switches and their values."""
        return {name: getattr(self, name) for name in SWITCHES}
