"""The sandbox's Recall workspace: its calendar users and their calendars.

Users are seeded eagerly (they are small); each user's meetings are built on first access.
All reads and writes go through this class, under one lock, because tests inspect the state
from their own thread while the server thread serves requests.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
import uuid
from datetime import datetime

from lib.sandbox import bad_rows as oddities
from lib.sandbox import corpus
from lib.sandbox.calendars import CalendarFactory
from lib.sandbox.directory import PLATFORMS, Directory, Person
from lib.sandbox.models import (
    DEFAULT_BOT_NAME,
    PREFERENCE_FLAGS,
    CalendarUser,
    Connection,
    Meeting,
    flags_to_mask,
    mask_to_flags,
)

# The documented presets (Recall's recording-preferences page) plus the all-false default and
# two single-flag choices, with how common each is in the seeded workspace.
PRESETS: dict[str, dict[str, bool]] = {
    "default": {},
    "record_all": {"record_external": True, "record_internal": True},
    "only_internal": {"record_internal": True},
    "only_external": {"record_external": True},
    "only_hosted": {"record_external": True, "record_internal": True, "record_only_host": True},
    "only_accepted": {"record_external": True, "record_internal": True, "record_confirmed": True},
    "non_host": {"record_non_host": True},
    "recurring": {"record_recurring": True},
}
_PRESET_WEIGHTS = (30, 15, 8, 8, 8, 8, 8, 5)
# Seeded users with a special role (directory indexes), when the workspace is big enough.
CEO_PERSON = 0
HEAVY_PERSON = 1
HOSTILE_PERSONS = frozenset({2, 3})


_PRESET_NAMES = tuple(PRESETS)
_PRESET_MASKS = {name: flags_to_mask(flags) for name, flags in PRESETS.items()}
_PRESET_CUMULATIVE = tuple(itertools.accumulate(_PRESET_WEIGHTS))


def _random_uuid(rng: random.Random) -> str:
    """A version-4 UUID string from ``rng`` (formatted by hand: seeding 100,000 users makes
    ``uuid.UUID`` a visible share of start-up time)."""
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


class Workspace:
    """Calendar users of one workspace, their connections, preferences and meetings."""

    def __init__(
        self,
        *,
        seed: int,
        users: int,
        anchor: datetime,
        heavy_user_meetings: int = 2000,
        horizon_days: int = 28,
        bad_rows: bool = False,
    ) -> None:
        self.seed = seed
        self.anchor = anchor
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-workspace:{seed}")
        self.id = str(self.namespace)
        self.directory = Directory(seed, users)
        self.calendars = CalendarFactory(
            seed=seed,
            directory=self.directory,
            anchor=anchor,
            namespace=self.namespace,
            heavy_person=HEAVY_PERSON if users > HEAVY_PERSON else None,
            heavy_meetings=heavy_user_meetings,
            hostile_persons=HOSTILE_PERSONS,
            horizon_days=horizon_days,
        )
        self._lock = threading.RLock()
        self._by_id: dict[str, CalendarUser] = {}
        self._by_external: dict[str, CalendarUser] = {}
        # Users in creation order (``seq`` ascending): the order of List Calendar Users.
        self._order: list[CalendarUser] = []
        self._seq = 0
        self._rng = random.Random(f"workspace|{seed}")
        for index in range(users):
            self._add(self._seed_user(self.directory.person(index)))
        # bad_rows: meeting id -> oddity, and integer id (as text) -> meeting id.
        self.oddities: dict[str, tuple[str, int | None]] = {}
        self._integer_ids: dict[str, str] = {}
        if bad_rows:
            for name in oddities.USERS:
                self._add(self._bad_rows_user(name))

    # ---- seeding -----------------------------------------------------------------------------

    def _seed_user(self, person: Person) -> CalendarUser:
        rng = self._rng
        other = "microsoft" if person.home == "google" else "google"
        alt_email = f"{person.email.split('@')[0]}@{corpus.LABS_DOMAIN}"
        roll = rng.random()
        special = person.index in (CEO_PERSON, HEAVY_PERSON, *HOSTILE_PERSONS)
        if special or roll < 0.55:
            plan = [(person.home, person.email, True)]
        elif roll < 0.70:
            plan = [(person.home, person.email, True), (other, alt_email, True)]
        elif roll < 0.80:
            plan = [(person.home, person.email, False)]
        elif roll < 0.85:
            plan = [(person.home, person.email, False), (other, alt_email, True)]
        else:
            plan = []
        connections = [
            Connection(platform, email, connected, _random_uuid(rng))
            for platform, email, connected in plan
        ]
        preset = _PRESET_NAMES[
            bisect.bisect(_PRESET_CUMULATIVE, rng.random() * _PRESET_CUMULATIVE[-1])
        ]
        if person.index == HEAVY_PERSON:
            preset = "record_all"
        mask = _PRESET_MASKS[preset]
        if rng.random() < 0.08:
            # Some users set flags by hand, outside any preset.
            mask = flags_to_mask({name: rng.random() < 0.3 for name in PREFERENCE_FLAGS})
        bot_roll = rng.random()
        if person.index in HOSTILE_PERSONS:
            bot_name = corpus.HOSTILE_BOT_NAMES[person.index % len(corpus.HOSTILE_BOT_NAMES)]
        elif bot_roll < 0.15:
            bot_name = f"{person.first}'s Notetaker"
        elif bot_roll < 0.3:
            bot_name = DEFAULT_BOT_NAME
        else:
            bot_name = rng.choice(corpus.BOT_NAMES)
        return CalendarUser(
            id=_random_uuid(rng),
            external_id=person.user_id,
            seq=self._next_seq(),
            person=person.index,
            connections=connections,
            prefs=mask,
            bot_name=bot_name,
            preferences_id=_random_uuid(rng),
        )

    def _bad_rows_user(self, name: str) -> CalendarUser:
        address = oddities.email(name)
        platforms = ("google",) if name == oddities.MEETINGS_USER else ("google", "microsoft")
        user = CalendarUser(
            id=str(uuid.uuid5(self.namespace, f"bad-rows|{name}")),
            external_id=name,
            seq=self._next_seq(),
            connections=[
                Connection(
                    platform,
                    address,
                    True,
                    str(uuid.uuid5(self.namespace, f"bad-rows|{name}|{platform}")),
                )
                for platform in platforms
            ],
            prefs=_PRESET_MASKS["record_all"],
            bot_name=DEFAULT_BOT_NAME,
            preferences_id=str(uuid.uuid5(self.namespace, f"bad-rows|{name}|preferences")),
        )
        user.quirks = name
        return user

    def _mark_oddities(self, user: CalendarUser) -> None:
        """One oddity on each of the first upcoming meetings with a link and an end."""
        candidates = sorted(
            (
                meeting
                for by_id in (user.meetings or {}).values()
                for meeting in by_id.values()
                if meeting.event.invite_field is not None
                and meeting.event.end is not None
                and meeting.event.start >= self.anchor
            ),
            key=lambda meeting: (meeting.event.start, meeting.id),
        )
        for number, (oddity, meeting) in enumerate(
            zip(oddities.MEETING_ODDITIES, candidates, strict=False)
        ):
            integer_id = oddities.INTEGER_ID_BASE + number if oddity == "integer_id" else None
            self.oddities[meeting.id] = (oddity, integer_id)
            if integer_id is not None:
                self._integer_ids[str(integer_id)] = meeting.id

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _add(self, user: CalendarUser) -> None:
        self._by_id[user.id] = user
        self._by_external[user.external_id] = user
        self._order.append(user)

    # ---- reads ------------------------------------------------------------------------------

    @property
    def user_count(self) -> int:
        return len(self._order)

    def get(self, user_id: str) -> CalendarUser | None:
        return self._by_id.get(user_id)

    def by_external_id(self, external_id: str) -> CalendarUser | None:
        return self._by_external.get(external_id)

    def users(self, *, email: str | None = None) -> list[CalendarUser]:
        """All users in creation order; ``email`` keeps those with a connection on that address
        (any case)."""
        with self._lock:
            if email is None:
                return list(self._order)
            wanted = email.strip().lower()
            return [
                user
                for user in self._order
                if any(c.email is not None and c.email.lower() == wanted for c in user.connections)
            ]

    def meetings(self, user: CalendarUser) -> list[Meeting]:
        """Every meeting on the user's connected calendars (built on first access)."""
        with self._lock:
            calendars = self._calendars(user)
            return [meeting for by_id in calendars.values() for meeting in by_id.values()]

    def meeting(self, user: CalendarUser, meeting_id: str) -> Meeting | None:
        with self._lock:
            if user.quirks is not None:
                self._calendars(user)
                meeting_id = self._integer_ids.get(meeting_id, meeting_id)
            for by_id in self._calendars(user).values():
                found = by_id.get(meeting_id)
                if found is not None:
                    return found
            return None

    def _calendars(self, user: CalendarUser) -> dict[str, dict[str, Meeting]]:
        if user.meetings is None:
            user.meetings = {}
            for conn in user.connections:
                if conn.connected and conn.email:
                    user.meetings[conn.platform] = self._build(user, conn.platform, conn.email)
            if user.quirks == oddities.MEETINGS_USER:
                self._mark_oddities(user)
        return user.meetings

    def _build(self, user: CalendarUser, platform: str, email: str) -> dict[str, Meeting]:
        generation = (user.generations or {}).get(platform, 0)
        built = self.calendars.build(user, platform, email, generation)
        return {meeting.id: meeting for meeting in built}

    def notable_users(self) -> dict[str, list[str]]:
        """``external_id``s of seeded users worth knowing about, by what makes them special."""
        with self._lock:
            found: dict[str, list[str]] = {
                "heavy": [],
                "hostile_text": [],
                "google_and_microsoft": [],
                "disconnected": [],
                "never_connected": [],
                "bad_rows": [],
            }
            for user in self._order:
                if user.person == HEAVY_PERSON:
                    found["heavy"].append(user.external_id)
                if user.person in HOSTILE_PERSONS:
                    found["hostile_text"].append(user.external_id)
                if user.quirks is not None:
                    found["bad_rows"].append(user.external_id)
                states = {conn.platform: conn.connected for conn in user.connections}
                if len(states) == 2 and all(states.values()):
                    found["google_and_microsoft"].append(user.external_id)
                if states and not any(states.values()):
                    found["disconnected"].append(user.external_id)
                if not states:
                    found["never_connected"].append(user.external_id)
            return {key: value[:20] for key, value in found.items()}

    # ---- writes -----------------------------------------------------------------------------

    def authenticate(self, external_id: str) -> tuple[CalendarUser, bool]:
        """The user with this ``external_id``, created (no calendars, default preferences) when
        unseen. Returns the user and whether it was created."""
        with self._lock:
            user = self._by_external.get(external_id)
            if user is not None:
                return user, False
            seq = self._next_seq()
            user = CalendarUser(
                id=str(uuid.uuid5(self.namespace, f"user|{external_id}|{seq}")),
                external_id=external_id,
                seq=seq,
                preferences_id=str(uuid.uuid5(self.namespace, f"preferences|{external_id}|{seq}")),
            )
            user.meetings = {}
            self._add(user)
            return user, True

    def external_id_taken(self, external_id: str, by: CalendarUser) -> bool:
        other = self._by_external.get(external_id)
        return other is not None and other is not by

    def update_user(
        self,
        user: CalendarUser,
        *,
        external_id: str | None = None,
        flags: dict[str, bool] | None = None,
        bot_name: str | None = None,
        missing_flags: str = "false",
    ) -> None:
        """Apply a validated update. A preferences object (``flags`` not None) sets every flag
        it omits to False, as Recall's preferences page says, or keeps it with
        ``missing_flags="keep"``."""
        with self._lock:
            if external_id is not None and external_id != user.external_id:
                del self._by_external[user.external_id]
                user.external_id = external_id
                self._by_external[external_id] = user
            if flags is not None:
                if missing_flags == "keep":
                    user.prefs = flags_to_mask(mask_to_flags(user.prefs) | flags)
                else:
                    user.prefs = flags_to_mask(flags)
            if bot_name is not None:
                user.bot_name = bot_name
            user.changed()

    def delete_user(self, user: CalendarUser) -> None:
        """Remove the user, their connections and meetings; their tokens stop working."""
        with self._lock:
            if self._by_id.pop(user.id, None) is None:
                return
            if self._by_external.get(user.external_id) is user:
                del self._by_external[user.external_id]
            position = bisect.bisect_left(self._order, user.seq, key=lambda u: u.seq)
            if position < len(self._order) and self._order[position] is user:
                del self._order[position]
            user.meetings = {}
            user.connections = []
            user.changed()

    def disconnect(self, user: CalendarUser, platform: str) -> None:
        """Mark the platform's connection as not connected and clear its meetings, as Recall
        clears a dropped connection's calendar data. A platform never connected is a no-op."""
        with self._lock:
            calendars = self._calendars(user)
            conn = user.connection(platform)
            if conn is None:
                return
            conn.connected = False
            calendars.pop(platform, None)
            user.changed()

    def connect(self, user: CalendarUser, platform: str, email: str) -> None:
        """Attach a calendar account (the OAuth callback's effect). A previous account on the same
        platform is replaced together with its meetings; the new calendar is built at once."""
        with self._lock:
            calendars = self._calendars(user)
            generations = user.generations or {}
            generations[platform] = generations.get(platform, 0) + 1
            user.generations = generations
            conn_id = str(uuid.uuid5(self.namespace, f"connection|{user.id}|{platform}|{email}"))
            conn = Connection(platform, email, True, conn_id)
            user.connections = [c for c in user.connections if c.platform != platform] + [conn]
            user.connections.sort(key=lambda c: PLATFORMS.index(c.platform))
            calendars[platform] = self._build(user, platform, email)
            user.changed()
