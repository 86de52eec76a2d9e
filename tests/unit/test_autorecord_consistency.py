"""Recall's will_record set against the rules' decision, and the likely cause of a gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from lib.autorecord import (
    CAUSES,
    PRESETS,
    Consistency,
    check_consistency,
    consistency_frame,
    decide,
    decide_frame,
    deduplication_peers,
    meetings_frame,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ME = "me@acme.test"
NOTHING: dict[str, bool] = {}
ALL = dict(PRESETS["record all"])


def meeting(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "m1",
        "override_should_record": None,
        "will_record": True,
        "will_record_reason": "",
        "start_time": "2026-03-02T16:00:00Z",
        "end_time": "2026-03-02T16:30:00Z",
        "meeting_platform": "zoom",
        "calendar_platform": "google",
        "zoom_invite": {"meeting_id": "84512345678"},
        "is_external": False,
        "is_hosted_by_me": True,
        "is_recurring": False,
        "organizer_email": ME,
        "attendees": [],
    }
    base.update(fields)
    return base


def check(m: dict[str, Any], prefs: dict[str, bool], **kwargs: Any) -> Consistency:
    decision = decide(m, prefs, now=NOW, connected_email=ME)
    return check_consistency(m, decision, now=NOW, **kwargs)


def test_agreement_has_no_cause():
    assert check(meeting(will_record=True), ALL) == Consistency(True)
    assert check(meeting(will_record=False), NOTHING) == Consistency(True)


def test_missing_will_record_is_flagged():
    m = meeting()
    del m["will_record"]
    result = check(m, ALL)
    assert (result.agrees, result.cause) == (False, "will_record_missing")


def test_override_set_on_recalls_side():
    m = meeting(will_record=True, override_should_record=True)
    # A decision made from the same meeting without the override (e.g. a what-if preview).
    decision = decide({**m, "override_should_record": None}, NOTHING, now=NOW)
    result = check_consistency(m, decision, now=NOW)
    assert (result.agrees, result.cause) == (False, "override_on_recall")
    assert "override_should_record=true" in result.detail


def test_override_that_recall_ignored_is_not_blamed_on_the_override():
    # The decision applied the override itself; Recall still disagrees: no override cause.
    m = meeting(will_record=False, override_should_record=True)
    result = check(m, NOTHING)
    assert result.cause != "override_on_recall"


def test_recent_preference_change():
    m = meeting(will_record=True)
    result = check(m, NOTHING, preferences_changed_at=NOW - timedelta(minutes=3, seconds=10))
    assert (result.agrees, result.cause) == (False, "recent_change")
    assert "preferences changed 3 minutes ago" in result.detail


def test_recent_override_change_is_named_as_such():
    m = meeting(will_record=False)
    result = check(m, ALL, override_changed_at=NOW - timedelta(seconds=20))
    assert result.cause == "recent_change"
    assert "override changed less than a minute ago" in result.detail


def test_old_change_is_not_recent():
    result = check(
        meeting(will_record=True), NOTHING, preferences_changed_at=NOW - timedelta(hours=1)
    )
    assert result.cause == "unknown"


def test_naive_change_time_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        check(meeting(), NOTHING, preferences_changed_at=datetime(2026, 3, 2, 14, 59))


@pytest.mark.parametrize(
    ("start", "dispatched"),
    [
        ("2026-03-02T15:01:59Z", True),  # bot joins two minutes early: already sent
        ("2026-03-02T15:02:00Z", True),
        ("2026-03-02T15:02:01Z", False),
        ("2026-03-02T14:30:00Z", True),  # in progress
    ],
)
def test_bot_already_dispatched(start, dispatched):
    result = check(meeting(will_record=True, start_time=start), NOTHING)
    assert result.cause == ("bot_already_dispatched" if dispatched else "unknown")


def test_ended_meeting_that_recall_recorded():
    m = meeting(
        will_record=True, start_time="2026-03-02T13:00:00Z", end_time="2026-03-02T14:00:00Z"
    )
    result = check(m, ALL)
    assert result.cause == "bot_already_dispatched" and "meeting is over" in result.detail
    assert "2026-03-02T12:58:00Z" in result.detail


def test_dispatch_does_not_explain_a_missing_bot():
    # Recall says no while the rules say yes: a sent bot cannot be the reason.
    result = check(meeting(will_record=False, start_time="2026-03-02T14:59:00Z"), ALL)
    assert result.cause == "unknown"


@pytest.mark.parametrize(("recall", "prefs"), [(True, NOTHING), (False, ALL)])
def test_deduplicated_bot_in_both_directions(recall, prefs):
    result = check(meeting(will_record=recall), prefs, bot_shared_with=2)
    assert result.cause == "deduplicated_bot"
    assert "2 other calendars" in result.detail and "de-duplicated" in result.detail
    assert check(meeting(will_record=recall), prefs, bot_shared_with=0).cause != "deduplicated_bot"


@pytest.mark.parametrize(
    "fields",
    [
        {"meeting_platform": "microsoft_teams"},
        {
            "meeting_platform": None,
            "zoom_invite": None,
            "teams_invite": {"thread_id": "19:m@thread.v2", "tenant_id": "t", "organizer_id": "o"},
        },
    ],
)
def test_teams_native_bot_credentials(fields):
    result = check(meeting(will_record=False, **fields), ALL)
    assert result.cause == "teams_native_bot_credentials"
    assert "Teams credentials" in result.detail


def test_teams_credentials_do_not_explain_an_extra_bot():
    m = meeting(will_record=True, meeting_platform="microsoft_teams")
    assert check(m, NOTHING).cause == "unknown"


def test_unknown_cause_quotes_recalls_reason():
    result = check(meeting(will_record=False, will_record_reason="Calendar disconnected"), ALL)
    assert result.cause == "unknown" and "Calendar disconnected" in result.detail


def test_causes_are_tried_in_the_documented_order():
    # Everything applies at once: the override on Recall's side is the most specific fact.
    m = meeting(
        will_record=True,
        override_should_record=True,
        start_time="2026-03-02T15:00:30Z",
        meeting_platform="microsoft_teams",
    )
    decision = decide({**m, "override_should_record": None}, NOTHING, now=NOW)
    kwargs = {"now": NOW, "preferences_changed_at": NOW, "bot_shared_with": 1}
    assert check_consistency(m, decision, **kwargs).cause == CAUSES[1] == "override_on_recall"
    m["override_should_record"] = None
    assert check_consistency(m, decision, **kwargs).cause == "recent_change"
    kwargs["preferences_changed_at"] = None
    assert check_consistency(m, decision, **kwargs).cause == "bot_already_dispatched"
    m["start_time"] = "2026-03-02T18:00:00Z"
    assert check_consistency(m, decision, **kwargs).cause == "deduplicated_bot"


# --- frame version ------------------------------------------------------------------------------

SCENARIOS: list[tuple[dict[str, Any], int]] = [
    (meeting(will_record=True), 0),
    (meeting(will_record=False), 0),
    (meeting(will_record=None), 0),
    (meeting(will_record=False, meeting_platform="microsoft_teams"), 0),
    (meeting(will_record=False), 3),
    (meeting(will_record=False, will_record_reason="Nope"), 0),
    (meeting(will_record=False, start_time="2026-03-02T14:00:00Z", end_time=None), 0),
    (meeting(will_record=True, end_time="2026-03-02T14:40:00Z", start_time="2026-03-02T14:00Z"), 0),
    (meeting(will_record=True, is_hosted_by_me=False, override_should_record=False), 1),
    (meeting(will_record=True, zoom_invite=None), 0),
]


@pytest.mark.parametrize("changed", [None, NOW - timedelta(minutes=4)])
@pytest.mark.parametrize("prefs", [ALL, NOTHING, dict(PRESETS["only meetings I host"])])
def test_consistency_frame_agrees_with_check_consistency(prefs, changed):
    meetings = [m for m, _ in SCENARIOS]
    shared = pd.Series([n for _, n in SCENARIOS], index=[f"r{i}" for i in range(len(SCENARIOS))])
    frame = meetings_frame(meetings, index=shared.index)
    decisions = decide_frame(frame, prefs, now=NOW, connected_email=ME)
    out = consistency_frame(
        frame, decisions, now=NOW, preferences_changed_at=changed, bot_shared_with=shared
    )
    assert list(out.columns) == ["agrees", "cause", "detail"]
    assert list(out.index) == list(shared.index)
    for position, m in enumerate(meetings):
        expected = check(
            m, prefs, preferences_changed_at=changed, bot_shared_with=SCENARIOS[position][1]
        )
        row = out.iloc[position]
        assert (bool(row["agrees"]), row["cause"], row["detail"]) == (
            expected.agrees,
            expected.cause,
            expected.detail,
        )


def test_consistency_frame_takes_a_per_row_override_change_time():
    meetings = [meeting(will_record=False), meeting(will_record=False)]
    frame = meetings_frame(meetings)
    decisions = decide_frame(frame, ALL, now=NOW)
    changed = pd.Series([NOW - timedelta(minutes=1), None], index=frame.index)
    out = consistency_frame(frame, decisions, now=NOW, override_changed_at=changed)
    assert list(out["cause"]) == ["recent_change", "unknown"]


# --- de-duplication peers -------------------------------------------------------------------------


def test_deduplication_peers_count_other_recording_calendars_on_the_same_platform():
    shared = {"start_time": "2026-03-02T16:00:00Z", "zoom_invite": {"meeting_id": "999"}}
    rows = [
        ("u1", meeting(**shared, will_record=True)),
        ("u2", meeting(**shared, will_record=True)),
        ("u3", meeting(**shared, will_record=False)),
        ("u4", meeting(**shared, will_record=True, calendar_platform="microsoft")),
        ("u5", meeting(**{**shared, "start_time": "2026-03-02T17:00:00Z"}, will_record=True)),
        ("u6", meeting(**{**shared, "zoom_invite": None}, will_record=True)),
    ]
    frame = meetings_frame([m for _, m in rows]).assign(calendar_user_id=[u for u, _ in rows])
    assert list(deduplication_peers(frame)) == [1, 1, 2, 0, 0, 0]
