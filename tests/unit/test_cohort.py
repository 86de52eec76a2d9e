"""The preview's pure parts: reading id lists, deciding before/after per connection, totals,
bots per day and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from lib.autorecord import PRESETS, Preferences, decide
from lib.cohort import (
    CHANGE_NONE,
    CHANGE_STARTS,
    CHANGE_STOPS,
    CHANGED_EXPORT_COLUMNS,
    HORIZON,
    MAX_UPLOAD_BYTES,
    SCENARIO_AFTER,
    SCENARIO_BEFORE,
    STATUS_NOT_RECORDED,
    STATUS_RECORDED,
    CohortResult,
    bots_by_day,
    decode_upload,
    display_zone,
    impact_counts,
    local_days,
    meetings_by_day,
    parse_user_ids,
    per_user_impact,
    prepare_meetings,
    preview_user,
    sample_user_ids,
    split_known,
    to_csv,
)
from lib.recall import CalendarMeeting, CalendarUser

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
GOOGLE_EMAIL = "ana@acme.test"
MS_EMAIL = "ana.m@acme-corp.test"


def _user(
    prefs: dict[str, bool] | None = None,
    connections: tuple[tuple[str, str], ...] = (("google", GOOGLE_EMAIL),),
    user_id: str = "u-1",
) -> CalendarUser:
    return CalendarUser.model_validate(
        {
            "id": f"recall-{user_id}",
            "external_id": user_id,
            "connections": [{"platform": p, "connected": True, "email": e} for p, e in connections],
            "preferences": prefs or {},
        }
    )


def _meeting(number: int, **overrides: Any) -> dict[str, Any]:
    start = overrides.pop("start", NOW + timedelta(days=1, hours=number))
    meeting: dict[str, Any] = {
        "id": f"m-{number}",
        "title": f"Meeting {number}",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=30)).isoformat(),
        "calendar_platform": "google",
        "meeting_platform": "zoom",
        "zoom_invite": {"meeting_id": str(1_000_000 + number)},
        "override_should_record": None,
        "will_record": False,
        "is_external": False,
        "is_hosted_by_me": False,
        "is_recurring": False,
        "organizer_email": "boss@acme.test",
        "attendees": [],
    }
    meeting.update(overrides)
    return meeting


# -- id lists ----------------------------------------------------------------------------------


def test_one_id_per_line_with_blanks_spaces_and_duplicates():
    parsed = parse_user_ids("u-1\n\n  u-2  \nu-1\r\nu-3\n")
    assert parsed.ids == ("u-1", "u-2", "u-3")
    assert parsed.duplicates == 1
    assert parsed.invalid == ()
    assert parsed.left_out == 0


def test_comma_and_tab_separated_lists():
    assert parse_user_ids("u-1, u-2,u-3").ids == ("u-1", "u-2", "u-3")
    assert parse_user_ids("u-1\tu-2\nu-3").ids == ("u-1", "u-2", "u-3")


def test_a_csv_with_a_user_id_column_reads_only_that_column():
    text = "\ufeffrecall_id,User_ID,google_email\nr1,u-1,a@x.test\nr2,u-2,b@x.test\nr3,,c@x.test\n"
    parsed = parse_user_ids(text)
    assert parsed.ids == ("u-1", "u-2")


def test_invalid_ids_are_reported_with_the_reason():
    parsed = parse_user_ids("u-1\nbad\x07id\n" + "x" * 300)
    assert parsed.ids == ("u-1",)
    reasons = dict(parsed.invalid)
    assert "control characters" in reasons["bad\x07id"]
    assert "at most" in reasons["x" * 300]


def test_lookalike_characters_are_kept_with_a_warning():
    parsed = parse_user_ids("u-1\nu-\u0430")  # Cyrillic a
    assert parsed.ids == ("u-1", "u-\u0430")
    assert [uid for uid, _ in parsed.warnings] == ["u-\u0430"]


def test_the_cap_keeps_the_first_ids_and_counts_the_rest():
    parsed = parse_user_ids("\n".join(f"u-{i}" for i in range(12)) + "\nu-0", cap=5)
    assert parsed.ids == tuple(f"u-{i}" for i in range(5))
    assert parsed.left_out == 7
    assert parsed.duplicates == 1


def test_uploads_must_be_small_utf8_text():
    assert decode_upload("\ufeffu-1\nu-2".encode()) == "u-1\nu-2"
    with pytest.raises(ValueError, match="not UTF-8"):
        decode_upload(b"\xff\xfeu\x00-\x001\x00")
    with pytest.raises(ValueError, match="MB"):
        decode_upload(b"u" * (MAX_UPLOAD_BYTES + 1))


def test_samples_are_repeatable_subsets_in_directory_order():
    ids = [f"u-{i:03d}" for i in range(200)]
    first = sample_user_ids(ids, 20, seed=7)
    assert first == sample_user_ids(ids, 20, seed=7)
    assert first != sample_user_ids(ids, 20, seed=8)
    assert len(set(first)) == 20 and set(first) <= set(ids)
    assert list(first) == sorted(first, key=ids.index)
    assert sample_user_ids(ids[:5], 20, seed=1) == tuple(ids[:5])
    assert sample_user_ids(ids, 0, seed=1) == ()


def test_split_known_dedupes_and_keeps_order():
    assert split_known(["b", "x", "a", "b", "y"], {"a", "b"}) == (("b", "a"), ("x", "y"))


# -- before / after ----------------------------------------------------------------------------


def test_only_upcoming_meetings_within_four_weeks_are_previewed():
    meetings = [
        _meeting(1),
        _meeting(2, start=NOW - timedelta(hours=2)),  # ended at NOW - 1.5 h
        _meeting(3, start=NOW - timedelta(minutes=10)),  # in progress
        _meeting(4, start=NOW + HORIZON + timedelta(hours=1)),  # beyond Recall's sync window
        _meeting(5, start=NOW - timedelta(hours=3), end_time=None),  # all-day, today
        _meeting(6, start=NOW - timedelta(days=3), end_time=None),  # all-day, days ago
    ]
    frame = preview_user(_user(), meetings, PRESETS["record all"], now=NOW)
    assert sorted(frame["id"]) == ["m-1", "m-3", "m-5"]
    # The same holds for parsed meetings, which take a cheaper pre-filter first.
    models = [CalendarMeeting.model_validate(m) for m in meetings]
    assert sorted(preview_user(_user(), models, None, now=NOW)["id"]) == ["m-1", "m-3", "m-5"]


def test_before_uses_current_preferences_and_after_the_candidate():
    user = _user({"record_external": True})
    meetings = [
        _meeting(1, is_external=True),
        _meeting(2, is_external=False),
        _meeting(3, is_external=True, zoom_invite=None),  # no link: never recorded
    ]
    frame = preview_user(user, meetings, PRESETS["only internal"], now=NOW).set_index("id")
    assert frame.loc["m-1", "record_before"] and not frame.loc["m-1", "record_after"]
    assert not frame.loc["m-2", "record_before"] and frame.loc["m-2", "record_after"]
    assert frame.loc["m-1", "change"] == CHANGE_STOPS
    assert frame.loc["m-2", "change"] == CHANGE_STARTS
    assert frame.loc["m-3", "change"] == CHANGE_NONE
    assert frame.loc["m-2", "rule_after"] == "record_internal"
    assert frame.loc["m-1", "reason_before"].startswith("Will record")
    # Every row agrees with the single-meeting rules.
    for meeting in meetings:
        row = frame.loc[meeting["id"]]
        assert row["record_before"] == decide(meeting, {"record_external": True}, now=NOW).record
        assert row["record_after"] == decide(meeting, PRESETS["only internal"], now=NOW).record


def test_an_override_wins_so_the_meeting_never_changes():
    meetings = [
        _meeting(1, override_should_record=True),
        _meeting(2, override_should_record=False, is_external=True),
    ]
    for candidate in [*PRESETS.values(), {}]:
        frame = preview_user(_user({"record_internal": True}), meetings, candidate, now=NOW)
        assert list(frame["record_before"]) == [True, False]
        assert list(frame["record_after"]) == [True, False]
        assert (frame["change"] == CHANGE_NONE).all()
        assert impact_counts(frame).overridden == 2


def _accepted_by(email: str, status: str) -> list[dict[str, Any]]:
    return [
        {"email": "boss@acme.test", "is_organizer": True, "status": "accepted"},
        {"email": email, "is_organizer": False, "status": status},
    ]


def test_each_meeting_is_decided_with_its_own_connections_email():
    # Ana has both calendars; on each, a different address of hers answers the invitation.
    user = _user(connections=(("google", GOOGLE_EMAIL), ("microsoft", MS_EMAIL)))
    attendees = [
        {"email": "boss@acme.test", "is_organizer": True, "status": "accepted"},
        {"email": GOOGLE_EMAIL, "is_organizer": False, "status": "declined"},
        {"email": MS_EMAIL, "is_organizer": False, "status": "accepted"},
    ]
    meetings = [
        _meeting(1, calendar_platform="google", attendees=attendees),
        _meeting(2, calendar_platform="microsoft", attendees=attendees),
    ]
    candidate = PRESETS["only meetings I accepted"]
    frame = preview_user(user, meetings, candidate, now=NOW).set_index("id")
    assert frame.loc["m-1", "connected_email"] == GOOGLE_EMAIL
    assert frame.loc["m-2", "connected_email"] == MS_EMAIL
    assert not frame.loc["m-1", "record_after"]  # declined on Google
    assert frame.loc["m-2", "record_after"]  # accepted on Microsoft
    expected = decide(meetings[1], candidate, now=NOW, connected_email=MS_EMAIL)
    assert frame.loc["m-2", "reason_after"] == expected.reason


@pytest.mark.parametrize("name", list(PRESETS))
def test_one_call_without_record_confirmed_matches_deciding_per_connection(name):
    # Without record_confirmed the connected email is not read, so the cohort decides every
    # user's meetings in one call; this checks that shortcut against one call per meeting.
    user = _user(connections=(("google", GOOGLE_EMAIL), ("microsoft", MS_EMAIL)))
    meetings = [
        _meeting(
            i,
            calendar_platform=("google", "microsoft")[i % 2],
            is_hosted_by_me=i % 3 == 0,
            is_external=i % 4 == 0,
            attendees=_accepted_by(
                (GOOGLE_EMAIL, MS_EMAIL)[i % 2], ("accepted", "declined")[i % 5 == 0]
            ),
        )
        for i in range(20)
    ]
    frame = preview_user(user, meetings, PRESETS[name], now=NOW)
    for meeting, (_, row) in zip(meetings, frame.iterrows(), strict=True):
        email = GOOGLE_EMAIL if meeting["calendar_platform"] == "google" else MS_EMAIL
        single = decide(meeting, PRESETS[name], now=NOW, connected_email=email)
        assert (row["record_after"], row["reason_after"]) == (single.record, single.reason)


def test_a_meeting_without_a_calendar_platform_uses_the_only_connection():
    frame = preview_user(_user(), [_meeting(1, calendar_platform=None)], None, now=NOW)
    assert frame.loc[0, "connected_email"] == GOOGLE_EMAIL


def test_a_meeting_the_rules_cannot_read_is_refused_by_name():
    with pytest.raises(ValueError, match="start_time"):
        prepare_meetings(_user(), [_meeting(1, start_time="next tuesday")], now=NOW)


# -- totals ------------------------------------------------------------------------------------


def _two_users() -> pd.DataFrame:
    a = preview_user(
        _user({"record_external": True}, user_id="a"),
        [_meeting(1, is_external=True), _meeting(2), _meeting(3)],
        PRESETS["record all"],
        now=NOW,
        user_id="a",
    )
    b = preview_user(
        _user({"record_internal": True}, user_id="b"),
        [_meeting(4, is_external=True, will_record=True), _meeting(5, will_record=True)],
        PRESETS["only external"],
        now=NOW,
        user_id="b",
    )
    return pd.concat([a, b], ignore_index=True)


def test_counts_before_after_and_against_recall():
    counts = impact_counts(_two_users())
    # a: m1 recorded both, m2/m3 start; b: m4 starts, m5 stops.
    assert (counts.meetings, counts.recorded_before, counts.recorded_after) == (5, 2, 4)
    assert (counts.starts, counts.stops, counts.changed, counts.net) == (3, 1, 4, 2)
    # Recall says b's two meetings record; the rules say only m5 does now.
    assert (counts.recall_will_record, counts.recall_differs) == (2, 2)


def test_per_user_impact_puts_the_most_changed_first_and_keeps_quiet_users():
    table = per_user_impact(_two_users(), ["b", "a", "nobody"])
    assert list(table["user_id"]) == ["a", "b", "nobody"]
    assert table.set_index("user_id").loc["a"].to_dict() == {
        "meetings": 3,
        "recorded_now": 1,
        "recorded_candidate": 3,
        "starts": 2,
        "stops": 0,
        "net_change": 2,
    }
    assert table.set_index("user_id").loc["nobody"].sum() == 0


def test_display_zone_falls_back_to_utc():
    assert display_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert display_zone("Mars/Olympus") is UTC
    assert display_zone(None) is UTC


def test_days_are_counted_in_the_viewers_zone():
    berlin = ZoneInfo("Europe/Berlin")
    late = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)  # already 4 March in Berlin
    frame = preview_user(_user(), [_meeting(1, start=late)], PRESETS["record all"], now=NOW)
    days = local_days(NOW, berlin)
    # Today through the day four weeks from now: 29 days, the last one partly.
    assert days[0] == NOW.date() and days[-1] == (NOW + HORIZON).date()
    assert len(days) == HORIZON.days + 1
    by_day = meetings_by_day(frame, zone=berlin, days=days)
    assert len(by_day) == len(days) * 4
    hits = by_day[by_day["meetings"] > 0]
    assert set(hits["day"]) == {late.astimezone(berlin).date()}
    assert set(zip(hits["scenario"], hits["status"], strict=True)) == {
        (SCENARIO_BEFORE, STATUS_NOT_RECORDED),
        (SCENARIO_AFTER, STATUS_RECORDED),
    }
    utc_hits = meetings_by_day(frame, zone=UTC, days=local_days(NOW, UTC))
    assert set(utc_hits[utc_hits["meetings"] > 0]["day"]) == {late.date()}


def test_bots_are_shared_by_calendars_recording_the_same_meeting_on_one_platform():
    shared = {"start": NOW + timedelta(days=1), "zoom_invite": {"meeting_id": "777"}}
    frames = []
    for uid, platform in (("a", "google"), ("b", "google"), ("c", "microsoft")):
        user = _user(user_id=uid, connections=((platform, f"{uid}@acme.test"),))
        meetings = [_meeting(1, calendar_platform=platform, **shared)]
        if uid == "a":
            meetings.append(_meeting(2, calendar_platform=platform))
        frames.append(preview_user(user, meetings, PRESETS["record all"], now=NOW, user_id=uid))
    frame = pd.concat(frames, ignore_index=True)
    bots = bots_by_day(frame, zone=UTC, days=local_days(NOW, UTC)).set_index("day")
    day = (NOW + timedelta(days=1)).date()
    # Nobody records now; with the candidate, one Google bot for the shared meeting, one
    # Microsoft bot for it, and one for a's own meeting two hours later the same day.
    assert bots.loc[day, "before"] == 0
    assert bots.loc[day, "after"] == 3
    assert bots["after"].sum() == 3


# -- result and export -------------------------------------------------------------------------


def test_with_candidate_redecides_without_touching_current_decisions():
    frame = _two_users()
    result = CohortResult(
        requested=("a", "b"),
        previewed=("a", "b"),
        meetings=frame,
        candidate=Preferences(record_external=True),
        now=NOW,
    )
    other = result.with_candidate(PRESETS["record all"])
    assert other.candidate == Preferences(record_external=True, record_internal=True)
    assert other.meetings["record_before"].tolist() == frame["record_before"].tolist()
    assert other.meetings["record_after"].tolist() == [True] * 5
    assert result.with_candidate(result.candidate) is result
    assert other.users_affected == 2


def test_csv_export_neutralises_formulas_and_writes_utc_times():
    frame = preview_user(
        _user(),
        [_meeting(1, title='=HYPERLINK("http://evil.test")'), _meeting(2, title="@SUM(A1)")],
        PRESETS["record all"],
        now=NOW,
    )
    rows = list(csv.DictReader(io.StringIO(to_csv(frame, CHANGED_EXPORT_COLUMNS))))
    assert [r["title"] for r in rows] == ['\'=HYPERLINK("http://evil.test")', "'@SUM(A1)"]
    assert rows[0]["start_time_utc"] == "2026-03-03T16:00:00Z"
    assert rows[0]["recorded_now"] == "false" and rows[0]["recorded_candidate"] == "true"
    assert rows[0]["change"] == CHANGE_STARTS
    assert to_csv(frame, CHANGED_EXPORT_COLUMNS).count("\r\n") == 3
