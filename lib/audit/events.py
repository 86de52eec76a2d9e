"""Audit events: what callers record (``NewEvent``) and what the store returns (``StoredEvent``)."""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lib.audit.chain import canonical_json, event_hash, format_time
from lib.audit.keys import AuditKey
from lib.audit.redaction import redact, scrub_text

# Short, stable, dotted codes: "signin", "view_as.start", "preset.validate".
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
# Actions under this prefix are written by the store itself (retention), never by callers.
RESERVED_ACTION_PREFIX = "audit."
PRUNE_ACTION = "audit.prune"
REKEY_ACTION = "audit.rekey"

MAX_LENGTHS: dict[str, int] = {
    "actor_email": 320,
    "actor_role": 64,
    "action": 64,
    "user_id": 255,
    "target": 500,
    "reason": 4000,
    "ticket": 200,
    "error_class": 200,
    "request_id": 100,
}
_FREE_TEXT_FIELDS = frozenset({"reason", "target"})
# A before/after snapshot is a diff or a settings object, not a data dump.
MAX_VALUE_CHARS = 256_000


class Outcome(enum.StrEnum):
    """Where an action stands: announced before the API call, then ``ok`` or ``failed``."""

    ATTEMPT = "attempt"
    OK = "ok"
    FAILED = "failed"


def new_request_id() -> str:
    """A fresh id to pair an attempt with its outcome."""
    return uuid.uuid4().hex


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dict/list/str/int/float/bool/None).

    Datetimes become ISO strings (aware ones in UTC with ``Z``), dates ISO, UUIDs and Decimals
    strings, enums their value, pydantic models their JSON dump, sets sorted lists. Anything else
    that JSON cannot hold (bytes, NaN, arbitrary objects) is refused rather than stringified.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("audit values cannot hold NaN or infinity")
        return value
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.datetime):
        return format_time(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"audit value keys must be strings, not {type(key).__name__}")
            result[str(key)] = to_jsonable(item)
        return result
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(item) for item in value), key=canonical_json)
    raise TypeError(f"audit values must be JSON data, not {type(value).__name__}")


def _check_text(value: str, name: str) -> None:
    if "\x00" in value:
        raise ValueError(f"{name} cannot contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid Unicode text") from exc
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")


def _check_json_strings(value: Any, name: str) -> None:
    if isinstance(value, str):
        _check_text(value, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, name)
            _check_json_strings(item, name)
    elif isinstance(value, list):
        for item in value:
            _check_json_strings(item, name)


class NewEvent(BaseModel):
    """An event to append. The store assigns its id, hash and (when missing) its time.

    ``before``/``after`` are converted to JSON data and redacted on construction, so a secret
    never reaches the store, a log line or this object's repr.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor_email: str
    actor_role: str
    action: str
    outcome: Outcome = Outcome.OK
    user_id: str | None = None
    target: str | None = None
    # The target in words as known now, e.g. {"kind": "meeting", "title": ..., "start_time": ...}.
    target_info: dict[str, Any] | None = None
    reason: str | None = None
    ticket: str | None = None
    before: Any = None
    after: Any = None
    error_class: str | None = None
    request_id: str = Field(default_factory=new_request_id)
    time: dt.datetime | None = None

    @field_validator("actor_email")
    @classmethod
    def _email(cls, value: str) -> str:
        # Identity providers differ in case; one spelling keeps "everything by this person" whole.
        value = value.strip().lower()
        if not value:
            raise ValueError("actor_email is required")
        _check_text(value, "actor_email")
        return value

    @field_validator("actor_role", "request_id")
    @classmethod
    def _required_text(cls, value: str, info: Any) -> str:
        value = value.strip()
        if not value:
            raise ValueError(f"{info.field_name} is required")
        _check_text(value, info.field_name)
        return value

    @field_validator("action")
    @classmethod
    def _action(cls, value: str) -> str:
        if len(value) > MAX_LENGTHS["action"] or not ACTION_PATTERN.match(value):
            raise ValueError(
                "action must be a short dotted code of lowercase letters, digits and underscores"
            )
        return value

    @field_validator("user_id", "target", "reason", "ticket", "error_class")
    @classmethod
    def _optional_text(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        if info.field_name in _FREE_TEXT_FIELDS:
            # Typed by people: a pasted token or signed link must not become part of the record.
            value = scrub_text(value)
        _check_text(value, info.field_name)
        return value

    @field_validator("before", "after", "target_info", mode="before")
    @classmethod
    def _snapshot(cls, value: Any, info: Any) -> Any:
        try:
            cleaned = redact(to_jsonable(value))
        except TypeError as exc:
            # Pydantic reports ValueErrors as validation errors; a TypeError would escape raw.
            raise ValueError(f"{info.field_name}: {exc}") from exc
        _check_json_strings(cleaned, info.field_name)
        if len(canonical_json(cleaned)) > MAX_VALUE_CHARS:
            raise ValueError(f"{info.field_name} is larger than {MAX_VALUE_CHARS} characters")
        return cleaned

    @field_validator("time")
    @classmethod
    def _time(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("time must be timezone-aware")
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _outcome_matches_error(self) -> NewEvent:
        if self.outcome is Outcome.FAILED and not self.error_class:
            raise ValueError("a failed outcome needs error_class")
        if self.outcome is not Outcome.FAILED and self.error_class:
            raise ValueError("error_class belongs to failed outcomes only")
        return self


class StoredEvent(BaseModel):
    """An event as recorded, with its place in the chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    time: dt.datetime
    actor_email: str
    actor_role: str
    action: str
    outcome: Outcome
    user_id: str | None = None
    target: str | None = None
    target_info: dict[str, Any] | None = None
    reason: str | None = None
    ticket: str | None = None
    before: Any = None
    after: Any = None
    error_class: str | None = None
    request_id: str
    prev_hash: str
    hash: str

    @field_validator("time")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("time must be timezone-aware")
        return value.astimezone(dt.UTC)

    def expected_hash(self, key: AuditKey | None = None) -> str:
        """The hash these field values should have under ``key`` (``None``: the unkeyed sha256
        of logs written before keys); differs from ``hash`` after tampering."""
        return event_hash(self.model_dump(), key)

    def to_record(self) -> dict[str, Any]:
        """Plain JSON data (time as ``...Z``), the form used by exports."""
        record = self.model_dump(mode="json")
        record["time"] = format_time(self.time)
        return record
