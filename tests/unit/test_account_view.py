"""The account page's meetings table and preference effect, without Streamlit.

Each expected value below follows from the documented rules (base preferences OR-ed, filters
AND-ed, overrides win, ended or link-less meetings never record), worked out by hand for the
small calendars built here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from lib.account_view import (
    OVERRIDE_LABELS,
    OVERRIDE_VALUES,
    TABLE_COLUMNS,
    connected_emails,
    meetings_table,
    my_response,
    override_changes,
    preference_effect,
    preferences_label,
    shared_bot_peers,
)
from lib.autorecord import PREFERENCE_KEYS, PRESETS
from lib.directory import users_frame
from lib.recall.models import CalendarMeeting, CalendarUser

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DOMAIN = "northwind.example"
ANA = f"ana@{DOMAIN}"
ANA_MS = f"ana.m@{DOMAIN}"
BOSS = f"boss@{DOMAIN}"
GUEST = "guest@client.example"


def flags(*on: str) -> dict[str, bool]:
    return {key: key in on for key in PREFERENCE_KEYS}


def user(
    external_id: str = "nw-1",
    *,
    prefs: dict[str, bool] | None = None,
    google: str | None = ANA,
    microsoft: str | None = None,
    microsoft_connected: bool = True,
) -> CalendarUser:
    connections: list[dict[str, Any]] = []
    if google:
        connections.append({"platform": "google", "connected": True, "email": google})
    if microsoft:
        connections.append(
            {"platform": "microsoft", "connected": microsoft_connected, "email": microsoft}
        )
    return CalendarUser(
        id=f"recall-{external_id}",
        external_id=external_id,
        connections=connections,
        preferences={**(prefs or flags()), "bot_name": "Notetaker"},
    )


def meeting(
    meeting_id: str,
    *,
    starts_in: timedelta = timedelta(hours=2),
    minutes: int = 30,
    external: bool = False,
    hosted: bool = False,
    recurring: bool = False,
    override: bool | None = None,
    will_record: bool = False,
    status: str | None = "accepted",
    calendar: str = "google",
    me: str = ANA,
    link: bool = True,
    extra_guests: tuple[str, ...] = (),
) -> CalendarMeeting:
    """A meeting on ``me``'s calendar; the host is ``me`` when ``hosted``, else BOSS."""
    start = NOW + starts_in
    organizer = me if hosted else BOSS
    rows: list[dict[str, Any]] = [{"email": organizer, "is_organizer": True, "status": "accepted"}]
    if not hosted:
        rows.append({"email": me, "is_organizer": False, "status": status})
    if external:
        rows.append({"email": GUEST, "is_organizer": False, "status": "accepted"})
    rows.extend({"email": e, "is_organizer": False, "status": "accepted"} for e in extra_guests)
    return CalendarMeeting(
        id=meeting_id,
        title=f"Meeting {meeting_id}",
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        meeting_platform="google_meet" if link else None,
        calendar_platform=calendar,
        meet_invite={"meeting_id": f"abc-{meeting_id}-xyz"} if link else None,
        is_external=external,
        is_hosted_by_me=hosted,
        is_recurring=recurring,
        organizer_email=organizer,
        attendees=rows,
        attendee_emails=[row["email"] for row in rows],
        override_should_record=override,
        will_record=will_record,
    )


# -- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_documented_preset_is_named(name):
    assert preferences_label({**flags(), **PRESETS[name]}) == name


def test_all_off_is_the_default_that_records_nothing():
    assert preferences_label(flags()) == "nothing recorded (default)"


def test_a_combination_that_is_no_preset_is_custom():
    # Recurring alone is in no documented preset.
    assert preferences_label(flags("record_recurring")) == "custom"
    # A filter alone records nothing, but it is not the all-off default either.
    assert preferences_label(flags("record_confirmed")) == "custom"


def test_override_labels_round_trip():
    assert {OVERRIDE_VALUES[label] for label in OVERRIDE_LABELS.values()} == {None, True, False}
    for value, label in OVERRIDE_LABELS.items():
        assert OVERRIDE_VALUES[label] is value


# -- connections and responses --------------------------------------------------------------------


def test_connected_emails_leave_out_a_disconnected_calendar():
    both = user(microsoft=ANA_MS)
    assert connected_emails(both) == {"google": ANA, "microsoft": ANA_MS}
    gone = user(microsoft=ANA_MS, microsoft_connected=False)
    assert connected_emails(gone) == {"google": ANA}
    assert connected_emails(user(google=None)) == {}


def test_my_response_reads_the_connected_accounts_row_in_any_case():
    declined = meeting("m1", status="declined")
    assert my_response(declined, ANA.upper()) == "declined"
    assert my_response(declined, f"  {ANA} ") == "declined"


def test_my_response_host_without_a_row_counts_as_accepted():
    hosted = meeting("m1", hosted=True)
    assert my_response(hosted, "someone.else@northwind.example") == "accepted (host)"
    assert my_response(hosted, None) == "accepted (host)"


def test_my_response_without_a_row_or_a_status():
    guest = meeting("m1")
    assert my_response(guest, "not.invited@northwind.example") == "—"
    assert my_response(meeting("m2", status=None), ANA) == "unknown"


# -- override edits from the editor state ---------------------------------------------------------


def _override_frame(*labels: str) -> pd.DataFrame:
    ids = [f"m{i}" for i in range(len(labels))]
    return pd.DataFrame(
        {"title": [f"T{i}" for i in range(len(labels))], "override": list(labels)},
        index=pd.Index(ids, name="id"),
    )


def test_override_changes_map_row_positions_to_meeting_ids():
    table = _override_frame("Auto", "Never", "Always")
    changes = override_changes(table, {0: {"override": "Always"}, "1": {"override": "Auto"}})
    assert changes == [("m0", None, True), ("m1", False, None)]


def test_override_changes_ignore_everything_but_a_real_override_change():
    table = _override_frame("Auto", "Never", "Always")
    edited = {
        0: {"title": "renamed", "recall_will_record": True},  # disabled columns, crafted
        1: {"override": "Never"},  # unchanged
        2: {"override": "Sometimes"},  # not a choice
        3: {"override": "Always"},  # no such row
        -1: {"override": "Always"},
        "x": {"override": "Always"},
    }
    assert override_changes(table, edited) == []


def test_override_changes_refuse_values_that_only_look_like_choices():
    table = _override_frame("Auto", "Auto")
    # Only the three labels count; a raw True or None is no label.
    assert override_changes(table, {0: {"override": True}, 1: {"override": None}}) == []


# -- the meetings table ---------------------------------------------------------------------------


def test_table_has_every_column_one_row_per_meeting_sorted_by_start():
    meetings = [
        meeting("late", starts_in=timedelta(days=2)),
        meeting("soon", starts_in=timedelta(hours=1)),
        meeting("mid", starts_in=timedelta(days=1)),
    ]
    table = meetings_table(user(), meetings, now=NOW)
    assert tuple(table.columns) == TABLE_COLUMNS
    assert list(table.index) == ["soon", "mid", "late"]
    assert table.index.name == "id"


def test_empty_calendar_gives_an_empty_table_with_the_columns():
    table = meetings_table(user(), [], now=NOW)
    assert table.empty
    assert tuple(table.columns) == TABLE_COLUMNS


def test_rules_column_follows_the_preferences_and_flags_disagreement():
    # "only external": the external meeting records, the internal one does not.
    prefs = flags("record_external")
    meetings = [
        meeting("ext", external=True, will_record=True),
        meeting("int", starts_in=timedelta(hours=3), will_record=True),
    ]
    table = meetings_table(user(prefs=prefs), meetings, now=NOW)
    assert table.loc["ext", "engine_record"]
    assert not table.loc["int", "engine_record"]
    # Recall said it records the internal one; the rules say no, so the row is flagged.
    assert not table.loc["ext", "mismatch"]
    assert table.loc["int", "mismatch"]
    assert table.loc["int", "mismatch_cause"] != ""
    assert table["engine_reason"].str.len().gt(0).all()


def test_override_wins_and_is_labelled():
    prefs = flags("record_external", "record_internal")
    meetings = [
        meeting("never", override=False),
        meeting("always", starts_in=timedelta(hours=3), override=True),
        meeting("auto", starts_in=timedelta(hours=4)),
    ]
    table = meetings_table(user(prefs=prefs), meetings, now=NOW)
    assert table["override"].to_dict() == {"never": "Never", "always": "Always", "auto": "Auto"}
    assert table["engine_record"].to_dict() == {"never": False, "always": True, "auto": True}


def test_ended_and_link_less_meetings_never_record_whatever_the_preferences():
    prefs = flags("record_external", "record_internal")
    meetings = [
        meeting("ended", starts_in=-timedelta(hours=2)),
        meeting("nolink", link=False),
        meeting("ok", starts_in=timedelta(hours=3)),
    ]
    table = meetings_table(user(prefs=prefs), meetings, now=NOW)
    assert table["engine_record"].to_dict() == {"ended": False, "nolink": False, "ok": True}
    assert table.loc["nolink", "meeting_platform"] == "no link"
    assert table.loc["ok", "meeting_platform"] == "Google Meet"
    assert table.loc["ok", "join_url"].startswith("https://meet.google.com/")


def test_each_calendar_is_decided_with_its_own_connected_email():
    # "only meetings I accepted": Ana declined on Google but accepted as ana.m on Microsoft.
    prefs = {**flags(), **PRESETS["only meetings I accepted"]}
    account = user(prefs=prefs, microsoft=ANA_MS)
    meetings = [
        meeting("g", status="declined", calendar="google"),
        meeting("m", status="accepted", calendar="microsoft", me=ANA_MS),
    ]
    table = meetings_table(account, meetings, now=NOW)
    assert table["response"].to_dict() == {"g": "declined", "m": "accepted"}
    assert table["engine_record"].to_dict() == {"g": False, "m": True}
    assert table["calendar"].to_dict() == {"g": "Google", "m": "Microsoft"}


def test_shared_bot_peers_are_other_connected_workspace_users_on_the_same_platform():
    bea = f"bea@{DOMAIN}"
    cid = f"cid@{DOMAIN}"
    dan = f"dan@{DOMAIN}"
    directory = users_frame(
        [
            user("nw-1", google=ANA),
            user("nw-2", google=bea),
            # Cid's calendar is on Microsoft, so a Google meeting gets no shared bot with him.
            user("nw-3", google=None, microsoft=cid),
            user("nw-4", google=None, microsoft=dan, microsoft_connected=False),
        ]
    )
    meetings = [meeting("shared", extra_guests=(bea.upper(), cid, dan)), meeting("alone")]
    assert shared_bot_peers(meetings, "nw-1", directory) == [["nw-2"], []]
    assert shared_bot_peers(meetings, "nw-1", None) == [[], []]
    table = meetings_table(user("nw-1"), meetings, now=NOW, directory=directory)
    assert table["bot_shared_with"].to_dict() == {"shared": "nw-2", "alone": ""}


# -- effect of a preference change ----------------------------------------------------------------


def test_effect_counts_upcoming_meetings_that_start_and_stop():
    account = user(prefs=flags("record_external"))
    meetings = [
        meeting("ext", external=True),  # records now; stops under "only internal"
        meeting("int1", starts_in=timedelta(hours=3)),  # starts
        meeting("int2", starts_in=timedelta(hours=4), hosted=True),  # starts
        meeting("int-never", starts_in=timedelta(hours=5), override=False),  # override wins
        meeting("int-past", starts_in=-timedelta(hours=3)),  # ended: not upcoming
        meeting("int-nolink", starts_in=timedelta(hours=6), link=False),  # never records
    ]
    starts, stops, changed = preference_effect(account, meetings, flags("record_internal"), now=NOW)
    assert (starts, stops) == (2, 1)
    assert sorted(changed["title"]) == ["Meeting ext", "Meeting int1", "Meeting int2"]
    by_title = changed.set_index("title")
    assert by_title.loc["Meeting ext", "before"] == "records"
    assert by_title.loc["Meeting ext", "after"] == "no bot"
    assert by_title.loc["Meeting int1", "after"] == "records"


def test_effect_of_the_same_preferences_is_nothing():
    prefs = flags("record_external", "record_internal")
    account = user(prefs=prefs)
    starts, stops, changed = preference_effect(
        account, [meeting("a"), meeting("b", external=True)], prefs, now=NOW
    )
    assert (starts, stops) == (0, 0)
    assert changed.empty


def test_effect_of_a_filter_only_narrows():
    # Adding "only meetings I host" to "record all" stops the meetings Ana does not host.
    account = user(prefs=flags("record_external", "record_internal"))
    meetings = [meeting("hosted", hosted=True), meeting("guest", starts_in=timedelta(hours=3))]
    candidate = flags("record_external", "record_internal", "record_only_host")
    starts, stops, changed = preference_effect(account, meetings, candidate, now=NOW)
    assert (starts, stops) == (0, 1)
    assert list(changed["title"]) == ["Meeting guest"]


def test_effect_with_no_upcoming_meetings():
    account = user()
    past = [meeting("old", starts_in=-timedelta(days=1))]
    starts, stops, changed = preference_effect(account, past, flags("record_internal"), now=NOW)
    assert (starts, stops) == (0, 0)
    assert list(changed.columns) == ["start", "title", "before", "after", "reason"]
