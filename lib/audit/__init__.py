"""Append-only, hash-chained audit log: the system of record for who changed what.

Typical use::

    store = AuditStore(url, key=AuditKey(secret))  # the key comes from secrets, never the DB
    store.append(NewEvent(actor_email=..., actor_role="support", action="preferences.update",
                          user_id=..., reason=..., before=old, after=new))
    head = store.signed_head()  # keep a copy outside the database
    store.verify(against=[head])  # VerifyResult(ok=True, ...)
"""

from lib.audit.anchor import SignedHead, find_heads
from lib.audit.chain import GENESIS_HASH, VerifyResult
from lib.audit.events import (
    PRUNE_ACTION,
    REKEY_ACTION,
    NewEvent,
    Outcome,
    StoredEvent,
    new_request_id,
)
from lib.audit.export import from_json, neutralise_cell, to_csv, to_json
from lib.audit.keys import AuditKey, AuditKeyError, audit_key_problems, resolve_audit_key
from lib.audit.redaction import REDACTED, redact
from lib.audit.store import (
    RETENTION_DAYS,
    AuditError,
    AuditKeyMissingError,
    AuditStore,
    AuditStoreMissingError,
    ChainBrokenError,
    RekeyResult,
)
from lib.db import default_sqlite_url

__all__ = [
    "GENESIS_HASH",
    "PRUNE_ACTION",
    "REDACTED",
    "REKEY_ACTION",
    "RETENTION_DAYS",
    "AuditError",
    "AuditKey",
    "AuditKeyError",
    "AuditKeyMissingError",
    "AuditStore",
    "AuditStoreMissingError",
    "ChainBrokenError",
    "NewEvent",
    "Outcome",
    "RekeyResult",
    "SignedHead",
    "StoredEvent",
    "VerifyResult",
    "audit_key_problems",
    "default_sqlite_url",
    "find_heads",
    "from_json",
    "neutralise_cell",
    "new_request_id",
    "redact",
    "resolve_audit_key",
    "to_csv",
    "to_json",
]
