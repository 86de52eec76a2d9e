"""The signed head: the chain's newest point, signed with the audit key, kept outside the database.

A keyed chain stops anyone without the key from changing an event, but not from deleting the
newest events and moving the head back: that leaves an older, perfectly valid chain. Only a copy
of the head taken earlier, kept somewhere the database administrator cannot reach, shows what is
missing. Every export carries one and the store logs one periodically; ``python -m lib.audit
verify --against <file or text>`` checks the log against every head it finds there.

The text form is one token, ``audit-head.v1.<events>.<hash>.<key id>.<mac>``: ``events`` is the
id of the newest event (ids are gapless, so it is the number of events ever recorded), ``hash``
its hash, ``key id`` the public id of the key that signed it, ``mac`` the HMAC over the rest.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass

from lib.audit.keys import AuditKey

HEAD_PREFIX = "audit-head.v1"
# The store logs its head at most this often (and when it opens), so a deleted tail is
# visible in the logs even when nobody exported the log.
HEAD_LOG_INTERVAL_S = 300.0
_HEAD_TOKEN = re.compile(
    re.escape(HEAD_PREFIX) + r"\.(\d{1,18})\.([0-9a-f]{64})\.([0-9a-f]{16})\.([0-9a-f]{64})"
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedHead:
    """The chain's head as signed at one moment."""

    events: int
    hash: str
    key_id: str
    mac: str

    @staticmethod
    def _message(events: int, last_hash: str, key_id: str) -> bytes:
        return f"{HEAD_PREFIX}.{events}.{last_hash}.{key_id}".encode("ascii")

    @classmethod
    def sign(cls, events: int, last_hash: str, key: AuditKey) -> SignedHead:
        mac = key.sign(cls._message(events, last_hash, key.key_id))
        return cls(events=events, hash=last_hash, key_id=key.key_id, mac=mac)

    def signed_by(self, key: AuditKey) -> bool:
        """True when ``key`` made this signature (a changed count or hash fails)."""
        expected = key.sign(self._message(self.events, self.hash, self.key_id))
        return self.key_id == key.key_id and expected == self.mac

    @property
    def text(self) -> str:
        return f"{HEAD_PREFIX}.{self.events}.{self.hash}.{self.key_id}.{self.mac}"

    def __str__(self) -> str:
        return self.text


def find_heads(text: str) -> list[SignedHead]:
    """Every signed head in ``text`` (an export, a log file, or the token itself), in order."""
    return [
        SignedHead(events=int(m.group(1)), hash=m.group(2), key_id=m.group(3), mac=m.group(4))
        for m in _HEAD_TOKEN.finditer(text)
    ]


def _ensure_visible() -> None:
    # Streamlit configures only its own loggers; without a handler an INFO line would vanish.
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def log_head(head: SignedHead) -> None:
    """Write the signed head to the log, the copy a later ``verify --against`` can use."""
    _ensure_visible()
    logger.info("audit chain head: %s events, signed head %s", head.events, head.text)


class HeadLog:
    """Logs a store's head when first asked and then at most once per interval."""

    def __init__(self, interval_s: float = HEAD_LOG_INTERVAL_S) -> None:
        self._interval = interval_s
        self._last: float | None = None

    def due(self) -> bool:
        return self._last is None or time.monotonic() - self._last >= self._interval

    def write(self, head: SignedHead) -> None:
        self._last = time.monotonic()
        log_head(head)
