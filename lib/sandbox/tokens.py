"""Calendar auth tokens: self-contained, signed, valid for 24 hours.

Recall's tokens are stateless ("couldn't be decoded" is the documented failure), so the sandbox
signs a JWT (HS256) with a per-instance secret. Expiry is checked against the sandbox's own clock
rather than PyJWT's, so tests can move time. Neither the token nor the secret ever appears in an
error message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt

from lib.sandbox.clock import Clock

TOKEN_LIFETIME = timedelta(hours=24)
_ALGORITHM = "HS256"


class TokenError(Exception):
    """A calendar auth token that cannot be used; ``str()`` is safe to send to a client."""


class TokenExpiredError(TokenError):
    pass


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    expires_at: float


class TokenSigner:
    """Mints and verifies the calendar auth tokens of one workspace."""

    def __init__(self, *, workspace_id: str, clock: Clock, secret: str | None = None) -> None:
        self._secret = secret or secrets.token_urlsafe(32)
        self._workspace_id = workspace_id
        self._clock = clock

    def __repr__(self) -> str:
        return f"TokenSigner(workspace_id={self._workspace_id!r})"

    def mint(self, user_id: str) -> str:
        now = self._clock()
        claims = {
            "sub": user_id,
            "ws": self._workspace_id,
            "iat": int(now.timestamp()),
            "exp": int((now + TOKEN_LIFETIME).timestamp()),
            # Two tokens minted in the same second for the same user still differ, as they
            # would at Recall; nothing relies on it except tests that compare tokens.
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """The token's claims; raises TokenError (or TokenExpiredError) when unusable."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"verify_exp": False, "verify_iat": False, "require": ["sub", "exp"]},
            )
        except jwt.PyJWTError:
            raise TokenError("Invalid token.") from None
        if claims.get("ws") != self._workspace_id or not isinstance(claims.get("sub"), str):
            raise TokenError("Invalid token.")
        expires_at = claims["exp"]
        if not isinstance(expires_at, int | float):
            raise TokenError("Invalid token.")
        if self._clock().timestamp() >= expires_at:
            raise TokenExpiredError("Token has expired.")
        return TokenClaims(user_id=claims["sub"], expires_at=float(expires_at))
