"""View-as sessions: a staff member has one user's account open, for a stated reason.

A session ends when the staff member ends it, opens another account, or after a stretch of
inactivity; every start and end is an audit event (recorded by the caller through
``lib/actions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MIN_REASON_CHARS = 5
MAX_REASON_CHARS = 500
MAX_TICKET_CHARS = 100


class ReasonError(ValueError):
    """A reason that cannot go on record; the message says what is missing."""


def clean_reason(reason: str | None, ticket: str | None = None) -> tuple[str, str | None]:
    """Normalise a reason and optional ticket reference, or say why they are not enough."""
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON_CHARS:
        raise ReasonError(
            f"Give a reason of at least {MIN_REASON_CHARS} characters (for example the "
            "customer's request or ticket summary); it goes on the audit record."
        )
    if len(text) > MAX_REASON_CHARS:
        raise ReasonError(f"Keep the reason under {MAX_REASON_CHARS} characters.")
    ticket_text = " ".join((ticket or "").split()) or None
    if ticket_text and len(ticket_text) > MAX_TICKET_CHARS:
        raise ReasonError(f"Keep the ticket reference under {MAX_TICKET_CHARS} characters.")
    return text, ticket_text


@dataclass(frozen=True)
class ViewAsSession:
    user_id: str
    reason: str
    ticket: str | None
    started_at: datetime
    last_activity: datetime

    def idle_for(self, now: datetime) -> timedelta:
        return now - self.last_activity

    def expired(self, now: datetime, idle_limit: timedelta) -> bool:
        return self.idle_for(now) > idle_limit

    def touched(self, now: datetime) -> ViewAsSession:
        return replace(self, last_activity=now)


def start_session(
    user_id: str, reason: str | None, ticket: str | None, *, now: datetime
) -> ViewAsSession:
    text, ticket_text = clean_reason(reason, ticket)
    return ViewAsSession(user_id, text, ticket_text, now, now)
