"""The accounts a staff member opened lately, read from their own ``view_as.start`` events.

The audit log already records every opening with who did it, so the list follows the person
across sessions, browsers and replicas without a store of its own.
"""

from __future__ import annotations

from lib.audit import AuditStore

# Events read to find the distinct accounts: enough for people who reopen the same few.
_SCAN = 200


def recently_opened(audit: AuditStore, actor_email: str, *, limit: int = 6) -> list[str]:
    """User ids ``actor_email`` opened, most recent first, each once."""
    seen: list[str] = []
    for event in audit.query(actor=actor_email, action="view_as.start", limit=_SCAN):
        if event.user_id and event.user_id not in seen:
            seen.append(event.user_id)
            if len(seen) == limit:
                break
    return seen
