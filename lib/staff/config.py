"""Staff sign-in configuration and the checks the console refuses to start without."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

# Keys that appear in streamlit-authenticator's README and examples, or are placeholders anyone
# would guess; a cookie signed with one of them can be forged.
KNOWN_WEAK_COOKIE_KEYS = frozenset(
    {
        "some_key",
        "some_cookie_name",
        "abcdef",
        "random_signature_key",
        "changeme",
        "change-me",
        "secret",
        "cookie_key",
        "your-secret-key",
    }
)
MIN_COOKIE_KEY_LENGTH = 32


class StaffConfig(BaseModel):
    """The ``[staff]`` section of secrets.toml."""

    model_config = ConfigDict(frozen=True)

    cookie_key: SecretStr | None = None
    cookie_name: str = "calendar_console_auth"
    credentials_file: Path | None = None
    # None: demo accounts exist in sandbox mode without SSO, and never otherwise.
    demo_accounts: bool | None = None
    allowed_domains: tuple[str, ...] = ()
    max_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # "person@corp.example" = "admin" for one person; "@corp.example" = "viewer" for a domain.
    roles: dict[str, str] = Field(default_factory=dict)
    groups_claim: str = "groups"
    group_roles: dict[str, str] = Field(default_factory=dict)

    @field_validator("credentials_file", "cookie_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # The example secrets file lists every key with an empty value.
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def email_roles(self) -> dict[str, str]:
        return {k: v for k, v in self.roles.items() if not k.startswith("@")}

    @property
    def domain_roles(self) -> dict[str, str]:
        return {k[1:]: v for k, v in self.roles.items() if k.startswith("@")}


def load_staff_config(secrets: Mapping[str, Any]) -> StaffConfig:
    section = secrets.get("staff") or {}
    return StaffConfig(**dict(section))


def sso_configured(secrets: Mapping[str, Any]) -> bool:
    """Streamlit's native OIDC login is configured when secrets carry an ``[auth]`` section."""
    auth = secrets.get("auth")
    return isinstance(auth, Mapping) and bool(auth)


def demo_accounts_enabled(config: StaffConfig, *, mode: str, sso: bool) -> bool:
    if config.demo_accounts is None:
        return mode == "sandbox" and not sso
    return config.demo_accounts


def startup_problems(
    config: StaffConfig, *, mode: str, sso: bool, has_local_accounts: bool
) -> list[str]:
    """Every reason the console must not start, each saying what to fix."""
    problems: list[str] = []
    if sso and not config.allowed_domains:
        problems.append(
            "Company SSO is configured ([auth] in secrets) but [staff] allowed_domains is empty. "
            'List the email domains allowed to sign in, e.g. allowed_domains = ["corp.example"].'
        )
    if config.demo_accounts and mode == "live":
        problems.append(
            "Demo staff accounts are switched on while the console talks to a real Recall (an "
            "API key is configured, or the sandbox URL is not a loopback address). "
            "Remove demo_accounts from [staff]; demo accounts exist only in sandbox mode."
        )
    if not sso:
        key = config.cookie_key.get_secret_value() if config.cookie_key else ""
        if key.strip().lower() in KNOWN_WEAK_COOKIE_KEYS:
            problems.append(
                "The [staff] cookie_key is a well-known default, so sign-in cookies could be "
                "forged. "
                "Set it to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        elif key and len(key) < MIN_COOKIE_KEY_LENGTH:
            problems.append(
                f"The [staff] cookie_key is shorter than {MIN_COOKIE_KEY_LENGTH} characters. "
                "Set it to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        elif not key and mode == "live":
            problems.append(
                "No [staff] cookie_key is set. Local staff accounts need one to sign their "
                "sign-in cookies: set it to a long random value in secrets.toml."
            )
        if mode == "live" and not has_local_accounts and not config.demo_accounts:
            problems.append(
                "No staff accounts exist and no SSO is configured. Add one with "
                "`python -m lib.staff add you@corp.example --role admin`, or configure [auth]."
            )
    return problems
