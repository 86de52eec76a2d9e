"""Audit events recorded by the app frame (sign-in, sign-out)."""

from __future__ import annotations

from lib.staff import StaffMember


def record_sign_in(staff: StaffMember, method: str) -> None:
    """Placeholder until the audit store is wired in."""


def record_sign_out(staff: StaffMember) -> None:
    """Placeholder until the audit store is wired in."""
