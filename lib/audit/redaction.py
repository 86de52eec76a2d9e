"""Keeping secrets out of the audit log.

Before/after values are snapshots of settings and API objects, so a token can arrive under an
obvious key (``access_token``) or inside a value (an ``Authorization`` header, a JWT, a URL with a
``token=`` parameter). Both are replaced; the audit log records that something changed, never
what the secret was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

# Compared against the key with case and punctuation folded away, so ``X-Api-Key``,
# ``apiKey`` and ``api_key`` all match ``apikey``.
SECRET_KEY_PARTS: tuple[str, ...] = (
    "token",
    "apikey",
    "authorization",
    "password",
    "passwd",
    "secret",
    "cookie",
    "credential",
    "privatekey",
)

# A whole value shaped like an HTTP credential header ("Token abc...", "Bearer abc...").
_AUTH_HEADER = re.compile(r"^\s*(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{16,}\s*$", re.IGNORECASE)
# A JWT anywhere in a string: calendar auth tokens are JWTs.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+")
# A URL query parameter whose name looks like a secret: keep the name, drop the value.
_SECRET_QUERY_PARAM = re.compile(
    r"([?&;][^=&#\s]*(?:token|api[_-]?key|secret|password|passwd|signature)[^=&#\s]*=)[^&#\s]*",
    re.IGNORECASE,
)
# The password of a URL's user information (scheme://user:password@host).
_URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)[^/\s@]+@")


def is_secret_key(key: object) -> bool:
    """True when a mapping key names something that must not be recorded."""
    folded = re.sub(r"[^a-z0-9]", "", str(key).lower())
    return any(part in folded for part in SECRET_KEY_PARTS)


def scrub_text(text: str) -> str:
    """``text`` with embedded credentials (auth headers, JWTs, secret URL parts) replaced."""
    if _AUTH_HEADER.match(text):
        return REDACTED
    text = _JWT.sub(REDACTED, text)
    text = _SECRET_QUERY_PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets replaced by ``"[redacted]"`` at any depth.

    Values under secret-looking keys are replaced whole (a nested object too); ``None`` under
    such a key is kept, since "no token" reveals nothing and shows that a token was cleared.
    Strings anywhere are scrubbed of embedded credentials. Mappings become dicts and
    lists/tuples become lists; other values are returned as they are.
    """
    if isinstance(value, Mapping):
        return {
            key: (item if item is None else REDACTED) if is_secret_key(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value
