"""decide_frame and the frame shape it reads; it must agree with decide on every row."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.autorecord import (
    PREFERENCE_KEYS,
    PRESETS,
    RULE_COLUMNS,
    RULES,
    decide,
    decide_frame,
    meetings_frame,
)
from lib.autorecord import preferences as preferences_module

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ME = "me@acme.test"

# --- generated meetings -------------------------------------------------------------------------

emails = st.sampled_from(
    [
        ME,
        "ME@Acme.Test",
        " me@acme.test ",
        "boss@acme.test",
        "Boss@ACME.test",
        "guest@customer.example",
        "no-at-sign",
        "",
    ]
)
maybe_email = st.one_of(st.none(), emails)
statuses = st.sampled_from(["accepted", "ACCEPTED ", "declined", "tentative", "not_available", ""])
ids = st.sampled_from(["", "  ", "123", "abc-defg-hij"])


def _invite(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(fields), st.one_of(st.none(), ids), max_size=len(fields))


INVITES = {
    "zoom_invite": _invite(["meeting_id", "meeting_password"]),
    "meet_invite": _invite(["meeting_id"]),
    "teams_invite": _invite(["organizer_id", "tenant_id", "message_id", "thread_id"]),
    "webex_invite": _invite(["meeting_subdomain", "meeting_path", "meeting_mtid"]),
    "goto_meeting_invite": _invite(["meeting_id"]),
}
ABSENT = object()

offsets = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7))])


@st.composite
def times(draw: st.DrawFn) -> Any:
    minutes = draw(st.integers(-600, 600))
    moment = (NOW + timedelta(minutes=minutes, seconds=draw(st.sampled_from([0, 30])))).astimezone(
        draw(offsets)
    )
    form = draw(st.sampled_from(["absent", "none", "empty", "date", "iso", "z", "datetime"]))
    if form == "absent":
        return ABSENT
    if form == "datetime":
        return moment
    return {
        "none": None,
        "empty": "",
        "date": moment.date().isoformat(),
        "iso": moment.isoformat(),
        "z": moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }[form]


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(ABSENT), st.none(), strategy)


attendee = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.none(), st.just("Someone")),
        "email": maybe_email,
        "is_organizer": st.booleans(),
        "status": st.one_of(st.none(), statuses),
    },
)


@st.composite
def calendar_meetings(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": draw(st.uuids()).hex,
        "start_time": draw(times()),
        "end_time": draw(times()),
        "override_should_record": draw(maybe(st.booleans())),
        "is_external": draw(maybe(st.booleans())),
        "is_hosted_by_me": draw(maybe(st.booleans())),
        "is_recurring": draw(maybe(st.booleans())),
        "organizer_email": draw(maybe(emails)),
        "attendees": draw(maybe(st.lists(attendee, max_size=4))),
        "attendee_emails": draw(maybe(st.lists(emails, max_size=3))),
        "will_record": draw(maybe(st.booleans())),
        "meeting_platform": draw(maybe(st.sampled_from(["zoom", "microsoft_teams"]))),
    }
    for name, invite in INVITES.items():
        fields[name] = draw(maybe(invite))  # absent, null, or present (possibly empty)
    return {k: v for k, v in fields.items() if v is not ABSENT}


preference_sets = st.dictionaries(
    st.sampled_from(PREFERENCE_KEYS), st.one_of(st.none(), st.booleans())
)


def assert_agrees(
    meetings: list[dict[str, Any]], frame_decisions: pd.DataFrame, prefs: Any, email: Any
) -> None:
    assert list(frame_decisions.columns) == ["record", "rule", "reason"]
    assert len(frame_decisions) == len(meetings)
    for position, m in enumerate(meetings):
        d = decide(m, prefs, now=NOW, connected_email=email)
        row = frame_decisions.iloc[position]
        assert (bool(row["record"]), row["rule"], row["reason"]) == (d.record, d.rule, d.reason), m


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    meetings=st.lists(calendar_meetings(), max_size=8),
    prefs=preference_sets,
    email=st.one_of(st.none(), emails),
)
def test_decide_frame_agrees_with_decide(meetings, prefs, email):
    frame = meetings_frame(meetings)
    assert_agrees(
        meetings, decide_frame(frame, prefs, now=NOW, connected_email=email), prefs, email
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    meetings=st.lists(calendar_meetings(), min_size=1, max_size=8),
    prefs=preference_sets,
    email=st.one_of(st.none(), emails),
)
def test_raw_meeting_frames_are_prepared_and_agree(meetings, prefs, email):
    raw = pd.DataFrame(meetings)
    assert_agrees(meetings, decide_frame(raw, prefs, now=NOW, connected_email=email), prefs, email)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meetings=st.lists(calendar_meetings(), max_size=8), prefs=preference_sets)
def test_agreement_holds_under_the_literal_and_reading(meetings, prefs):
    original = preferences_module.BASE_COMBINATION
    preferences_module.BASE_COMBINATION = "all"
    try:
        out = decide_frame(meetings_frame(meetings), prefs, now=NOW, connected_email=ME)
        assert_agrees(meetings, out, prefs, ME)
    finally:
        preferences_module.BASE_COMBINATION = original


def _random_meeting(rng: random.Random) -> dict[str, Any]:
    """A cheaper, wider sweep than the hypothesis strategies: many meetings per frame."""
    m: dict[str, Any] = {}
    for name, fields in (
        ("zoom_invite", ["meeting_id"]),
        ("meet_invite", ["meeting_id"]),
        ("teams_invite", ["organizer_id", "tenant_id", "thread_id"]),
    ):
        roll = rng.random()
        if roll < 0.2:
            m[name] = None
        elif roll < 0.35:
            m[name] = {f: rng.choice(["", "id-1"]) for f in fields}
    start = NOW + timedelta(minutes=rng.randrange(-240, 240, 15))
    m["start_time"] = rng.choice([None, "", start.isoformat(), start.date().isoformat(), start])
    m["end_time"] = rng.choice(
        [None, (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")] * 1
        + [(start + timedelta(hours=1))] * 3
    )
    m["override_should_record"] = rng.choice([None, None, None, True, False])
    for name in ("is_external", "is_hosted_by_me", "is_recurring"):
        m[name] = rng.choice([True, False, None])
    m["organizer_email"] = rng.choice([None, "", "boss@acme.test", "BOSS@Acme.test", ME])
    m["attendees"] = [
        {
            "email": rng.choice([None, "", ME, ME.upper(), "x@acme.test", "y@outside.example"]),
            "status": rng.choice([None, "", "accepted", "declined", "tentative"]),
            "is_organizer": rng.random() < 0.2,
        }
        for _ in range(rng.randrange(4))
    ]
    m["attendee_emails"] = rng.sample(["z@other.example", "boss@acme.test", "no-at"], 2)
    return m


def test_decide_frame_agrees_with_decide_on_a_wide_random_sweep():
    rng = random.Random(20260302)
    meetings = [_random_meeting(rng) for _ in range(1500)]
    frame = meetings_frame(meetings)
    for _ in range(6):
        prefs = {name: rng.random() < 0.4 for name in PREFERENCE_KEYS}
        email = rng.choice([None, ME, " Me@ACME.test"])
        out = decide_frame(frame, prefs, now=NOW, connected_email=email)
        assert_agrees(meetings, out, prefs, email)


# --- the frame shape ----------------------------------------------------------------------------


def sample_meeting(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "m1",
        "title": "Planning",
        "start_time": "2026-03-02T16:00:00.500Z",
        "end_time": "2026-03-02T16:30:00Z",
        "override_should_record": None,
        "will_record": True,
        "meet_invite": {"meeting_id": "abc-defg-hij"},
        "zoom_invite": None,
        "is_external": True,
        "is_hosted_by_me": False,
        "is_recurring": True,
        "organizer_email": "Boss@acme.test",
        "attendees": [
            {"email": "boss@acme.test", "is_organizer": True, "status": "accepted"},
            {"email": "Me@Acme.test", "is_organizer": False, "status": "Tentative"},
            {"email": "guest@customer.example", "is_organizer": False, "status": "accepted"},
        ],
    }
    base.update(fields)
    return base


def test_meetings_frame_columns_and_types():
    frame = meetings_frame(
        [sample_meeting(), sample_meeting(id="m2", end_time=None, will_record=None)]
    )
    assert set(RULE_COLUMNS) <= set(frame.columns)
    assert str(frame["start_time"].dtype) == "datetime64[us, UTC]"
    assert frame["start_time"].iloc[0] == pd.Timestamp("2026-03-02T16:00:00.500Z")
    assert pd.isna(frame["end_time"].iloc[1])
    assert str(frame["override_should_record"].dtype) == "boolean"
    assert str(frame["will_record"].dtype) == "boolean" and pd.isna(frame["will_record"].iloc[1])
    assert frame["is_external"].dtype == bool
    first = frame.iloc[0]
    assert first["join_url"] == "https://meet.google.com/abc-defg-hij"
    assert first["invite_fields"] == "meet_invite"
    assert first["organizer_domain"] == "acme.test"
    assert first["external_attendee"] == "guest@customer.example"
    assert first["attendee_responses"] == {
        "boss@acme.test": "accepted",
        "me@acme.test": "tentative",
        "guest@customer.example": "accepted",
    }
    assert list(frame["id"]) == ["m1", "m2"]


def test_meetings_frame_keeps_a_given_index():
    frame = meetings_frame([sample_meeting(), sample_meeting()], index=["a", "b"])
    assert list(frame.index) == ["a", "b"]
    with pytest.raises(ValueError, match="one label per meeting"):
        meetings_frame([sample_meeting()], index=["a", "b"])


def test_meetings_frame_names_the_row_it_cannot_read():
    bad = sample_meeting(start_time="2026-03-02T16:00:00")
    with pytest.raises(ValueError, match=r"row 'x'.*start_time must be timezone-aware"):
        meetings_frame([sample_meeting(), bad], index=["ok", "x"])


def test_decide_frame_keeps_the_input_index_even_with_duplicates():
    meetings = [sample_meeting(), sample_meeting(end_time=None), sample_meeting(zoom_invite={})]
    frame = meetings_frame(meetings, index=["k", "k", "j"])
    out = decide_frame(frame, PRESETS["record all"], now=NOW, connected_email=ME)
    assert list(out.index) == ["k", "k", "j"]
    assert list(out["rule"]) == ["record_external", "missing_time", "record_external"]
    assert out["record"].dtype == bool
    assert list(out["rule"].cat.categories) == list(RULES)


def test_decide_frame_on_an_empty_frame():
    out = decide_frame(meetings_frame([]), PRESETS["record all"], now=NOW)
    assert out.empty and list(out.columns) == ["record", "rule", "reason"]


def test_decide_frame_rejects_naive_now_and_naive_columns():
    frame = meetings_frame([sample_meeting()])
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        decide_frame(frame, {}, now=datetime(2026, 3, 2, 15, 0))
    naive = frame.assign(start_time=frame["start_time"].dt.tz_localize(None))
    with pytest.raises(ValueError, match="start_time must be timezone-aware"):
        decide_frame(naive, {}, now=NOW)


def test_decide_frame_is_time_sensitive():
    frame = meetings_frame([sample_meeting()])
    before = decide_frame(frame, PRESETS["record all"], now=NOW)
    after = decide_frame(frame, PRESETS["record all"], now=NOW + timedelta(hours=2))
    assert before["rule"].iloc[0] == "record_external"
    assert after["rule"].iloc[0] == "ended"
    assert "2026-03-02T16:30:00Z" in after["reason"].iloc[0]


def test_one_frame_previews_many_preference_sets():
    meetings = [
        # external, someone else's, I replied tentative
        sample_meeting(),
        # internal, someone else's, I have no row
        sample_meeting(is_external=False, attendees=[], is_recurring=False),
        # external, mine, no row of mine: the host counts as accepted
        sample_meeting(is_hosted_by_me=True, attendees=[], attendee_emails=["x@customer.example"]),
    ]
    frame = meetings_frame(meetings)
    recorded = {
        name: list(decide_frame(frame, flags, now=NOW, connected_email=ME)["record"])
        for name, flags in PRESETS.items()
    }
    assert recorded == {
        "record all": [True, True, True],
        "only internal": [False, True, False],
        "only external": [True, False, True],
        "only meetings I host": [False, False, True],
        "only meetings I accepted": [False, False, True],
    }


def test_frame_accepts_numpy_booleans_in_raw_frames():
    raw = pd.DataFrame([sample_meeting(is_external=np.bool_(True), override_should_record=None)])
    out = decide_frame(raw, {"record_external": True}, now=NOW)
    assert out["rule"].iloc[0] == "record_external"
