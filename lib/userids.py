"""Checks on a ``user_id`` typed by staff, before it is looked up anywhere.

A user id is the company's own identifier for an end user. Recall treats any string as a new
user on authenticate, so a typo, a pasted newline or a look-alike character would silently
create a duplicate calendar user; this module says what is wrong in words instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

MAX_USER_ID_CHARS = 255


@dataclass(frozen=True)
class UserIdCheck:
    value: str
    problem: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} {name}"


def check_user_id(raw: str | None) -> UserIdCheck:
    text = raw or ""
    stripped = text.strip()
    if not stripped:
        return UserIdCheck("", "Enter a user id." if not text else "The user id is only spaces.")
    if len(stripped) > MAX_USER_ID_CHARS:
        return UserIdCheck(
            "",
            f"That user id is {len(stripped):,} characters long; user ids are at most "
            f"{MAX_USER_ID_CHARS}. Check what was pasted.",
        )
    controls = sorted({c for c in stripped if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"}})
    if controls:
        listed = ", ".join(_describe(c) for c in controls[:3])
        return UserIdCheck(
            "", f"The user id contains invisible control characters ({listed}); retype it."
        )
    warnings: list[str] = []
    if stripped != text:
        warnings.append("Spaces around the user id were removed.")
    lookalikes = sorted({c for c in stripped if ord(c) > 127})
    if lookalikes:
        listed = ", ".join(_describe(c) for c in lookalikes[:3])
        warnings.append(
            f"The user id contains non-ASCII characters ({listed}) that may look like ordinary "
            "letters; a user id that differs by one character is a different user."
        )
    return UserIdCheck(stripped, None, tuple(warnings))
