"""Knobs of the local Recall Calendar V1 sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

# Stated in the README: the sandbox's own workspace API key when none is given.
DEFAULT_SANDBOX_API_KEY = "sandbox-api-key"

# Every fault the sandbox can inject. "drop_after_apply" is opt-in (not in the defaults): the
# request takes effect and only then is the connection dropped, which lets a client's tests
# prove that retrying a write is safe.
FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "429", "drop", "drop_after_apply")


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
    # Bot API answers in the current shape ("v1.11") or the legacy one ("v1.10").
    bot_api_shape: str = "v1.11"
