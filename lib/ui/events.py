"""Audit events recorded by the app frame: sign-in and sign-out."""

from __future__ import annotations

from lib.staff import StaffMember
from lib.ui.backend import get_settings
from lib.ui.context import audit_store_for, record_event


def record_sign_in(staff: StaffMember, method: str) -> None:
    record_event(audit_store_for(get_settings()), staff, "signin", after={"method": method})


def record_sign_out(staff: StaffMember) -> None:
    record_event(audit_store_for(get_settings()), staff, "signout")
