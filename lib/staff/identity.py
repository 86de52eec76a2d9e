"""Who is signed in: the staff identity the rest of the console sees, and role mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from lib.staff.permissions import Action, Role, parse_role, role_can


@dataclass(frozen=True)
class StaffMember:
    email: str
    name: str
    role: Role
    auth_method: Literal["sso", "local", "demo"]
    signed_in_at: datetime

    def can(self, action: Action) -> bool:
        return role_can(self.role, action)


def can(staff: StaffMember | None, action: Action) -> bool:
    """The permission check every page and every write goes through."""
    return staff is not None and staff.can(action)


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def role_for(
    email: str,
    *,
    email_roles: Mapping[str, str],
    domain_roles: Mapping[str, str],
    group_roles: Mapping[str, str] | None = None,
    groups: Iterable[str] = (),
) -> Role | None:
    """Map a signed-in identity to a role from configuration.

    An exact email entry wins (so one person can be lowered below their group); otherwise the
    highest role granted by any group claim or by the email's domain. None means no access.
    """
    address = email.strip().lower()
    exact = {k.strip().lower(): v for k, v in email_roles.items()}
    if address in exact:
        return parse_role(exact[address])
    granted: list[Role] = []
    for group in groups:
        role = parse_role((group_roles or {}).get(group))
        if role is not None:
            granted.append(role)
    domains = {k.strip().lower().lstrip("@"): v for k, v in domain_roles.items()}
    domain_role = parse_role(domains.get(email_domain(address)))
    if domain_role is not None:
        granted.append(domain_role)
    return max(granted, key=lambda r: r.rank) if granted else None


@dataclass(frozen=True)
class ClaimCheck:
    ok: bool
    problem: str | None = None


def check_sso_claims(
    claims: Mapping[str, Any],
    *,
    allowed_domains: Iterable[str],
    max_session_hours: float,
    now: datetime | None = None,
) -> ClaimCheck:
    """What Streamlit's OIDC login does not check for us: verified email, company domain and a
    session shorter than the 30-day identity cookie."""
    now = now or datetime.now(UTC)
    email = str(claims.get("email") or "").strip()
    if not email:
        return ClaimCheck(False, "Your identity provider did not share an email address.")
    if claims.get("email_verified") is not True:
        return ClaimCheck(False, f"The email address {email} is not verified by your provider.")
    allowed = {d.strip().lower().lstrip("@") for d in allowed_domains}
    if email_domain(email) not in allowed:
        return ClaimCheck(False, f"{email} is not in a domain allowed to use this console.")
    issued = claims.get("iat")
    if not isinstance(issued, int | float):
        return ClaimCheck(False, "The sign-in carries no issue time; sign in again.")
    age_hours = (now.timestamp() - float(issued)) / 3600
    if age_hours > max_session_hours:
        return ClaimCheck(False, "Your session has expired; sign in again.")
    return ClaimCheck(True)
