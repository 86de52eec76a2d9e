"""Calendar tokens kept between sync jobs, in the database, encrypted.

A worker that syncs a user again within the token's lifetime reuses it instead of spending an
``authenticate`` call (300 a minute for the whole workspace). Tokens are secrets: they are
stored as Fernet ciphertext under a key from settings (``SNAPSHOT_TOKEN_KEY``), never logged or
shown, and a token past its expiry is deleted on the next read.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert

from lib.recall.tokens import DEFAULT_REFRESH_BEFORE_S, TOKEN_LIFETIME_S, TokenCache, jwt_expiry
from lib.snapshot import tables


class DatabaseTokenCache(TokenCache):
    """``TokenCache`` for the ``RecallClient`` backed by ``snapshot_tokens`` on PostgreSQL (one
    workspace per database, so rows are keyed by user id alone)."""

    def __init__(
        self,
        engine: Engine,
        key: str | bytes,
        *,
        clock: Callable[[], float] = time.time,
        refresh_before_s: float = DEFAULT_REFRESH_BEFORE_S,
        lifetime_s: float = TOKEN_LIFETIME_S,
    ) -> None:
        super().__init__(clock=clock, refresh_before_s=refresh_before_s, lifetime_s=lifetime_s)
        self._engine = engine
        self._fernet = Fernet(key)
        self._db_clock = clock

    def get(self, base_url: str, user_id: str) -> str | None:
        t = tables.tokens
        with self._engine.begin() as conn:
            row = conn.execute(select(t).where(t.c.user_id == user_id)).first()
            if row is None:
                return None
            if self._db_clock() >= row.expires_at - self._refresh_before:
                conn.execute(delete(t).where(t.c.user_id == user_id))
                return None
        try:
            return self._fernet.decrypt(row.ciphertext).decode("utf-8")
        except InvalidToken:
            # Written under another key (the key was rotated): mint a new one.
            self.invalidate(base_url, user_id)
            return None

    def put(self, base_url: str, user_id: str, token: str) -> None:
        now = self._db_clock()
        expires_at = now + self._lifetime
        exp = jwt_expiry(token)
        if exp is not None:
            expires_at = min(expires_at, exp)
        t = tables.tokens
        ciphertext = self._fernet.encrypt(token.encode("utf-8"))
        with self._engine.begin() as conn:
            conn.execute(delete(t).where(t.c.expires_at <= now))
            stmt = insert(t).values(user_id=user_id, ciphertext=ciphertext, expires_at=expires_at)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["user_id"],
                    set_={"ciphertext": ciphertext, "expires_at": expires_at},
                )
            )

    def expires_at(self, base_url: str, user_id: str) -> float | None:
        t = tables.tokens
        with self._engine.connect() as conn:
            return conn.execute(select(t.c.expires_at).where(t.c.user_id == user_id)).scalar()

    def invalidate(self, base_url: str, user_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(tables.tokens).where(tables.tokens.c.user_id == user_id))

    def clear(self) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(tables.tokens))

    def __len__(self) -> int:
        with self._engine.connect() as conn:
            return len(conn.execute(select(tables.tokens.c.user_id)).all())

    def __repr__(self) -> str:
        return "DatabaseTokenCache()"
