"""The seeded company's people and teams, derived from (seed, size) alone.

The directory is immutable: deleting a calendar user does not remove the person from the
company, so team meetings on colleagues' calendars stay the same. It is stored as parallel
lists rather than one object per person, which keeps a 100,000-person company small.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lib.sandbox import corpus

TEAM_SIZE = 8
PLATFORMS: tuple[str, str] = ("google", "microsoft")


@dataclass(frozen=True, slots=True)
class Person:
    """One employee of the seeded company."""

    index: int
    first: str
    last: str
    email: str
    # The calendar platform that hosts this person's company mailbox.
    home: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def user_id(self) -> str:
        """The id the company's own systems use for this person (Recall's ``external_id``)."""
        return f"{corpus.USER_ID_PREFIX}{self.index + 1:06d}"


class Directory:
    """Every person of the company and the team each belongs to."""

    def __init__(self, seed: int, size: int) -> None:
        rng = random.Random(f"directory|{seed}")
        firsts = corpus.FIRST_NAMES
        lasts = corpus.LAST_NAMES
        self._first: list[int] = []
        self._last: list[int] = []
        self._email: list[str] = []
        # One byte per person: 0 = Google, 1 = Microsoft (about a third of the company runs on
        # Microsoft 365, so teams mix both platforms).
        self._home = bytearray(size)
        taken: dict[str, int] = {}
        for index in range(size):
            f = rng.randrange(len(firsts))
            la = rng.randrange(len(lasts))
            local = f"{firsts[f]}.{lasts[la]}".lower()
            seen = taken.get(local, 0)
            taken[local] = seen + 1
            if seen:
                local = f"{local}{seen + 1}"
            self._first.append(f)
            self._last.append(la)
            self._email.append(f"{local}@{corpus.COMPANY_DOMAIN}")
            self._home[index] = 1 if rng.random() < 0.33 else 0

    def __len__(self) -> int:
        return len(self._email)

    def person(self, index: int) -> Person:
        return Person(
            index=index,
            first=corpus.FIRST_NAMES[self._first[index]],
            last=corpus.LAST_NAMES[self._last[index]],
            email=self._email[index],
            home=PLATFORMS[self._home[index]],
        )

    def team_of(self, index: int) -> int:
        return index // TEAM_SIZE

    def team_members(self, team: int) -> range:
        start = team * TEAM_SIZE
        return range(start, min(len(self), start + TEAM_SIZE))

    def team_name(self, team: int) -> str:
        names = corpus.TEAM_NAMES
        cycle = team // len(names)
        base = names[team % len(names)]
        return base if cycle == 0 else f"{base} {cycle + 1}"
