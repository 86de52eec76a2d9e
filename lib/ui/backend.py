"""Which Recall the console talks to, resolved once per process.

With no API key the embedded sandbox is started on a loopback port, once per process (a
``cache_resource`` singleton keyed by the sandbox knobs); with a key, the configured region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st
from pydantic import SecretStr

from lib.sandbox.config import DEFAULT_SANDBOX_API_KEY, SandboxConfig
from lib.sandbox.server import RunningSandbox, start_in_thread
from lib.settings import Settings, SettingsError, load_settings


@dataclass(frozen=True)
class Backend:
    mode: Literal["sandbox", "live"]
    base_url: str
    api_key: SecretStr
    label: str


def read_secrets() -> dict:
    """The secrets Streamlit loaded (file or AppTest), or nothing when there are none."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # also Streamlit's "no secrets file" error
        return {}


def get_settings() -> Settings:
    """Settings for this run; a bad configuration stops the page with a plain message."""
    try:
        return load_settings(secrets=read_secrets())
    except SettingsError as exc:
        st.error(f"The console cannot start: {exc}")
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_resource(show_spinner="Starting the local Recall sandbox…")
def _embedded_sandbox(
    seed: int,
    users: int,
    latency_ms: float,
    fault_rate: float,
    port: int,
    switches: tuple[tuple[str, object], ...] = (),
) -> RunningSandbox:
    return start_in_thread(
        SandboxConfig(
            seed=seed,
            users=users,
            latency_ms=latency_ms,
            fault_rate=fault_rate,
            **dict(switches),
        ),
        port=port,
    )


def get_backend(settings: Settings) -> Backend:
    if settings.mode == "live":
        assert settings.recall_api_key is not None
        return Backend(
            mode="live",
            base_url=settings.live_base_url,
            api_key=settings.recall_api_key,
            label=f"Recall {settings.recall_region}"
            if not settings.recall_base_url
            else f"Recall at {settings.live_base_url}",
        )
    sandbox = settings.sandbox
    if sandbox.base_url:
        return Backend(
            mode="sandbox",
            base_url=sandbox.base_url.rstrip("/"),
            api_key=sandbox.api_key or SecretStr(DEFAULT_SANDBOX_API_KEY),
            label=f"Sandbox at {sandbox.base_url}",
        )
    running = _embedded_sandbox(
        sandbox.seed,
        sandbox.users,
        sandbox.latency_ms,
        sandbox.fault_rate,
        sandbox.port,
        tuple(sorted(sandbox.switches().items())),
    )
    return Backend(
        mode="sandbox",
        base_url=running.base_url,
        api_key=SecretStr(running.api_key),
        label=f"Sandbox at {running.base_url}",
    )
