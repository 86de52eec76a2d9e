"""The hash chain: canonical encoding of an event, its hash, and walking a chain to verify it.

Each event's hash is HMAC-SHA256, under the audit key, over a canonical JSON document of all its
recorded fields plus the previous event's hash, so changing any field, removing an event or
reordering events breaks the chain from that point on, and only a holder of the key can compute
a hash that fits. (Logs written before the key existed used plain sha256, format 1; they are
read only to be re-signed, see ``AuditStore.rekey``.) The encoding is fixed (sorted keys, no
whitespace, ASCII escapes, microsecond UTC times) so that a hash computed at append time is
reproduced exactly from what the database returns, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib.audit.keys import AuditKey

# The hash "before" the first event of a store that has never been pruned.
GENESIS_HASH = "0" * 64
# Recorded inside every hashed document, so a change of encoding can be told apart:
# 1 = plain sha256 (before the audit key), 2 = HMAC-SHA256 under the audit key.
UNKEYED_HASH_FORMAT = 1
HASH_FORMAT = 2

HASHED_FIELDS: tuple[str, ...] = (
    "id",
    "time",
    "actor_email",
    "actor_role",
    "action",
    "user_id",
    "target",
    "target_info",
    "reason",
    "ticket",
    "before",
    "after",
    "outcome",
    "error_class",
    "request_id",
    "prev_hash",
)


# Fields added after the first release: hashed only when set.
OPTIONAL_HASHED_FIELDS = frozenset({"target_info"})


def canonical_json(value: Any) -> str:
    """The one JSON text for ``value``: sorted keys, no whitespace, ASCII only, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def format_time(moment: dt.datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (it must be timezone-aware)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def event_hash(fields: Mapping[str, Any], key: AuditKey | None = None) -> str:
    """The hash (hex) of an event given as a mapping holding every name in ``HASHED_FIELDS``:
    HMAC-SHA256 under ``key``, or (``key=None``) the plain sha256 of logs written before keys."""
    document: dict[str, Any] = {"v": HASH_FORMAT if key is not None else UNKEYED_HASH_FORMAT}
    for name in HASHED_FIELDS:
        value = fields.get(name)
        if name in OPTIONAL_HASHED_FIELDS and value is None:
            # Left out when empty, so events recorded before the field existed keep their hash.
            continue
        if name == "time":
            value = format_time(value)
        elif name == "outcome":
            value = str(value)
        document[name] = value
    message = canonical_json(document).encode("ascii")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return key.sign(message)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of checking a chain.

    ``first_bad_id`` is the lowest event id at which the stored log differs from what was
    written: the changed event, or the first missing one when events were deleted.
    """

    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None

    def summary(self) -> str:
        """One line for people and the command line."""
        if self.ok:
            return f"ok: {self.checked} events verified"
        where = f"event {self.first_bad_id}" if self.first_bad_id is not None else "the chain head"
        return f"broken at {where}: {self.problem} ({self.checked} events verified before it)"


@dataclass(frozen=True)
class ChainEntry:
    """What the walker needs of a stored event."""

    id: int
    prev_hash: str
    hash: str
    expected_hash: str


class ChainWalker:
    """Checks events fed in id order against a starting point and, at the end, a known head.

    The starting point is the genesis hash, or the checkpoint left by the last prune. The head
    (last id and hash recorded at every append) is what makes a deleted tail detectable: the
    chain alone cannot tell "the newest events were removed" from "there were none".
    """

    def __init__(self, *, start_id: int, start_hash: str, head_last_id: int) -> None:
        self._next_id = start_id + 1
        self._prev_hash = start_hash
        self._head_last_id = head_last_id
        self.checked = 0

    @property
    def last_hash(self) -> str:
        """Hash of the last event accepted so far (the start hash before any)."""
        return self._prev_hash

    def feed(self, entry: ChainEntry) -> VerifyResult | None:
        """Accept the next event, or return why the chain breaks at it."""
        if entry.id < self._next_id:
            return self._bad(
                entry.id, f"event {entry.id} is out of order or precedes the checkpoint"
            )
        if entry.id > self._next_id:
            missing = _id_range(self._next_id, entry.id - 1)
            return self._bad(self._next_id, f"{missing} missing before event {entry.id}")
        if entry.id > self._head_last_id:
            return self._bad(
                entry.id,
                f"event {entry.id} lies beyond the recorded head ({self._head_last_id}): "
                "it was added outside the audit store",
            )
        if entry.prev_hash != self._prev_hash:
            return self._bad(entry.id, f"event {entry.id} does not link to the event before it")
        if entry.expected_hash != entry.hash:
            return self._bad(
                entry.id, f"event {entry.id} does not match its hash (a field was changed)"
            )
        self._prev_hash = entry.hash
        self._next_id += 1
        self.checked += 1
        return None

    def finish(self, head_last_hash: str) -> VerifyResult:
        """The verdict once every stored event has been fed."""
        last_seen = self._next_id - 1
        if last_seen < self._head_last_id:
            missing = _id_range(self._next_id, self._head_last_id)
            return self._bad(self._next_id, f"{missing} missing at the end of the log")
        if head_last_hash != self._prev_hash:
            return self._bad(
                last_seen if last_seen > 0 else None,
                "the recorded head hash does not match the last event",
            )
        return VerifyResult(ok=True, checked=self.checked)

    def _bad(self, event_id: int | None, problem: str) -> VerifyResult:
        return VerifyResult(ok=False, checked=self.checked, first_bad_id=event_id, problem=problem)


def _id_range(first: int, last: int) -> str:
    return f"event {first} is" if first == last else f"events {first}-{last} are"
