"""Authorization codes handed out by the OAuth consent stand-in: single use, short-lived."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

CODE_LIFETIME_S = 600.0


@dataclass(frozen=True)
class Grant:
    """What the user agreed to on the consent page."""

    provider: str
    email: str
    scopes: tuple[str, ...]
    redirect_uri: str
    # Whether the provider would return a refresh token (Google: access_type=offline;
    # Microsoft: the offline_access scope). Recall cannot keep a calendar synced without one.
    offline: bool


class OAuthCodes:
    def __init__(self) -> None:
        self._codes: dict[str, tuple[float, Grant]] = {}
        self._lock = threading.Lock()

    def issue(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            # Forget expired codes so an idle sandbox does not accumulate them.
            for stale in [c for c, (at, _) in self._codes.items() if now - at > CODE_LIFETIME_S]:
                del self._codes[stale]
            self._codes[code] = (now, grant)
        return code

    def redeem(self, code: str) -> Grant | None:
        """The grant behind ``code``, once; None when unknown, used or expired."""
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None:
            return None
        issued_at, grant = entry
        if time.monotonic() - issued_at > CODE_LIFETIME_S:
            return None
        return grant
