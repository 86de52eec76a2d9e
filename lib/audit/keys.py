"""The audit key: the secret that signs every event's hash, so that whoever can write the
database cannot rewrite the chain and recompute it.

The key lives in secrets (``[console] audit_key`` or ``CONSOLE_AUDIT_KEY``), never in the
database. In sandbox mode a random key is generated once into the data directory
(``audit.key``); live mode refuses to start without a configured key of adequate length.
Each key has a short public id (an HMAC of a fixed label under the key), so logs, heads and
messages can say which key signed what without revealing it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as pysecrets
from pathlib import Path

MIN_AUDIT_KEY_LENGTH = 32
SANDBOX_KEY_FILE = "audit.key"
_KEY_ID_LABEL = b"calendar-console audit key id"
# Placeholders anyone would guess; a chain signed with one of them can be recomputed.
KNOWN_WEAK_AUDIT_KEYS = frozenset(
    {"audit_key", "changeme", "change-me", "secret", "your-secret-key", "some_key", "abcdef"}
)
GENERATE_HINT = (
    "Set it to a long random value, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
)


class AuditKeyError(ValueError):
    """No usable audit key; the message says what to configure."""


class AuditKey:
    """An HMAC-SHA256 key for the audit chain. Its ``repr`` shows the public id only."""

    __slots__ = ("_secret", "key_id")

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if len(raw) < MIN_AUDIT_KEY_LENGTH:
            raise AuditKeyError(
                f"The audit key is shorter than {MIN_AUDIT_KEY_LENGTH} characters. {GENERATE_HINT}"
            )
        self._secret = raw
        self.key_id: str = hmac.new(raw, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"AuditKey(id={self.key_id})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AuditKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def sign(self, message: bytes) -> str:
        """HMAC-SHA256 of ``message`` as 64 hex digits."""
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def audit_key_problems(configured: str | None, *, mode: str) -> list[str]:
    """Every reason the configured audit key cannot be used, each saying what to fix."""
    key = (configured or "").strip()
    if key.lower() in KNOWN_WEAK_AUDIT_KEYS:
        return [
            "The [console] audit_key is a well-known placeholder, so anyone who can write the "
            f"database could re-sign the audit log. {GENERATE_HINT}"
        ]
    if key and len(key.encode("utf-8")) < MIN_AUDIT_KEY_LENGTH:
        return [
            f"The [console] audit_key is shorter than {MIN_AUDIT_KEY_LENGTH} characters. "
            f"{GENERATE_HINT}"
        ]
    if not key and mode == "live":
        return [
            "No [console] audit_key (CONSOLE_AUDIT_KEY) is set. The audit log is signed with it "
            "so that a database administrator cannot rewrite it unnoticed; keep it out of the "
            f"database and the same on every replica. {GENERATE_HINT}"
        ]
    return []


def sandbox_key(data_dir: Path) -> AuditKey:
    """The data directory's generated key, created (readable by the owner only) when missing."""
    path = Path(data_dir).expanduser() / SANDBOX_KEY_FILE
    try:
        return AuditKey(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = pysecrets.token_urlsafe(48)
    draft = path.with_name(f".{SANDBOX_KEY_FILE}.{os.getpid()}.{pysecrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    try:
        # A hard link appears whole or not at all: processes starting at once agree on one key.
        os.link(draft, path)
    except FileExistsError:
        return AuditKey(path.read_text(encoding="ascii").strip())
    finally:
        draft.unlink()
    return AuditKey(secret)


def resolve_audit_key(configured: str | None, *, mode: str, data_dir: Path) -> AuditKey:
    """The key the console signs with: the configured one, else (sandbox only) the generated one."""
    problems = audit_key_problems(configured, mode=mode)
    if problems:
        raise AuditKeyError(problems[0])
    key = (configured or "").strip()
    return AuditKey(key) if key else sandbox_key(data_dir)
