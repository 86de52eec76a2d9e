"""Everything one sandbox instance holds: workspace, tokens, limits, faults and counters."""

from __future__ import annotations

import hmac
import threading
from dataclasses import replace
from datetime import datetime
from typing import Any

from lib.sandbox import corpus
from lib.sandbox.clock import Clock, floor_to_hour, iso, system_clock
from lib.sandbox.config import SWITCHES, SandboxConfig, check_switch
from lib.sandbox.faults import FaultInjector
from lib.sandbox.oauth_codes import OAuthCodes
from lib.sandbox.ratelimit import LIMIT_SETS, RateLimiter, limits_table
from lib.sandbox.stats import RequestStats
from lib.sandbox.tokens import TokenSigner
from lib.sandbox.workspace import Workspace


class SandboxState:
    """The in-process state behind one sandbox app; tests read it directly."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock: Clock = config.clock or system_clock
        anchor = config.anchor if config.anchor is not None else floor_to_hour(self.clock())
        self.workspace = Workspace(
            seed=config.seed,
            users=config.users,
            anchor=anchor,
            heavy_user_meetings=config.heavy_user_meetings,
            horizon_days=config.horizon_days,
            bad_rows=config.bad_rows,
        )
        self.tokens = TokenSigner(
            workspace_id=self.workspace.id, clock=self.clock, secret=config.token_secret
        )
        self.limiter = RateLimiter(
            scale=config.rate_limit_scale,
            window_s=config.rate_limit_window_s,
            table=LIMIT_SETS[config.limits],
        )
        self.faults = FaultInjector(
            seed=config.seed, rate=config.fault_rate, kinds=config.fault_kinds
        )
        self.stats = RequestStats()
        self.oauth_codes = OAuthCodes()
        self.latency_ms = config.latency_ms
        self._settings_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SandboxState(workspace={self.workspace.id!r}, users={self.user_count})"

    @property
    def user_count(self) -> int:
        return self.workspace.user_count

    def now(self) -> datetime:
        return self.clock()

    def api_key_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.config.api_key.encode())

    def runtime_settings(self) -> dict[str, Any]:
        """The knobs and switches with their current values (``POST /_sandbox/config`` changes
        all but ``horizon_days`` and ``bad_rows``, which shape the seeded workspace)."""
        return {
            "latency_ms": self.latency_ms,
            "fault_rate": self.faults.rate,
            "fault_kinds": list(self.faults.kinds),
            "rate_limit_scale": self.limiter.scale,
            "rate_limit_window_s": self.limiter.window_s,
            **self.config.switches(),
        }

    def apply_settings(self, changes: dict[str, Any]) -> None:
        """Apply type-checked runtime changes; raises ValueError (changing nothing) when the
        fault settings do not fit together."""
        with self._settings_lock:
            # Faults first: configure() validates the combination and may refuse it, and a
            # refused request must change nothing.
            if "fault_rate" in changes or "fault_kinds" in changes:
                self.faults.configure(
                    rate=float(changes.get("fault_rate", self.faults.rate)),
                    kinds=tuple(changes.get("fault_kinds", self.faults.kinds)),
                )
            if "latency_ms" in changes:
                self.latency_ms = float(changes["latency_ms"])
            if "rate_limit_scale" in changes:
                self.limiter.scale = float(changes["rate_limit_scale"])
                self.limiter.reset()
            if "rate_limit_window_s" in changes:
                self.limiter.window_s = float(changes["rate_limit_window_s"])
                self.limiter.reset()
            switches = {
                name: check_switch(name, value)
                for name, value in changes.items()
                if name in SWITCHES
            }
            if switches:
                # One new frozen config: a request sees either the old switches or the new ones.
                self.config = replace(self.config, **switches)
                if "limits" in switches:
                    self.limiter.table = LIMIT_SETS[self.config.limits]
                    self.limiter.reset()

    def stats_snapshot(self) -> dict[str, Any]:
        return {**self.stats.snapshot(), "calendar_users": self.user_count}

    def info(self) -> dict[str, Any]:
        """What a console or a benchmark wants to know about this workspace."""
        return {
            "company": corpus.COMPANY_NAME,
            "domain": corpus.COMPANY_DOMAIN,
            "workspace_id": self.workspace.id,
            "seed": self.config.seed,
            "anchor": iso(self.workspace.anchor),
            "now": iso(self.now()),
            "calendar_users": self.user_count,
            "notable_users": self.workspace.notable_users(),
            "rate_limits": limits_table(self.limiter.scale, self.config.limits),
            "settings": self.runtime_settings(),
        }
