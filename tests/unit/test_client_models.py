"""The Calendar V1 models: documented samples parse, unknown fields survive, helpers work."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from lib.recall import CalendarMeeting, CalendarUser, Preferences
from lib.recall.invites import join_url

# The reference's calendar_user_retrieve sample, with a second connection added.
USER_SAMPLE = {
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "external_id": "string",
    "connections": [
        {"connected": True, "platform": "google", "email": "a@example.com", "id": "g1"},
        {"connected": False, "platform": "microsoft", "email": None, "id": None},
    ],
    "preferences": {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "record_non_host": True,
        "record_recurring": True,
        "record_external": True,
        "record_internal": True,
        "record_confirmed": True,
        "record_only_host": True,
        "bot_name": "string",
    },
}

# The reference's calendar_meetings_retrieve sample (placeholder values verbatim) plus the two
# newer fields and one field no version documents.
MEETING_SAMPLE = {
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "override_should_record": True,
    "title": "string",
    "description": "",
    "will_record": True,
    "will_record_reason": "string",
    "start_time": "2025-06-10T18:55:04.441Z",
    "end_time": "2025-06-10T20:55:04.441+02:00",
    "platform": "string",
    "platform_id": "string",
    "meeting_platform": "string",
    "calendar_platform": "string",
    "zoom_invite": {"meeting_id": "string", "meeting_password": "string"},
    "teams_invite": {
        "organizer_id": "string",
        "tenant_id": "string",
        "message_id": "string",
        "thread_id": "string",
    },
    "meet_invite": {"meeting_id": "string"},
    "webex_invite": {
        "meeting_subdomain": "string",
        "meeting_path": "string",
        "meeting_mtid": "string",
        "meeting_personal_room_id": "string",
    },
    "goto_meeting_invite": None,
    "bot_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "is_external": True,
    "is_hosted_by_me": True,
    "is_recurring": True,
    "organizer_email": "string",
    "attendee_emails": ["string"],
    "attendees": [
        {"name": "string", "email": "string", "is_organizer": True, "status": "accepted"}
    ],
    "ical_uid": "string",
    "visibility": "string",
    "future_field": {"kept": [1, 2]},
}


def test_user_sample_parses_with_helpers() -> None:
    user = CalendarUser.model_validate(USER_SAMPLE)
    assert user.external_id == "string"
    assert user.connection("google") is not None
    assert user.connection("google").email == "a@example.com"
    assert user.connection("microsoft").connected is False
    assert user.connection("zoom") is None
    assert user.connected_platforms == ("google",)
    assert user.is_connected
    assert all(user.preferences.flags().values())


def test_user_round_trips_through_v1_json() -> None:
    user = CalendarUser.model_validate(USER_SAMPLE)
    assert user.to_v1() == USER_SAMPLE
    assert CalendarUser.model_validate(user.to_v1()) == user


def test_missing_or_null_preferences_mean_all_false() -> None:
    bare = CalendarUser.model_validate({"id": "x", "preferences": None, "connections": None})
    assert bare.preferences == Preferences()
    assert not any(bare.preferences.flags().values())
    assert bare.connections == []
    assert bare.connected_platforms == ()
    partial = Preferences.model_validate({"record_external": True, "record_internal": None})
    assert partial.record_external is True
    assert partial.record_internal is False
    assert partial.bot_name is None


def test_meeting_sample_parses_and_round_trips_with_unknown_fields() -> None:
    meeting = CalendarMeeting.model_validate(MEETING_SAMPLE)
    assert meeting.future_field == {"kept": [1, 2]}  # type: ignore[attr-defined]
    assert meeting.attendees[0].status == "accepted"
    again = CalendarMeeting.model_validate(meeting.to_v1())
    assert again == meeting
    assert again.to_v1()["future_field"] == {"kept": [1, 2]}


def test_meeting_datetimes_are_aware_utc() -> None:
    meeting = CalendarMeeting.model_validate(MEETING_SAMPLE)
    assert meeting.start_time == datetime(2025, 6, 10, 18, 55, 4, 441000, tzinfo=UTC)
    # +02:00 converted, not dropped.
    assert meeting.end_time == datetime(2025, 6, 10, 18, 55, 4, 441000, tzinfo=UTC)
    assert meeting.end_time.utcoffset().total_seconds() == 0
    naive = CalendarMeeting.model_validate({"id": "m", "start_time": "2026-01-05T09:00:00"})
    assert naive.start_time == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert naive.end_time is None


def test_meeting_join_url_matches_the_shared_derivation() -> None:
    meeting = CalendarMeeting.model_validate(MEETING_SAMPLE)
    assert meeting.join_url == join_url(MEETING_SAMPLE)
    assert meeting.join_url.startswith("https://zoom.us/j/string")
    meet = CalendarMeeting.model_validate(
        {"id": "m", "meet_invite": {"meeting_id": "abc-defg-hij"}}
    )
    assert meet.join_url == "https://meet.google.com/abc-defg-hij"
    assert CalendarMeeting.model_validate({"id": "m"}).join_url is None


def test_minimal_meeting_gets_documented_defaults() -> None:
    meeting = CalendarMeeting.model_validate(
        {"id": "m", "is_external": None, "attendees": None, "attendee_emails": None}
    )
    assert meeting.override_should_record is None
    assert meeting.will_record is False
    assert meeting.is_external is False
    assert meeting.attendees == []
    assert meeting.attendee_emails == []


def test_models_are_frozen_and_reject_wrong_types() -> None:
    meeting = CalendarMeeting.model_validate({"id": "m"})
    with pytest.raises(ValidationError):
        meeting.title = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        CalendarMeeting.model_validate({"id": "m", "will_record": "perhaps"})
    with pytest.raises(ValidationError):
        CalendarUser.model_validate({"external_id": "no id"})
    # model_copy is how callers derive "what if" variants.
    changed = meeting.model_copy(update={"override_should_record": False})
    assert changed.override_should_record is False


def test_to_v1_does_not_share_state_with_the_model() -> None:
    meeting = CalendarMeeting.model_validate(copy.deepcopy(MEETING_SAMPLE))
    dumped = meeting.to_v1()
    dumped["meet_invite"]["meeting_id"] = "changed"
    assert meeting.meet_invite == {"meeting_id": "string"}
