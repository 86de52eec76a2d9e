"""The documented auto-record rules, one meeting at a time (Recall Calendar V1 docs §4)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lib.autorecord import (
    BASE_PREFERENCES,
    PREFERENCE_KEYS,
    PRESETS,
    RECORDING_RULES,
    RULES,
    Decision,
    decide,
    preset_name,
    read_preferences,
    reasons,
)
from lib.autorecord import preferences as preferences_module

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ME = "me@acme.test"


def meeting(**fields: Any) -> dict[str, Any]:
    """An upcoming internal Zoom meeting hosted by someone else in my company, which I accepted."""
    base: dict[str, Any] = {
        "id": "m1",
        "override_should_record": None,
        "title": "Weekly sync",
        "will_record": False,
        "start_time": "2026-03-02T16:00:00Z",
        "end_time": "2026-03-02T16:30:00Z",
        "meeting_platform": "zoom",
        "calendar_platform": "google",
        "zoom_invite": {"meeting_id": "84512345678", "meeting_password": None},
        "teams_invite": None,
        "meet_invite": None,
        "webex_invite": None,
        "bot_id": None,
        "is_external": False,
        "is_hosted_by_me": False,
        "is_recurring": False,
        "organizer_email": "boss@acme.test",
        "attendee_emails": ["boss@acme.test", ME],
        "attendees": [
            {"name": "Boss", "email": "boss@acme.test", "is_organizer": True, "status": "accepted"},
            {"name": "Me", "email": ME, "is_organizer": False, "status": "accepted"},
        ],
    }
    base.update(fields)
    return base


def prefs(*enabled: str) -> dict[str, bool]:
    return {name: name in enabled for name in PREFERENCE_KEYS}


ALL = prefs("record_external", "record_internal")


def run(m: dict[str, Any], p: Any = ALL, *, now: datetime = NOW, email: str | None = ME):
    return decide(m, p, now=now, connected_email=email)


# --- prerequisites --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "invites",
    [
        {"zoom_invite": None},
        {"zoom_invite": {}},
        {"zoom_invite": {"meeting_id": "   "}},
        {"zoom_invite": None, "meet_invite": {"meeting_id": ""}},
        {"zoom_invite": None, "teams_invite": {"thread_id": "t", "tenant_id": "x"}},
    ],
)
def test_no_join_link_is_never_recorded(invites):
    d = run(meeting(**invites))
    assert (d.record, d.rule) == (False, "no_meeting_link")


def test_no_invite_and_empty_invite_are_told_apart():
    none = run(meeting(zoom_invite=None))
    empty = run(meeting(zoom_invite=None, meet_invite={"meeting_id": ""}))
    assert "no invite object" in none.reason
    assert "meet_invite" in empty.reason and "no usable meeting identifier" in empty.reason


def test_override_true_does_not_beat_a_missing_link():
    d = run(meeting(zoom_invite=None, override_should_record=True))
    assert (d.record, d.rule) == (False, "no_meeting_link")


def test_meeting_without_any_invite_fields_at_all():
    m = meeting()
    for name in ("zoom_invite", "teams_invite", "meet_invite", "webex_invite"):
        del m[name]
    assert run(m).rule == "no_meeting_link"


def test_all_day_event_without_end_is_not_recorded():
    d = run(meeting(start_time="2026-03-03T00:00:00Z", end_time=None, override_should_record=True))
    assert (d.record, d.rule) == (False, "missing_time")
    assert "2026-03-03T00:00:00Z" in d.reason and "no end time" in d.reason


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (None, None, "neither a start nor an end"),
        ("", "2026-03-02T16:30:00Z", "no start time"),
        ("2026-03-03", "2026-03-04", "neither a start nor an end"),  # date-only all-day event
    ],
)
def test_missing_times(start, end, words):
    d = run(meeting(start_time=start, end_time=end))
    assert (d.record, d.rule) == (False, "missing_time")
    assert words in d.reason


def test_absent_time_keys_count_as_missing():
    m = meeting()
    del m["end_time"]
    assert run(m).rule == "missing_time"


@pytest.mark.parametrize(
    ("end", "ended"),
    [
        ("2026-03-02T14:59:59Z", True),
        ("2026-03-02T15:00:00Z", True),  # ending exactly now: already over
        ("2026-03-02T15:00:01Z", False),  # in progress: still eligible
        ("2026-03-02T17:00:00+02:00", True),  # 15:00 UTC written with an offset
    ],
)
def test_ended_is_judged_in_utc(end, ended):
    d = run(meeting(start_time="2026-03-02T14:00:00Z", end_time=end, override_should_record=True))
    assert d.rule == ("ended" if ended else "override_true")


def test_ended_reason_names_the_end_time():
    d = run(meeting(start_time="2026-03-01T10:00:00Z", end_time="2026-03-01T10:30:00.250Z"))
    assert d.rule == "ended" and "2026-03-01T10:30:00Z" in d.reason


def test_aware_datetime_objects_are_accepted_as_times():
    start = datetime(2026, 3, 2, 18, 0, tzinfo=timezone(timedelta(hours=2)))
    d = run(meeting(start_time=start, end_time=start + timedelta(hours=1)))
    assert d.record and "2026-03-02T16:00:00Z" not in d.reason  # not an ended/missing reason


# --- naive datetimes ---------------------------------------------------------------------------


def test_naive_now_is_rejected():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        decide(meeting(), ALL, now=datetime(2026, 3, 2, 15, 0))


@pytest.mark.parametrize(
    "value", ["2026-03-02T16:00:00", datetime(2026, 3, 2, 16, 0)], ids=["string", "datetime"]
)
def test_naive_meeting_times_are_rejected(value):
    with pytest.raises(ValueError, match="start_time must be timezone-aware"):
        run(meeting(start_time=value))


def test_unparseable_time_is_rejected():
    with pytest.raises(ValueError, match="end_time is not an ISO 8601"):
        run(meeting(end_time="half past four"))


# --- override ----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [prefs(), prefs("record_external"), ALL])
def test_override_wins_over_any_preferences(p):
    assert run(meeting(override_should_record=True), p).rule == "override_true"
    assert run(meeting(override_should_record=True), p).record is True
    assert run(meeting(override_should_record=False), p).rule == "override_false"
    assert run(meeting(override_should_record=False), p).record is False


def test_null_or_absent_override_defers_to_preferences():
    m = meeting()
    del m["override_should_record"]
    assert run(m).rule == "record_internal"
    assert run(meeting(override_should_record=None)).rule == "record_internal"


def test_override_of_wrong_type_is_rejected():
    with pytest.raises(TypeError, match="override_should_record"):
        run(meeting(override_should_record="true"))


# --- preferences --------------------------------------------------------------------------------


def test_nothing_enabled_records_nothing():
    for p in ({}, None, prefs()):
        d = run(meeting(), p)
        assert (d.record, d.rule) == (False, "no_preference_enabled")


def test_filters_alone_record_nothing():
    d = run(meeting(is_hosted_by_me=True), prefs("record_confirmed", "record_only_host"))
    assert (d.record, d.rule) == (False, "only_filters_enabled")
    assert "record_confirmed and record_only_host are on" in d.reason


def test_missing_preference_keys_mean_false():
    assert run(meeting(is_external=True), {"record_external": True}).rule == "record_external"
    assert run(meeting(), {"record_external": True}).rule == "no_preference_matched"
    assert run(meeting(), {"record_external": None, "record_internal": True}).record


def test_extra_preference_keys_are_ignored():
    p = {**ALL, "id": "3fa85f64", "bot_name": "Notetaker"}
    assert run(meeting(), p).record


def test_non_boolean_preference_is_rejected():
    with pytest.raises(TypeError, match="record_external must be a boolean"):
        run(meeting(), {"record_external": "false"})


@pytest.mark.parametrize(
    ("pref", "fact", "matching", "not_matching"),
    [
        ("record_non_host", "is_hosted_by_me", False, True),
        ("record_external", "is_external", True, False),
        ("record_internal", "is_external", False, True),
        ("record_recurring", "is_recurring", True, False),
    ],
)
def test_each_base_preference_alone(pref, fact, matching, not_matching):
    yes = run(meeting(**{fact: matching}), prefs(pref))
    no = run(meeting(**{fact: not_matching}), prefs(pref))
    assert (yes.record, yes.rule) == (True, pref)
    assert (no.record, no.rule) == (False, "no_preference_matched")
    assert pref in no.reason


def test_base_preferences_are_or_ed():
    p = prefs("record_external", "record_recurring")
    assert run(meeting(is_external=True, is_recurring=False), p).rule == "record_external"
    assert run(meeting(is_external=False, is_recurring=True), p).rule == "record_recurring"
    d = run(meeting(is_external=False, is_recurring=False), p)
    assert d.rule == "no_preference_matched"
    assert "record_external" in d.reason and "record_recurring" in d.reason


def test_first_matching_base_preference_names_the_rule():
    p = prefs(*BASE_PREFERENCES)
    m = meeting(is_hosted_by_me=False, is_external=True, is_recurring=True)
    assert run(m, p).rule == "record_non_host"
    assert run(meeting(is_hosted_by_me=True, is_recurring=True), p).rule == "record_internal"


def test_confirmed_filter_is_and_ed_on_top():
    p = prefs("record_internal", "record_confirmed")
    tentative = meeting(attendees=[{"email": ME, "status": "tentative", "is_organizer": False}])
    d = run(tentative, p)
    assert (d.record, d.rule) == (False, "filter_confirmed")
    assert "response is tentative" in d.reason
    assert run(meeting(), p).rule == "record_internal"


def test_only_host_filter_is_and_ed_on_top():
    p = prefs("record_internal", "record_only_host")
    d = run(meeting(is_hosted_by_me=False), p)
    assert (d.record, d.rule) == (False, "filter_only_host")
    assert "boss@acme.test" in d.reason
    assert run(meeting(is_hosted_by_me=True), p).record


def test_filter_does_not_rescue_an_unmatched_meeting():
    p = prefs("record_external", "record_only_host")
    d = run(meeting(is_hosted_by_me=True, is_external=False), p)
    assert (d.record, d.rule) == (False, "no_preference_matched")


def test_non_host_with_only_host_can_never_record():
    p = prefs("record_non_host", "record_only_host")
    assert run(meeting(is_hosted_by_me=False), p).rule == "filter_only_host"
    assert run(meeting(is_hosted_by_me=True), p).rule == "no_preference_matched"


def _status(m: dict[str, Any], email: str | None) -> str | None:
    """The connected account's response, transcribed from the brief: the attendee row whose
    email matches (case-insensitively); the host counts as accepted when there is no such row."""
    if email:
        for row in m.get("attendees") or []:
            if (row.get("email") or "").lower() == email.lower():
                return row.get("status")
    return "accepted" if m.get("is_hosted_by_me") else None


def _documented(m: dict[str, Any], p: dict[str, bool], email: str | None) -> bool:
    """The reference document's pseudo-code for will_record (§4.3), after the prerequisites."""
    if m["override_should_record"] is not None:
        return m["override_should_record"]
    base = (
        (p["record_non_host"] and not m["is_hosted_by_me"])
        or (p["record_external"] and m["is_external"])
        or (p["record_internal"] and not m["is_external"])
        or (p["record_recurring"] and m["is_recurring"])
    )
    if not base:
        return False
    if p["record_confirmed"] and _status(m, email) != "accepted":
        return False
    return not (p["record_only_host"] and not m["is_hosted_by_me"])


RESPONSES = {
    "accepted": [{"email": "ME@acme.test", "status": "accepted", "is_organizer": False}],
    "declined": [{"email": ME, "status": "declined", "is_organizer": False}],
    "no row": [{"email": "boss@acme.test", "status": "accepted", "is_organizer": True}],
}


def test_every_combination_matches_the_documented_pseudo_code():
    checked = set()
    for flags in itertools.product([False, True], repeat=len(PREFERENCE_KEYS)):
        p = dict(zip(PREFERENCE_KEYS, flags, strict=True))
        for hosted, external, recurring, override, response in itertools.product(
            [False, True], [False, True], [False, True], [None, True, False], RESPONSES
        ):
            m = meeting(
                is_hosted_by_me=hosted,
                is_external=external,
                is_recurring=recurring,
                override_should_record=override,
                attendees=RESPONSES[response],
            )
            d = run(m, p)
            assert d.record == _documented(m, p, ME), (p, m)
            assert d.record == (d.rule in RECORDING_RULES)
            checked.add(d.rule)
    assert checked == set(RULES) - {"no_meeting_link", "missing_time", "ended"}


# --- the connected account's response --------------------------------------------------------


def test_my_row_is_found_case_insensitively():
    m = meeting(attendees=[{"email": " Me@ACME.test ", "status": "accepted"}])
    assert run(m, prefs("record_internal", "record_confirmed"), email="mE@acme.TEST").record


def test_host_without_attendee_row_counts_as_accepted():
    m = meeting(
        is_hosted_by_me=True,
        organizer_email=ME,
        attendees=[{"email": "colleague@acme.test", "status": "declined"}],
    )
    d = run(m, prefs("record_internal", "record_confirmed"))
    assert (d.record, d.rule) == (True, "record_internal")
    assert "no attendee row, which counts as accepted" in d.reason


def test_host_with_a_declined_row_is_not_accepted():
    m = meeting(is_hosted_by_me=True, attendees=[{"email": ME, "status": "declined"}])
    assert run(m, prefs("record_internal", "record_confirmed")).rule == "filter_confirmed"


def test_non_host_without_a_row_is_not_accepted():
    m = meeting(attendees=[])
    d = run(m, prefs("record_internal", "record_confirmed"))
    assert d.rule == "filter_confirmed" and f"({ME}) has no attendee row" in d.reason


def test_unknown_connected_email():
    p = prefs("record_internal", "record_confirmed")
    d = run(meeting(), p, email=None)
    assert d.rule == "filter_confirmed" and "email is not known" in d.reason
    # The host still counts as accepted: no row can be found for it.
    assert run(meeting(is_hosted_by_me=True), p, email=None).record
    assert run(meeting(is_hosted_by_me=True), p, email="  ").record


def test_attendees_without_email_are_skipped():
    rows = [
        {"name": "Room", "email": None, "status": "accepted"},
        {"name": "Ghost", "status": "accepted"},
        {"name": "Blank", "email": "", "status": "accepted"},
        {"email": ME, "status": "tentative"},
    ]
    d = run(meeting(attendees=rows), prefs("record_internal", "record_confirmed"))
    assert d.rule == "filter_confirmed" and "tentative" in d.reason


def test_missing_status_reads_as_not_accepted():
    d = run(
        meeting(attendees=[{"email": ME, "status": None}]),
        prefs("record_internal", "record_confirmed"),
    )
    assert d.rule == "filter_confirmed" and "response is not given" in d.reason


def test_first_row_for_my_email_wins():
    rows = [{"email": ME, "status": "declined"}, {"email": ME.upper(), "status": "accepted"}]
    assert run(meeting(attendees=rows), prefs("record_internal", "record_confirmed")).rule == (
        "filter_confirmed"
    )


# --- external attendee named in the reason ---------------------------------------------------


def test_external_reason_names_an_outside_attendee():
    m = meeting(
        is_external=True,
        organizer_email="Boss@ACME.test",
        attendees=[
            {"email": "colleague@acme.TEST", "status": "accepted"},
            {"email": None, "status": "accepted"},
            {"email": "buyer@customer.example", "status": "accepted"},
        ],
    )
    d = run(m, prefs("record_external"))
    assert d.rule == "record_external"
    assert "buyer@customer.example" in d.reason and "acme.test" in d.reason
    assert "colleague" not in d.reason


def test_external_reason_uses_attendee_emails_and_organizer_row():
    m = meeting(
        is_external=True,
        organizer_email=None,
        attendees=[{"email": "boss@acme.test", "is_organizer": True, "status": "accepted"}],
        attendee_emails=["boss@acme.test", "guest@other.example"],
    )
    assert "guest@other.example" in run(m, prefs("record_external")).reason


def test_external_flag_comes_from_recall_even_without_visible_outsiders():
    m = meeting(is_external=True, attendees=[], attendee_emails=[])
    d = run(m, prefs("record_external"))
    assert (d.record, d.rule) == (True, "record_external")
    assert "Recall reports the meeting as external" in d.reason
    # ...and an outside domain that Recall does not flag does not make it external.
    m = meeting(is_external=False, attendee_emails=["x@elsewhere.example"])
    assert run(m, prefs("record_external")).rule == "no_preference_matched"


def test_internal_miss_names_the_outside_attendee():
    m = meeting(is_external=True, attendee_emails=["boss@acme.test", "vendor@supplier.example"])
    d = run(m, prefs("record_internal"))
    assert d.rule == "no_preference_matched" and "vendor@supplier.example" in d.reason


def test_meeting_flags_of_wrong_type_are_rejected():
    with pytest.raises(TypeError, match="is_external must be a boolean"):
        run(meeting(is_external="yes"))


def test_absent_meeting_flags_read_as_false():
    m = meeting()
    for name in ("is_external", "is_hosted_by_me", "is_recurring"):
        del m[name]
    assert run(m, prefs("record_non_host")).rule == "record_non_host"
    assert run(m, prefs("record_recurring")).rule == "no_preference_matched"


# --- presets -------------------------------------------------------------------------------


def test_presets_are_the_documented_flag_sets():
    on = {name: {k for k, v in flags.items() if v} for name, flags in PRESETS.items()}
    assert on == {
        "record all": {"record_external", "record_internal"},
        "only internal": {"record_internal"},
        "only external": {"record_external"},
        "only meetings I host": {"record_external", "record_internal", "record_only_host"},
        "only meetings I accepted": {"record_external", "record_internal", "record_confirmed"},
    }
    assert all(set(flags) == set(PREFERENCE_KEYS) for flags in PRESETS.values())
    with pytest.raises(TypeError):
        PRESETS["record all"]["record_non_host"] = True  # type: ignore[index]


SAMPLES = {
    "internal, hosted by me": meeting(is_hosted_by_me=True, organizer_email=ME),
    "internal, someone else's, accepted": meeting(),
    "external, someone else's, tentative": meeting(
        is_external=True, attendees=[{"email": ME, "status": "tentative"}]
    ),
    "external, hosted by me, no row": meeting(is_external=True, is_hosted_by_me=True, attendees=[]),
}


@pytest.mark.parametrize(
    ("preset", "recorded"),
    [
        ("record all", set(SAMPLES)),
        ("only internal", {"internal, hosted by me", "internal, someone else's, accepted"}),
        (
            "only external",
            {"external, someone else's, tentative", "external, hosted by me, no row"},
        ),
        ("only meetings I host", {"internal, hosted by me", "external, hosted by me, no row"}),
        (
            "only meetings I accepted",
            {
                "internal, hosted by me",
                "internal, someone else's, accepted",
                "external, hosted by me, no row",
            },
        ),
    ],
)
def test_each_preset_records_what_its_name_says(preset, recorded):
    got = {name for name, m in SAMPLES.items() if run(m, PRESETS[preset]).record}
    assert got == recorded
    assert preset_name(PRESETS[preset]) == preset


def test_preset_name_of_a_custom_combination_is_none():
    assert preset_name(prefs("record_recurring")) is None
    assert preset_name({"record_internal": True}) == "only internal"


def test_literal_and_reading_would_break_the_record_all_preset(monkeypatch):
    # The named place for the combination rule: switching it changes behaviour everywhere.
    monkeypatch.setattr(preferences_module, "BASE_COMBINATION", "all")
    assert run(meeting(), PRESETS["record all"]).rule == "no_preference_matched"
    p = prefs("record_external", "record_recurring")
    assert run(meeting(is_external=True, is_recurring=True), p).rule == "record_external"
    assert not run(meeting(is_external=True, is_recurring=False), p).record


def test_read_preferences_accepts_model_like_objects():
    class Model:
        def model_dump(self) -> dict[str, Any]:
            return {"record_internal": True, "bot_name": "x"}

    assert read_preferences(Model()).enabled_base == ("record_internal",)
    with pytest.raises(TypeError):
        read_preferences(["record_internal"])  # type: ignore[arg-type]


# --- decision and trace ----------------------------------------------------------------------


def test_reason_is_one_sentence():
    cases = [
        meeting(zoom_invite=None),
        meeting(end_time=None),
        meeting(end_time="2026-03-02T14:00:00Z"),
        meeting(override_should_record=True),
        meeting(is_external=True, attendee_emails=["a@b.example"]),
    ]
    for m in cases:
        reason = run(m, prefs("record_external", "record_confirmed")).reason
        assert reason.endswith(".") and reason.count(". ") == 0 and reason[0].isupper()


def test_decisions_compare_by_outcome_only():
    assert run(meeting()) == run(meeting())
    assert "Decision(record=True" in repr(run(meeting()))
    assert Decision(True, "override_true", "x").trace == ()


def test_trace_walks_every_check_in_order():
    d = run(
        meeting(is_external=True), prefs("record_external", "record_recurring", "record_confirmed")
    )
    checks = [(s.check, s.outcome) for s in d.trace]
    assert checks == [
        ("has_join_link", "passed"),
        ("has_start_and_end", "passed"),
        ("not_ended", "passed"),
        ("override_should_record", "skipped"),
        ("record_non_host", "skipped"),
        ("record_external", "passed"),
        ("record_internal", "skipped"),
        ("record_recurring", "failed"),
        ("record_confirmed", "passed"),
        ("record_only_host", "skipped"),
    ]
    assert dict(d.trace[0].facts)["join_url"] == "https://zoom.us/j/84512345678"
    assert dict(d.trace[8].facts)["status"] == "accepted"


def test_trace_skips_everything_after_the_deciding_check():
    d = run(meeting(end_time=None, override_should_record=True))
    outcomes = {s.check: s.outcome for s in d.trace}
    assert outcomes["has_join_link"] == "passed"
    assert outcomes["has_start_and_end"] == "failed"
    assert {outcomes[c] for c in list(outcomes)[2:]} == {"skipped"}
    assert len(d.trace) == 10


def test_trace_is_computed_once_and_matches_the_decision():
    d = run(meeting(override_should_record=False))
    assert d.trace is d.trace
    failed = [s.check for s in d.trace if s.outcome == "failed"]
    assert failed == ["override_should_record"]


def test_every_reason_template_is_a_sentence_over_known_fields():
    # Every rule under every categorical variant and preference set yields a usable template.
    for flags in itertools.product([False, True], repeat=len(PREFERENCE_KEYS)):
        p = read_preferences(dict(zip(PREFERENCE_KEYS, flags, strict=True)))
        for rule in RULES:
            for link, times, primary, named, response in itertools.product(
                [0, 1], [0, 1, 2], range(4), [False, True], range(4)
            ):
                key = reasons.ReasonKey(link, times, primary, 0, named, response)
                if rule == "no_preference_matched" and not p.enabled_base:
                    continue  # unreachable: with no base preference the rule is another one
                template = reasons.reason_template(rule, key, p)
                fields = {f for _, f in reasons.template_parts(template) if f}
                assert fields <= set(reasons.FIELDS), (rule, key)
                text = reasons.fill(template, {f: "x@y.example" for f in reasons.FIELDS})
                assert text[0].isupper() and text.endswith("."), text
