"""What the status page measures: which Recall is in use, whether it answers, and how close the
console runs to Recall's documented rate limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.recall import EndpointStats, LimitUsage, RecallClient, RecallError
from lib.recall.client import ENDPOINTS
from lib.recall.ratelimit import (
    AUTHENTICATE,
    BOT_LIST,
    BOT_RETRIEVE,
    CALENDAR_USER,
    USERS_LIST,
    WORKSPACE,
)
from lib.recall.regions import region_of
from lib.ui.backend import Backend
from lib.ui.data import key_fingerprint

# A ping is one users-list request, and that limit is 60 a minute for the whole workspace:
# page views within this many seconds share one measurement.
PING_TTL_SECONDS = 15
SLOW_SECONDS = 0.5
VERY_SLOW_SECONDS = 2.0

# The documented limit each client-side bucket stands for (Recall's 2025 reference).
LIMIT_LABELS: dict[str, tuple[str, str]] = {
    AUTHENTICATE: ("Authenticate (calendar tokens)", "per workspace"),
    USERS_LIST: ("List users", "per workspace"),
    CALENDAR_USER: ("Per-user endpoints", "per calendar user, per endpoint"),
    BOT_RETRIEVE: ("Retrieve bot", "per workspace"),
    BOT_LIST: ("List bots", "per workspace"),
}


@dataclass(frozen=True)
class RecallTarget:
    """Which Recall the console talks to, for people."""

    headline: str
    detail: str


def describe_target(backend: Backend) -> RecallTarget:
    if backend.mode == "sandbox":
        return RecallTarget(
            "Sandbox", "The local Recall Calendar V1 emulator, with seeded demo data."
        )
    region = region_of(backend.base_url)
    if region is not None:
        return RecallTarget(region, f"Recall's {region} region.")
    return RecallTarget("Custom URL", "A Recall deployment at a configured base URL.")


@dataclass(frozen=True)
class PingResult:
    """One round trip to Recall: how long it took, or why it failed."""

    checked_at: dt.datetime
    seconds: float | None = None
    problem: str | None = None
    error_class: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def run_ping(client: RecallClient, now: dt.datetime | None = None) -> PingResult:
    """Ping Recall once; a failure comes back as words, never as an exception."""
    moment = now or dt.datetime.now(dt.UTC)
    try:
        seconds = client.ping()
    except RecallError as exc:
        return PingResult(moment, problem=exc.message, error_class=type(exc).__name__)
    return PingResult(moment, seconds=seconds)


def speed_words(seconds: float) -> str:
    if seconds < SLOW_SECONDS:
        return "Answering"
    if seconds < VERY_SLOW_SECONDS:
        return "Answering slowly"
    return "Answering very slowly"


@st.cache_data(ttl=PING_TTL_SECONDS, show_spinner="Checking that Recall answers…")
def _ping(base_url: str, fingerprint: str, _client: RecallClient) -> PingResult:
    return run_ping(_client)


def get_ping(backend: Backend, client: RecallClient) -> PingResult:
    """The latest ping of this workspace, at most ``PING_TTL_SECONDS`` old."""
    return _ping(backend.base_url, key_fingerprint(backend), client)


def forget_ping() -> None:
    """Drop remembered pings so the next view measures again."""
    _ping.clear()


def limits_frame(summary: Mapping[str, LimitUsage], usage: list[LimitUsage]) -> pd.DataFrame:
    """One row per documented limit: the busiest bucket's use of it in the current window."""
    rows = []
    for name, busiest in summary.items():
        label, applies = LIMIT_LABELS.get(name, (name, ""))
        active = sum(1 for item in usage if item.limit == name)
        rows.append(
            {
                "Limit": label,
                "Applies": applies,
                "Used": busiest.used,
                "Allowed": busiest.capacity,
                "Share": busiest.ratio,
                "Busiest": "" if busiest.scope == WORKSPACE else busiest.scope,
                "Buckets in use": active,
                "Paused (s)": round(busiest.paused_for_s, 1),
            }
        )
    columns = ["Limit", "Applies", "Used", "Allowed", "Share", "Busiest", "Buckets in use"]
    return pd.DataFrame(rows, columns=[*columns, "Paused (s)"])


def buckets_frame(usage: list[LimitUsage]) -> pd.DataFrame:
    """Every bucket with requests in the window, busiest first."""
    return pd.DataFrame(
        [
            {
                "Limit": LIMIT_LABELS.get(item.limit, (item.limit, ""))[0],
                "Scope": "workspace" if item.scope == WORKSPACE else item.scope,
                "Used": item.used,
                "Allowed": item.capacity,
                "Share": item.ratio,
            }
            for item in usage
        ],
        columns=["Limit", "Scope", "Used", "Allowed", "Share"],
    )


def endpoints_frame(stats: Mapping[str, EndpointStats]) -> pd.DataFrame:
    """Requests per Calendar V1 endpoint since the console started, in the API's order."""
    rows = []
    for endpoint in ENDPOINTS:
        counters = stats.get(endpoint.name, EndpointStats())
        rows.append(
            {
                "Endpoint": endpoint.name,
                "Call": f"{endpoint.method} {endpoint.path}",
                "Limit": LIMIT_LABELS.get(endpoint.limit, (endpoint.limit, ""))[0],
                "Requests": counters.requests,
                "Retries": counters.retries,
                "429s": counters.rate_limited,
                "Failures": counters.failures,
                "Last status": counters.last_status or "",
                # Text, so an endpoint never called shows an empty cell rather than "None".
                "Last time (ms)": (
                    "" if counters.last_duration_ms is None else f"{counters.last_duration_ms:,.1f}"
                ),
            }
        )
    return pd.DataFrame(rows)
