"""Append-only, hash-chained audit log: the system of record for who changed what.

Typical use::

    store = AuditStore(url)
    store.append(NewEvent(actor_email=..., actor_role="support", action="preferences.update",
                          user_id=..., reason=..., before=old, after=new))
    store.verify()  # VerifyResult(ok=True, ...)
"""

from lib.audit.chain import GENESIS_HASH, VerifyResult
from lib.audit.events import PRUNE_ACTION, NewEvent, Outcome, StoredEvent, new_request_id
from lib.audit.export import from_json, neutralise_cell, to_csv, to_json
from lib.audit.redaction import REDACTED, redact
from lib.audit.store import (
    RETENTION_DAYS,
    AuditError,
    AuditStore,
    AuditStoreMissingError,
    ChainBrokenError,
)
from lib.db import default_sqlite_url

__all__ = [
    "GENESIS_HASH",
    "PRUNE_ACTION",
    "REDACTED",
    "RETENTION_DAYS",
    "AuditError",
    "AuditStore",
    "AuditStoreMissingError",
    "ChainBrokenError",
    "NewEvent",
    "Outcome",
    "StoredEvent",
    "VerifyResult",
    "default_sqlite_url",
    "from_json",
    "neutralise_cell",
    "new_request_id",
    "redact",
    "to_csv",
    "to_json",
]
