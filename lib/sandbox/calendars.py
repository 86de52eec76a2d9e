"""Deterministic calendars for the seeded workspace.

A calendar is built lazily, the first time a user's meetings are needed, from a random generator
seeded by (workspace seed, user, platform, address), so the same seed always yields the same
meetings no matter in which order users are visited. Events that several people attend (team
stand-ups, planning, 1:1s, the all-hands) are derived from team seeds instead, so every member's
calendar holds a copy of the same real event: same ``ical_uid``, invite and start.

Layout: meetings run from one day before the anchor to ``horizon_days`` (default 28) days after it,
in working hours (UTC).
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lib.sandbox import corpus, invites_gen
from lib.sandbox.directory import Directory, Person
from lib.sandbox.models import Attendee, CalendarUser, Event, Meeting

WINDOW_BEFORE = timedelta(days=1)
DEFAULT_HORIZON_DAYS = 28
# Shares of each attendee response for someone who is not the organizer.
_RSVP = ("accepted", "tentative", "declined", "not_available")
_RSVP_WEIGHTS = (60, 15, 10, 15)
_GOOGLE_VISIBILITY = ("default", "private", "public", "confidential", None)
_MICROSOFT_VISIBILITY = ("normal", "private", "personal", "confidential", None)
_VISIBILITY_WEIGHTS = (70, 10, 5, 5, 10)


def _stable_pick(text: str, options: Sequence[object], weights: Sequence[int]) -> object:
    """A weighted choice that depends only on ``text`` (cheap; no generator needed)."""
    point = zlib.crc32(text.encode()) % sum(weights)
    for option, weight in zip(options, weights, strict=True):
        if point < weight:
            return option
        point -= weight
    return options[-1]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True, slots=True)
class _Series:
    """A recurring meeting: where it happens and who runs it."""

    key: str
    title: str
    description: str
    duration: timedelta
    invite_field: str | None
    invite: dict | None
    ical_uid: str
    source_id: str
    organizer: Attendee
    external_guests: tuple[Attendee, ...]


class CalendarFactory:
    """Builds the meetings of one calendar (one user on one platform)."""

    def __init__(
        self,
        *,
        seed: int,
        directory: Directory,
        anchor: datetime,
        namespace: uuid.UUID,
        heavy_person: int | None,
        heavy_meetings: int,
        hostile_persons: frozenset[int],
        horizon_days: int = DEFAULT_HORIZON_DAYS,
    ) -> None:
        self.seed = seed
        self.horizon_days = horizon_days
        self.directory = directory
        self.anchor = anchor
        self.namespace = namespace
        self.heavy_person = heavy_person
        self.heavy_meetings = heavy_meetings
        self.hostile_persons = hostile_persons
        self.tenant_id = str(uuid.uuid5(namespace, "microsoft-tenant"))
        self.window_start = anchor - WINDOW_BEFORE
        self.window_end = anchor + timedelta(days=horizon_days)
        self._midnight = anchor.replace(hour=0, minute=0, second=0, microsecond=0)

    # ---- the public entry point -------------------------------------------------------------

    def build(
        self, user: CalendarUser, platform: str, email: str, generation: int
    ) -> list[Meeting]:
        """Every meeting on ``user``'s ``platform`` calendar connected as ``email``."""
        person = (
            self.directory.person(user.person)
            if user.person is not None and user.person < len(self.directory)
            else None
        )
        owner_key = f"p{person.index}" if person is not None else f"u{user.id}"
        rng = random.Random(f"{self.seed}|calendar|{owner_key}|{platform}|{email}|{generation}")
        hostile = person is not None and person.index in self.hostile_persons
        name = person.name if person is not None else None
        own = Attendee(name=name, email=email, is_organizer=False, status="accepted")
        prefix = f"{owner_key}:{platform}:{generation}"

        items: list[tuple[Event, tuple[Attendee, ...], bool | None]] = []
        items.extend(self._personal(rng, prefix, platform, own, hostile, rng.randint(12, 28)))
        for number in range(rng.randint(1, 3)):
            items.extend(self._personal_series(rng, f"{prefix}:s{number}", platform, own, hostile))
        if person is not None and person.index == self.heavy_person and self.heavy_meetings:
            items.extend(
                self._personal(
                    rng, f"{prefix}:h", platform, own, hostile, self.heavy_meetings, upcoming=True
                )
            )
        if hostile:
            items.extend(self._hostile(rng, prefix, platform, own))
        # Invitations to colleagues' meetings land in the company mailbox only.
        if person is not None and email.lower() == person.email.lower():
            items.extend((event, extra, None) for event, extra in self.shared_events(person))

        meetings = []
        for event, extra, override in items:
            meeting_id = uuid.uuid5(
                self.namespace, f"{user.id}|{platform}|{generation}|{event.key}"
            )
            copy_key = f"{user.id}|{platform}|{event.key}"
            if platform == "google":
                platform_id = event.source_id
                visibility = _stable_pick(copy_key, _GOOGLE_VISIBILITY, _VISIBILITY_WEIGHTS)
            else:
                platform_id = invites_gen.outlook_item_id(copy_key)
                visibility = _stable_pick(copy_key, _MICROSOFT_VISIBILITY, _VISIBILITY_WEIGHTS)
            meetings.append(
                Meeting(
                    id=str(meeting_id),
                    event=event,
                    calendar_platform=platform,
                    platform_id=platform_id,
                    visibility=visibility,  # type: ignore[arg-type]
                    override=override,
                    extra_attendees=extra,
                )
            )
        return meetings

    # ---- people ----------------------------------------------------------------------------

    def _external_person(self, rng: random.Random, domain: str, hostile: bool) -> Attendee:
        first = rng.choice(corpus.FIRST_NAMES)
        last = rng.choice(corpus.LAST_NAMES)
        email = f"{first}.{last}@{domain}".lower()
        if hostile and rng.random() < 0.5:
            name: str | None = rng.choice(corpus.HOSTILE_NAMES)
        else:
            # Calendars often know only the address of a guest.
            name = None if rng.random() < 0.15 else f"{first} {last}"
        return Attendee(name=name, email=email, is_organizer=False, status=self._rsvp(rng))

    def _colleague(self, rng: random.Random, domain: str) -> Attendee:
        # "first.l@" never collides with a workspace user's "first.last@" address, so these
        # colleagues have no calendar of their own in the workspace.
        first = rng.choice(corpus.FIRST_NAMES)
        last = rng.choice(corpus.LAST_NAMES)
        email = f"{first}.{last[0]}@{domain}".lower()
        name = None if rng.random() < 0.1 else f"{first} {last}"
        return Attendee(name=name, email=email, is_organizer=False, status=self._rsvp(rng))

    @staticmethod
    def _rsvp(rng: random.Random) -> str:
        return rng.choices(_RSVP, _RSVP_WEIGHTS)[0]

    @staticmethod
    def _as(row: Attendee, *, organizer: bool, status: str) -> Attendee:
        return Attendee(name=row.name, email=row.email, is_organizer=organizer, status=status)

    # ---- one-off meetings ------------------------------------------------------------------

    def _slot(self, rng: random.Random, *, upcoming: bool) -> datetime:
        low = self.anchor if upcoming else self.window_start
        while True:
            day = rng.randrange(-1, self.horizon_days)
            start = self._midnight + timedelta(
                days=day, hours=rng.randrange(7, 19), minutes=rng.choice((0, 15, 30, 45))
            )
            if low <= start < self.window_end:
                return start

    def _personal(
        self,
        rng: random.Random,
        prefix: str,
        platform: str,
        own: Attendee,
        hostile: bool,
        count: int,
        *,
        upcoming: bool = False,
    ) -> Iterator[tuple[Event, tuple[Attendee, ...], bool | None]]:
        domain = own.email.split("@", 1)[1]
        kinds = ("external", "internal", "no_link", "all_day")
        for number in range(count):
            kind = rng.choices(kinds, (40, 35, 15, 10 if not upcoming else 3))[0]
            if number == 0 and not upcoming:
                # One meeting straddles the anchor so the default list has one in progress.
                start = self.anchor - timedelta(minutes=15)
                kind = "internal"
            else:
                start = self._slot(rng, upcoming=upcoming)
            hosted = rng.random() < 0.45
            guests: list[Attendee] = []
            if kind == "external":
                ext_domain = rng.choice(corpus.EXTERNAL_DOMAINS)
                guests += [
                    self._external_person(rng, ext_domain, hostile)
                    for _ in range(rng.randint(1, 4))
                ]
                guests += [self._colleague(rng, domain) for _ in range(rng.randint(0, 2))]
                title_pool = corpus.EXTERNAL_TITLES
            elif kind == "internal":
                guests += [self._colleague(rng, domain) for _ in range(rng.randint(1, 5))]
                title_pool = corpus.INTERNAL_TITLES
            elif kind == "no_link":
                hosted = True
                guests += [self._colleague(rng, domain) for _ in range(rng.randint(0, 3))]
                title_pool = corpus.NO_LINK_TITLES
            else:
                hosted = True
                title_pool = corpus.ALL_DAY_TITLES
            if hosted or not guests:
                organizer = self._as(own, organizer=True, status="accepted")
                me = organizer
                organizer_platform = platform
            else:
                # Someone else sent the invitation: usually the customer for external meetings.
                organizer = self._as(guests[0], organizer=True, status="accepted")
                guests[0] = organizer
                me = self._as(own, organizer=False, status=self._rsvp(rng))
                organizer_platform = rng.choice(("google", "microsoft"))
            attendees = (organizer, *[g for g in guests if g is not organizer])
            if me is not organizer:
                attendees = (*attendees, me)

            if kind == "all_day":
                start = start.replace(hour=0, minute=0)
                end = None
                field = "zoom_invite" if rng.random() < 0.2 else None
                duration = None
            else:
                duration = timedelta(minutes=rng.choice((15, 30, 30, 45, 60, 60, 90)))
                if number == 0 and not upcoming:
                    duration = timedelta(minutes=90)
                end = start + duration
                field = (
                    None
                    if kind == "no_link"
                    else invites_gen.pick_link_field(
                        rng, organizer_platform, external=kind == "external"
                    )
                )
            invite = (
                invites_gen.make_invite(
                    rng, field, tenant_id=self.tenant_id, organizer_email=organizer.email
                )
                if field
                else None
            )
            title = rng.choice(title_pool)
            if kind == "external" and rng.random() < 0.5:
                company = guests[0].email.split("@")[1].split(".")[0].replace("-", " ").title()
                title = f"{company}: {title}"
            description = rng.choice(corpus.DESCRIPTIONS)
            if hostile and rng.random() < 0.4:
                title = rng.choice(corpus.HOSTILE_TITLES)
                description = corpus.HOSTILE_DESCRIPTION
            override = None
            if field and kind != "all_day":
                roll = rng.random()
                # A few overrides set both ways, as support staff leave them.
                override = True if roll < 0.04 else False if roll < 0.08 else None
            yield (
                Event(
                    key=f"{prefix}:m{number}",
                    title=title,
                    description=description,
                    start=start,
                    end=end,
                    invite_field=field,
                    invite=invite,
                    meeting_platform=invites_gen.MEETING_PLATFORMS.get(field) if field else None,
                    ical_uid=invites_gen.ical_uid(rng, organizer_platform),
                    is_recurring=False,
                    organizer_email=organizer.email,
                    attendees=attendees,
                    source_id=invites_gen.google_event_id(rng),
                ),
                (),
                override,
            )

    def _hostile(
        self, rng: random.Random, prefix: str, platform: str, own: Attendee
    ) -> Iterator[tuple[Event, tuple[Attendee, ...], bool | None]]:
        """One upcoming meeting per hostile title, with hostile guest names, so that every kind
        of dangerous text is present whatever the seed."""
        names = corpus.HOSTILE_NAMES
        for number, title in enumerate(corpus.HOSTILE_TITLES):
            start = self._slot(rng, upcoming=True)
            guest_domain = corpus.EXTERNAL_DOMAINS[number % len(corpus.EXTERNAL_DOMAINS)]
            guests = tuple(
                Attendee(
                    name=names[(number + k) % len(names)],
                    email=f"guest{number}.{k}@{guest_domain}",
                    is_organizer=False,
                    status=self._rsvp(rng),
                )
                for k in range(2)
            )
            organizer = self._as(own, organizer=True, status="accepted")
            field = invites_gen.pick_link_field(rng, platform, external=True)
            event = Event(
                key=f"{prefix}:x{number}",
                title=title,
                description=corpus.HOSTILE_DESCRIPTION,
                start=start,
                end=start + timedelta(minutes=30),
                invite_field=field,
                invite=invites_gen.make_invite(
                    rng, field, tenant_id=self.tenant_id, organizer_email=organizer.email
                ),
                meeting_platform=invites_gen.MEETING_PLATFORMS[field],
                ical_uid=invites_gen.ical_uid(rng, platform),
                is_recurring=False,
                organizer_email=organizer.email,
                attendees=(organizer, *guests),
                source_id=invites_gen.google_event_id(rng),
            )
            yield event, (), None

    def _personal_series(
        self, rng: random.Random, key: str, platform: str, own: Attendee, hostile: bool
    ) -> Iterator[tuple[Event, tuple[Attendee, ...], bool | None]]:
        """A weekly meeting of this user's own: a customer sync or a 1:1 with a colleague."""
        domain = own.email.split("@", 1)[1]
        external = rng.random() < 0.5
        if external:
            guests = [
                self._external_person(rng, rng.choice(corpus.EXTERNAL_DOMAINS), hostile)
                for _ in range(rng.randint(1, 2))
            ]
            title = f"Weekly sync with {guests[0].email.split('@')[1].split('.')[0].title()}"
        else:
            guests = [self._colleague(rng, domain)]
            title = f"{own.name or own.email.split('@')[0]} / {guests[0].name or 'colleague'}"
        if hostile and rng.random() < 0.5:
            title = rng.choice(corpus.HOSTILE_TITLES)
        hosted = rng.random() < 0.5
        organizer = (
            self._as(own, organizer=True, status="accepted")
            if hosted
            else self._as(guests[0], organizer=True, status="accepted")
        )
        organizer_platform = platform if hosted else rng.choice(("google", "microsoft"))
        field = invites_gen.pick_link_field(rng, organizer_platform, external=external)
        series = _Series(
            key=key,
            title=title,
            description=rng.choice(corpus.DESCRIPTIONS),
            duration=timedelta(minutes=rng.choice((30, 45, 60))),
            invite_field=field,
            invite=invites_gen.make_invite(
                rng, field, tenant_id=self.tenant_id, organizer_email=organizer.email
            ),
            ical_uid=invites_gen.ical_uid(rng, organizer_platform),
            source_id=invites_gen.google_event_id(rng),
            organizer=organizer,
            external_guests=(),
        )
        weekday = rng.randrange(5)
        time_of_day = timedelta(hours=rng.randrange(8, 18), minutes=rng.choice((0, 30)))
        others = [g for g in guests if g.email != organizer.email]
        if not hosted:
            others.append(own)
        for start in self._weekly(weekday, time_of_day):
            occurrence = random.Random(f"{key}|{_stamp(start)}")
            rows = [self._as(o, organizer=False, status=self._rsvp(occurrence)) for o in others]
            yield self._occurrence(series, start, (series.organizer, *rows)), (), None

    # ---- series shared by several users -----------------------------------------------------

    def _weekly(
        self, weekday: int | None, time_of_day: timedelta, *, every: int = 1
    ) -> Iterator[datetime]:
        """Starts of a series on ``weekday`` (None: every weekday) inside the window."""
        day = self._midnight - timedelta(days=1)
        while day < self.window_end:
            start = day + time_of_day
            matches = day.weekday() < 5 if weekday is None else day.weekday() == weekday
            if matches and every > 1:
                matches = day.isocalendar().week % every == 0
            if matches and self.window_start <= start < self.window_end:
                yield start
            day += timedelta(days=1)

    def _occurrence(self, series: _Series, start: datetime, rows: tuple[Attendee, ...]) -> Event:
        return Event(
            key=f"{series.key}@{_stamp(start)}",
            title=series.title,
            description=series.description,
            start=start,
            end=start + series.duration,
            invite_field=series.invite_field,
            invite=series.invite,
            meeting_platform=(
                invites_gen.MEETING_PLATFORMS[series.invite_field] if series.invite_field else None
            ),
            ical_uid=series.ical_uid,
            is_recurring=True,
            organizer_email=series.organizer.email,
            attendees=rows,
            source_id=f"{series.source_id}_{_stamp(start)}",
        )

    def _member_row(self, person: Person, status: str, *, organizer: bool = False) -> Attendee:
        return Attendee(name=person.name, email=person.email, is_organizer=organizer, status=status)

    def _team_series(self, team: int) -> tuple[Person, list[Person], random.Random]:
        members = [self.directory.person(i) for i in self.directory.team_members(team)]
        return members[0], members, random.Random(f"{self.seed}|team|{team}")

    def _make_series(
        self,
        rng: random.Random,
        key: str,
        title: str,
        organizer: Person,
        duration_min: int,
        *,
        guests: tuple[Attendee, ...] = (),
        field: str | None = None,
    ) -> _Series:
        field = field or invites_gen.pick_link_field(rng, organizer.home, external=bool(guests))
        return _Series(
            key=key,
            title=title,
            description=rng.choice(corpus.DESCRIPTIONS),
            duration=timedelta(minutes=duration_min),
            invite_field=field,
            invite=invites_gen.make_invite(
                rng, field, tenant_id=self.tenant_id, organizer_email=organizer.email
            ),
            ical_uid=invites_gen.ical_uid(rng, organizer.home),
            source_id=invites_gen.google_event_id(rng),
            organizer=self._member_row(organizer, "accepted", organizer=True),
            external_guests=guests,
        )

    def _group_occurrences(
        self, series: _Series, starts: Iterator[datetime], people: Sequence[Person]
    ) -> Iterator[Event]:
        for start in starts:
            # Responses depend only on the series and the occurrence, so every member's copy
            # shows the same answers.
            occurrence = random.Random(f"{self.seed}|rsvp|{series.key}|{_stamp(start)}")
            rows = [series.organizer]
            for person in people:
                if person.email != series.organizer.email:
                    rows.append(self._member_row(person, self._rsvp(occurrence)))
            for guest in series.external_guests:
                rows.append(self._as(guest, organizer=False, status=self._rsvp(occurrence)))
            yield self._occurrence(series, start, tuple(rows))

    def shared_events(self, person: Person) -> Iterator[tuple[Event, tuple[Attendee, ...]]]:
        """Events organized by colleagues (or by ``person``) that several users attend."""
        team = self.directory.team_of(person.index)
        lead, members, rng = self._team_series(team)
        team_name = self.directory.team_name(team)
        is_lead = person.index == lead.index
        if len(members) > 1:
            standup = self._make_series(rng, f"t{team}:standup", f"{team_name} stand-up", lead, 15)
            standup_time = timedelta(hours=rng.choice((8, 9, 10)), minutes=rng.choice((0, 30)))
            for event in self._group_occurrences(
                standup, self._weekly(None, standup_time), members
            ):
                yield event, ()
            planning = self._make_series(
                rng, f"t{team}:planning", f"{team_name} weekly planning", lead, 60
            )
            planning_day = rng.randrange(5)
            planning_time = timedelta(hours=rng.choice((13, 14, 15)))
            for event in self._group_occurrences(
                planning, self._weekly(planning_day, planning_time), members
            ):
                yield event, ()
            if rng.random() < 0.6:
                domain = rng.choice(corpus.EXTERNAL_DOMAINS)
                guests = tuple(
                    self._external_person(rng, domain, False) for _ in range(rng.randint(1, 2))
                )
                customer = domain.split(".")[0].replace("-", " ").title()
                sync = self._make_series(
                    rng, f"t{team}:customer", f"{customer} × {team_name}", lead, 45, guests=guests
                )
                sync_day = rng.randrange(5)
                sync_time = timedelta(hours=rng.choice((15, 16, 17)))
                for event in self._group_occurrences(
                    sync, self._weekly(sync_day, sync_time, every=2), members
                ):
                    yield event, ()
            pairs = members[1:] if is_lead else [person]
            for member in pairs:
                one = random.Random(f"{self.seed}|1on1|{member.index}")
                series = self._make_series(
                    one, f"p{member.index}:1on1", f"{lead.first} / {member.first} 1:1", lead, 30
                )
                day = one.randrange(5)
                time_of_day = timedelta(hours=one.randrange(9, 17), minutes=one.choice((0, 30)))
                for event in self._group_occurrences(
                    series, self._weekly(day, time_of_day), [lead, member]
                ):
                    yield event, ()
        yield from self._all_hands(person)

    def _all_hands(self, person: Person) -> Iterator[tuple[Event, tuple[Attendee, ...]]]:
        host = self.directory.person(0)
        rng = random.Random(f"{self.seed}|all-hands")
        series = self._make_series(
            rng,
            "all-hands",
            f"{corpus.COMPANY_NAME} all-hands",
            host,
            45,
            field="zoom_invite",
        )
        group = Attendee(
            name=f"Everyone at {corpus.COMPANY_NAME}",
            email=corpus.ALL_HANDS_GROUP,
            is_organizer=False,
            status="not_available",
        )
        for start in self._weekly(3, timedelta(hours=16)):
            event = self._occurrence(series, start, (series.organizer, group))
            if person.index == host.index:
                yield event, ()
                continue
            # The invitation went to a group; each copy shows the viewer's own answer too.
            status = str(
                _stable_pick(f"{self.seed}|{person.index}|{event.key}", _RSVP, _RSVP_WEIGHTS)
            )
            yield event, (self._member_row(person, status),)
