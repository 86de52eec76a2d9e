"""Typed settings from the environment and ``.streamlit/secrets.toml``.

Precedence: environment variables, then the secrets file, then defaults. With no Recall API key
configured the console runs against the embedded sandbox ("sandbox" mode); with one it talks to
the configured Recall region ("live" mode). Secret values are ``SecretStr`` so that neither
``repr`` nor a log line can show them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from lib.recall.regions import REGIONS

DEFAULT_SECRETS_PATH = Path(".streamlit/secrets.toml")


class SettingsError(ValueError):
    """A configuration the console refuses to start with; the message says what to fix."""


SANDBOX_SWITCHES: tuple[str, ...] = (
    "base_preferences",
    "all_day_end_time",
    "dedup_key",
    "unknown_body_keys",
    "limits",
    "token_error_status",
    "missing_preference_keys",
    "horizon_days",
    "users_pagination",
    "delete_user_status",
    "bad_rows",
)


class SandboxSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    seed: int = 1
    users: int = Field(default=150, ge=1, le=1_000_000)
    latency_ms: float = Field(default=0.0, ge=0)
    fault_rate: float = Field(default=0.0, ge=0, le=1)
    # Fixed port for the embedded sandbox; 0 picks a free loopback port.
    port: int = Field(default=0, ge=0, le=65535)
    # A sandbox already running elsewhere (``python -m lib.sandbox``) instead of an embedded one,
    # e.g. shared by several console processes; its API key when not the default.
    base_url: str | None = None
    api_key: SecretStr | None = None
    # Behaviour switches of the embedded sandbox: how it behaves where Recall's documentation is
    # silent (``python -m lib.sandbox --help``, lib/sandbox/README.md). Same names as there.
    base_preferences: Literal["any", "all"] = "any"
    all_day_end_time: Literal["null", "end-of-day"] = "null"
    dedup_key: Literal["with-platform", "link-only"] = "with-platform"
    unknown_body_keys: Literal["refuse", "ignore"] = "refuse"
    limits: Literal["current", "legacy"] = "current"
    token_error_status: Literal[401, 403] = 401
    missing_preference_keys: Literal["false", "keep"] = "false"
    horizon_days: int = Field(default=28, ge=1, le=60)
    users_pagination: Literal["cursor", "page"] = "cursor"
    delete_user_status: Literal[204, 200] = 204
    bad_rows: bool = False

    @field_validator("token_error_status", "delete_user_status", mode="before")
    @classmethod
    def _status_from_text(cls, value: Any) -> Any:
        # Environment variables and hand-written TOML give the status as text.
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    def switches(self) -> dict[str, Any]:
        """The behaviour switches, as ``SandboxConfig`` keyword arguments."""
        return {name: getattr(self, name) for name in SANDBOX_SWITCHES}

    @field_validator("base_url", "api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # The example secrets file lists every key with an empty value.
        return None if isinstance(value, str) and not value.strip() else value


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    recall_api_key: SecretStr | None = None
    recall_region: str = "us-east-1"
    recall_base_url: str | None = None
    google_client_id: str = "sandbox-google-client"
    microsoft_client_id: str = "sandbox-microsoft-client"
    # The company's own OAuth redirect pages that forward to Recall (needed for Google's production
    # verification); empty means Recall's regional callback is registered directly.
    google_redirect_uri: str | None = None
    microsoft_redirect_uri: str | None = None
    connect_success_url: str | None = None
    connect_error_url: str | None = None
    data_dir: Path = Path("data")
    database_url: SecretStr | None = None
    view_as_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    directory_cache_seconds: int = Field(default=120, ge=0)
    account_cache_seconds: int = Field(default=60, ge=0)
    audit_retention_days: int = Field(default=400, ge=1)
    display_timezone: str = "UTC"
    sandbox: SandboxSettings = SandboxSettings()

    @field_validator("recall_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in REGIONS:
            known = ", ".join(sorted(REGIONS))
            raise ValueError(f"unknown Recall region; use one of {known}")
        return value

    @property
    def mode(self) -> Literal["sandbox", "live"]:
        key = self.recall_api_key.get_secret_value() if self.recall_api_key else ""
        return "live" if key.strip() else "sandbox"

    @property
    def live_base_url(self) -> str:
        """Recall's base URL in live mode (the sandbox's comes from the running emulator)."""
        if self.recall_base_url:
            return self.recall_base_url.rstrip("/")
        return REGIONS[self.recall_region]

    @property
    def database_url_or_default(self) -> str:
        if self.database_url and self.database_url.get_secret_value().strip():
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'console.db').resolve()}"


# Environment variable -> dotted settings path. Dotted paths also address the secrets file.
ENV_VARS: dict[str, str] = {
    "RECALL_API_KEY": "recall.api_key",
    "RECALL_REGION": "recall.region",
    "RECALL_BASE_URL": "recall.base_url",
    "GOOGLE_OAUTH_CLIENT_ID": "recall.google_client_id",
    "MICROSOFT_OAUTH_CLIENT_ID": "recall.microsoft_client_id",
    "CONSOLE_DATA_DIR": "console.data_dir",
    "DATABASE_URL": "console.database_url",
    "CONSOLE_VIEW_AS_IDLE_MINUTES": "console.view_as_idle_minutes",
    "CONSOLE_DISPLAY_TIMEZONE": "console.display_timezone",
    "CONSOLE_SANDBOX_SEED": "sandbox.seed",
    "CONSOLE_SANDBOX_USERS": "sandbox.users",
    "CONSOLE_SANDBOX_LATENCY_MS": "sandbox.latency_ms",
    "CONSOLE_SANDBOX_FAULT_RATE": "sandbox.fault_rate",
    "CONSOLE_SANDBOX_PORT": "sandbox.port",
    "CONSOLE_SANDBOX_URL": "sandbox.base_url",
    "CONSOLE_SANDBOX_API_KEY": "sandbox.api_key",
    **{f"CONSOLE_SANDBOX_{name.upper()}": f"sandbox.{name}" for name in SANDBOX_SWITCHES},
}

# Secrets-file sections -> Settings field names.
_FIELD_FOR_PATH: dict[str, str] = {
    "recall.api_key": "recall_api_key",
    "recall.region": "recall_region",
    "recall.base_url": "recall_base_url",
    "recall.google_client_id": "google_client_id",
    "recall.microsoft_client_id": "microsoft_client_id",
    "recall.google_redirect_uri": "google_redirect_uri",
    "recall.microsoft_redirect_uri": "microsoft_redirect_uri",
    "recall.connect_success_url": "connect_success_url",
    "recall.connect_error_url": "connect_error_url",
    "console.data_dir": "data_dir",
    "console.database_url": "database_url",
    "console.view_as_idle_minutes": "view_as_idle_minutes",
    "console.directory_cache_seconds": "directory_cache_seconds",
    "console.account_cache_seconds": "account_cache_seconds",
    "console.audit_retention_days": "audit_retention_days",
    "console.display_timezone": "display_timezone",
}


def read_secrets_file(path: Path = DEFAULT_SECRETS_PATH) -> dict[str, Any]:
    """The parsed secrets file, or an empty mapping when there is none."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message quotes positions, not values, so it is safe to repeat.
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None


def _lookup(tree: Mapping[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def load_settings(
    secrets: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from a secrets mapping (as ``st.secrets`` or the TOML file gives it) and env."""
    secrets = read_secrets_file() if secrets is None else secrets
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sandbox: dict[str, Any] = dict(_lookup(secrets, "sandbox") or {})
    for dotted, field in _FIELD_FOR_PATH.items():
        found = _lookup(secrets, dotted)
        if found is not None and found != "":
            values[field] = found
    for variable, dotted in ENV_VARS.items():
        raw = env.get(variable)
        if raw is None or raw == "":
            continue
        if dotted.startswith("sandbox."):
            sandbox[dotted.removeprefix("sandbox.")] = raw
        else:
            values[_FIELD_FOR_PATH[dotted]] = raw
    values["sandbox"] = SandboxSettings(**sandbox)
    try:
        return Settings(**values)
    except ValueError as exc:
        # pydantic echoes input values; rebuild the message from locations and reasons only so a
        # mistyped secret can never be printed.
        errors = getattr(exc, "errors", lambda: [])()
        details = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in errors
        )
        raise SettingsError(f"invalid settings: {details or 'unreadable values'}") from None
