"""Settings of the snapshot workers, read from the environment (every worker machine has the
same ones as the console: the database, the workspace, the token key)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

DEFAULT_MAX_AGE_HOURS = 6.0
DEFAULT_SOON_HOURS = 24.0
# Users with a meeting within ``soon_hours`` are re-read at least this often.
DEFAULT_SOON_REFRESH_MINUTES = 15.0
DEFAULT_DISCOVER_MINUTES = 60.0


class SnapshotConfigError(ValueError):
    """A setting the workers need is missing or wrong; the message says which."""


@dataclass(frozen=True)
class SnapshotConfig:
    database_url: str = field(repr=False)
    recall_base_url: str
    recall_api_key: SecretStr = field(repr=False)
    token_key: SecretStr = field(repr=False)
    max_age_hours: float = DEFAULT_MAX_AGE_HOURS
    soon_hours: float = DEFAULT_SOON_HOURS
    soon_refresh_minutes: float = DEFAULT_SOON_REFRESH_MINUTES
    # Mirrors the sandbox's ``rate_limit_scale`` / window in tests and benchmarks; 1 for Recall.
    # Recall's user list is read again this often (new and deleted users).
    discover_minutes: float = DEFAULT_DISCOVER_MINUTES
    rate_limit_scale: float = 1.0
    rate_limit_window_s: float = 60.0
    stalled_after_s: float = 30.0
    heartbeat_s: float = 10.0
    # Keep finished jobs (and their event history) instead of deleting them: for audits of
    # the queue itself, and for tests that check when each job ran.
    keep_finished_jobs: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SnapshotConfig:
        env = os.environ if environ is None else environ

        def need(name: str) -> str:
            value = (env.get(name) or "").strip()
            if not value:
                raise SnapshotConfigError(f"{name} is not set; the snapshot workers need it.")
            return value

        def number(name: str, default: float) -> float:
            raw = env.get(name)
            if raw is None or not raw.strip():
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SnapshotConfigError(f"{name} must be a number.") from None
            if value < 0:
                raise SnapshotConfigError(f"{name} must not be negative.")
            return value

        return cls(
            database_url=need("DATABASE_URL"),
            recall_base_url=need("RECALL_BASE_URL"),
            recall_api_key=SecretStr(need("RECALL_API_KEY")),
            token_key=SecretStr(need("SNAPSHOT_TOKEN_KEY")),
            max_age_hours=number("SNAPSHOT_MAX_AGE_HOURS", DEFAULT_MAX_AGE_HOURS),
            soon_hours=number("SNAPSHOT_SOON_HOURS", DEFAULT_SOON_HOURS),
            soon_refresh_minutes=number(
                "SNAPSHOT_SOON_REFRESH_MINUTES", DEFAULT_SOON_REFRESH_MINUTES
            ),
            discover_minutes=number("SNAPSHOT_DISCOVER_MINUTES", DEFAULT_DISCOVER_MINUTES),
            rate_limit_scale=number("SNAPSHOT_RATE_LIMIT_SCALE", 1.0),
            rate_limit_window_s=number("SNAPSHOT_RATE_LIMIT_WINDOW_S", 60.0),
            stalled_after_s=number("SNAPSHOT_STALLED_AFTER_S", 30.0),
            heartbeat_s=number("SNAPSHOT_HEARTBEAT_S", 10.0),
            keep_finished_jobs=env.get("SNAPSHOT_KEEP_JOBS", "").strip() in ("1", "true", "yes"),
        )
