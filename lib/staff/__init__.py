"""Staff identity, roles and the permission table."""

from lib.staff.identity import StaffMember, can, check_sso_claims, role_for
from lib.staff.permissions import MINIMUM_ROLE, Action, Role, parse_role, role_can

__all__ = [
    "MINIMUM_ROLE",
    "Action",
    "Role",
    "StaffMember",
    "can",
    "check_sso_claims",
    "parse_role",
    "role_can",
    "role_for",
]
