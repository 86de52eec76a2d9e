"""Server-side staff sessions, kept in the console's database so every replica sees them.

A session starts at a real sign-in (a password, or a new SSO identity) and ends when the staff
member signs out, when an admin revokes it, or ``max_session_hours`` after that sign-in. Signing
in again from the cookie of the same session neither renews nor extends it.

Typical use::

    store = SessionStore(url)
    secret = new_secret()                      # the browser keeps it (signed) in a cookie
    session = store.start(secret, email=..., name=..., role=Role.EDITOR, method="local")
    store.check(session.id, max_age=timedelta(hours=12))   # SessionCheck(ok=True, ...)
    store.revoke(session.id, by="pat@corp.example", reason="signed out")

Only a SHA-256 of the secret is stored, so reading the table does not give anyone a way in.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    MetaData,
    Row,
    String,
    Table,
    and_,
    exc,
    select,
)

from lib.audit.schema import UTCDateTime
from lib.db import begin_write
from lib.dbschema import MigratedStore
from lib.staff.permissions import Role, parse_role

# Rows are kept a little longer than the longest allowed session, then removed at a sign-in.
KEEP_ENDED_FOR = dt.timedelta(days=31)
# last_seen_at is a hint for admins, not a security control: written at most once a minute.
TOUCH_EVERY = dt.timedelta(minutes=1)
# Serialises table creation across replicas (PostgreSQL advisory lock key).
_SECRET_BYTES = 32
_COOKIE_PART = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
MAX_CLIENT_CHARS = 200

metadata = MetaData()

sessions_table = Table(
    "staff_sessions",
    metadata,
    # SHA-256 (hex) of the session secret; the secret itself is never stored.
    Column("id", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("method", String(16), nullable=False),
    Column("signed_in_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("client", String(MAX_CLIENT_CHARS)),
    Column("revoked_at", UTCDateTime()),
    Column("revoked_by", String(320)),
    Column("revoke_reason", String(200)),
)
Index("ix_staff_sessions_email", sessions_table.c.email)
Index("ix_staff_sessions_signed_in_at", sessions_table.c.signed_in_at)


class SessionState(StrEnum):
    ACTIVE = "active"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class StaffSession:
    id: str
    email: str
    name: str
    role: Role
    method: str
    signed_in_at: dt.datetime
    last_seen_at: dt.datetime
    client: str | None = None
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None

    @property
    def ref(self) -> str:
        """A short reference for people (the id is a hash, so showing it gives nothing away)."""
        return self.id[:12]

    def expires_at(self, max_age: dt.timedelta) -> dt.datetime:
        return self.signed_in_at + max_age


@dataclass(frozen=True)
class SessionCheck:
    state: SessionState
    session: StaffSession | None = None

    @property
    def ok(self) -> bool:
        return self.state is SessionState.ACTIVE


def new_secret() -> str:
    """A fresh, unguessable session secret (URL- and cookie-safe)."""
    return secrets.token_urlsafe(_SECRET_BYTES)


def session_id_for(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sso_secret(claims: Mapping[str, Any]) -> str:
    """The session secret of one SSO sign-in: its identity provider's ID-token claims that differ
    from one sign-in to the next (issue time, nonce), so every tab of that sign-in, and a copy of
    its identity cookie, map to one session, and a new sign-in starts a new one."""
    parts = [str(claims.get(name, "")) for name in ("iss", "sub", "email", "iat", "nonce", "sid")]
    return "sso\x1f" + "\x1f".join(parts)


def _mac(secret: str, key: str) -> str:
    digest = hmac.new(key.encode(), secret.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_cookie(secret: str, key: str) -> str:
    """The cookie value for ``secret``: the secret and its HMAC under the console's cookie key."""
    return f"{secret}.{_mac(secret, key)}"


def read_cookie(value: object, key: str) -> str | None:
    """The session secret in a cookie value, or None for anything else. Never raises.

    Whatever the browser sends (a JWT with ``alg=none``, another key's signature, garbage) is
    just a cookie that does not verify: the caller treats it as signed out.
    """
    if not isinstance(value, str) or len(value) > 300 or value.count(".") != 1:
        return None
    secret, mac = value.split(".")
    if not (_COOKIE_PART.match(secret) and _COOKIE_PART.match(mac)):
        return None
    return secret if hmac.compare_digest(mac, _mac(secret, key)) else None


def _to_session(row: Row[Any]) -> StaffSession:
    values = dict(row._mapping)
    values["role"] = parse_role(values["role"]) or Role.VIEWER
    return StaffSession(**values)


class SessionStore(MigratedStore):
    """Staff sessions in SQLite or PostgreSQL (the console's own database).

    Give it a URL (the store then owns and disposes of its engine) or an engine made by
    ``lib.db.make_engine`` (shared with the audit store). The table comes from migration 0005.
    ``clock`` gives the current UTC time (tests pass their own).
    """

    # -- starting and checking ---------------------------------------------------------------

    def start(
        self,
        secret: str,
        *,
        email: str,
        name: str,
        role: Role,
        method: str,
        signed_in_at: dt.datetime | None = None,
        client: str | None = None,
    ) -> StaffSession:
        """Record a sign-in; the same secret again (another tab of one SSO sign-in) returns the
        session already recorded, revoked or not, instead of starting a new one."""
        now = self._clock()
        session_id = session_id_for(secret)
        row = {
            "id": session_id,
            "email": email,
            "name": name[:200],
            "role": role.value,
            "method": method,
            "signed_in_at": signed_in_at or now,
            "last_seen_at": now,
            "client": (client or "")[:MAX_CLIENT_CHARS] or None,
        }
        try:
            with begin_write(self._engine) as conn:
                conn.execute(
                    sessions_table.delete().where(
                        sessions_table.c.signed_in_at < now - KEEP_ENDED_FOR
                    )
                )
                conn.execute(sessions_table.insert().values(**row))
        except exc.IntegrityError:
            pass  # recorded already, by this or another replica
        found = self.get(session_id)
        if found is None:  # pragma: no cover - only if the row vanished in between
            raise RuntimeError("the staff session could not be recorded")
        return found

    def get(self, session_id: str) -> StaffSession | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(sessions_table).where(sessions_table.c.id == session_id)
            ).first()
        return None if row is None else _to_session(row)

    def check(self, session_id: str, *, max_age: dt.timedelta) -> SessionCheck:
        """Whether the session may still be used: recorded, not revoked, and younger than
        ``max_age`` counted from its sign-in."""
        session = self.get(session_id)
        if session is None:
            return SessionCheck(SessionState.UNKNOWN)
        if session.revoked_at is not None:
            return SessionCheck(SessionState.REVOKED, session)
        if self._clock() >= session.expires_at(max_age):
            return SessionCheck(SessionState.EXPIRED, session)
        return SessionCheck(SessionState.ACTIVE, session)

    def touch(self, session_id: str) -> None:
        """Note that the session was used (at most once a minute)."""
        now = self._clock()
        with begin_write(self._engine) as conn:
            conn.execute(
                sessions_table.update()
                .where(
                    and_(
                        sessions_table.c.id == session_id,
                        sessions_table.c.last_seen_at < now - TOUCH_EVERY,
                    )
                )
                .values(last_seen_at=now)
            )

    # -- ending ----------------------------------------------------------------------------

    def revoke(self, session_id: str, *, by: str, reason: str) -> bool:
        """End one session everywhere; False when it was unknown or already ended."""
        with begin_write(self._engine) as conn:
            result = conn.execute(
                sessions_table.update()
                .where(
                    and_(sessions_table.c.id == session_id, sessions_table.c.revoked_at.is_(None))
                )
                .values(revoked_at=self._clock(), revoked_by=by, revoke_reason=reason[:200])
            )
        return result.rowcount == 1

    def active(self, *, max_age: dt.timedelta) -> list[StaffSession]:
        """Sessions that can still be used, newest sign-in first."""
        now = self._clock()
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(sessions_table)
                .where(
                    and_(
                        sessions_table.c.revoked_at.is_(None),
                        sessions_table.c.signed_in_at > now - max_age,
                    )
                )
                .order_by(sessions_table.c.signed_in_at.desc())
            ).all()
        return [_to_session(row) for row in rows]
