"""The bot's outcome in words: categories, sub codes, fixes and where they live."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from lib.bots.codes import SUB_CODES, sub_code_info
from lib.bots.outcome import outcome, recording_words, what_happened
from lib.recall.bots import parse_bot
from tests.unit.test_bot_client import BOT_ID, v110, v111


def changes(*items: tuple[str, str | None, str]) -> list[dict[str, Any]]:
    return [{"code": c, "sub_code": s, "created_at": f"2026-03-02T{t}Z"} for c, s, t in items]


def test_the_waiting_room_answer_joins_both_halves_and_names_the_preset_field() -> None:
    bot = parse_bot(v111(automatic_leave={}))
    answer = what_happened(bot, tz=UTC, bot_id=BOT_ID, scheduled_rule="record_external")
    assert answer.sentence.startswith(
        "Recall scheduled a bot (rule: record_external). It joined at 09:58, waited in the "
        "waiting room for 20 min and left (timeout_exceeded_waiting_room"
    )
    assert "Fix: ask the host to admit the bot from the waiting room" in answer.sentence
    assert "automatic_leave.waiting_room_timeout in the bot preset (now 1200 s" in answer.sentence
    assert answer.fix_by == "preset"
    assert answer.preset_field == "automatic_leave.waiting_room_timeout"
    assert answer.outcome is not None and answer.outcome.category == "joined_not_recorded"


def test_the_bots_own_timeout_is_quoted_when_it_has_one() -> None:
    answer = what_happened(parse_bot(v111()), tz=UTC, bot_id=BOT_ID)
    assert "(now 900 s)" in answer.sentence


def test_a_meeting_with_no_bot_says_so() -> None:
    answer = what_happened(None, tz=UTC, bot_id=None)
    assert "did not schedule a bot" in answer.sentence


def test_a_deleted_bot_says_so() -> None:
    answer = what_happened(
        None, tz=UTC, bot_id=BOT_ID, scheduled_rule="override_true", lookup_problem="Gone."
    )
    assert answer.sentence == "Recall scheduled a bot (rule: override_true). Gone."


def test_a_legacy_bot_is_explained_and_flagged() -> None:
    answer = what_happened(parse_bot(v110()), tz=UTC, bot_id=BOT_ID)
    assert "recorded from 09:59 for 31 min" in answer.sentence
    assert "call_ended_by_host: the host ended the meeting" in answer.sentence
    assert "v1.10" in answer.sentence
    assert answer.fix is None
    assert outcome(parse_bot(v110())).ok


def test_an_unknown_sub_code_is_shown_raw_with_words() -> None:
    body = v111(
        status_changes=changes(
            ("joining_call", None, "09:58:00"),
            ("in_call_recording", None, "09:59:00"),
            ("call_ended", "timeout_exceeded_hologram", "10:10:00"),
        )
    )
    answer = what_happened(parse_bot(body), tz=UTC, bot_id=BOT_ID)
    assert "timeout_exceeded_hologram, a sub code the console does not know yet" in answer.sentence
    assert answer.fix is not None and "Unknown sub code" in answer.fix


def test_an_unknown_status_code_is_shown_raw() -> None:
    body = v111(
        status_changes=changes(("joining_call", None, "09:58:00"), ("teleporting", None, "09:59"))
    )
    answer = what_happened(parse_bot(body), tz=UTC, bot_id=BOT_ID)
    assert "teleporting" in answer.sentence and "does not know yet" in answer.sentence


def test_a_zoom_denial_names_the_host_setting() -> None:
    body = v111(
        status_changes=changes(
            ("joining_call", None, "09:58:00"),
            ("in_call_not_recording", None, "09:58:30"),
            ("recording_permission_denied", "zoom_local_recording_disabled", "09:59:00"),
            ("call_ended", "timeout_exceeded_recording_permission_denied", "09:59:30"),
        ),
        recordings=[],
    )
    bot = parse_bot(body)
    result = outcome(bot)
    assert (result.category, result.sub_code) == (
        "joined_not_recorded",
        "zoom_local_recording_disabled",
    )
    answer = what_happened(bot, tz=UTC, bot_id=BOT_ID)
    assert "was refused permission to record (zoom_local_recording_disabled" in answer.sentence
    assert "the meeting host's setting" in answer.sentence
    assert answer.fix_by == "host" and answer.preset_field is None
    assert recording_words(bot) == "No recording."


def test_a_fatal_sub_code_is_a_failure_with_its_fix() -> None:
    body = v111(
        status_changes=changes(
            ("joining_call", None, "09:58:00"),
            ("fatal", "meeting_password_incorrect", "09:58:10"),
            ("done", None, "09:58:20"),
        ),
        recordings=[],
    )
    result = outcome(parse_bot(body))
    assert (result.category, result.reason_key, result.ok) == (
        "failed",
        "meeting_password_incorrect",
        False,
    )
    answer = what_happened(parse_bot(body), tz=UTC, bot_id=BOT_ID)
    assert "could not join (meeting_password_incorrect" in answer.sentence
    assert "?pwd=" in answer.sentence


def test_a_scheduled_bot_says_when_it_joins() -> None:
    body = v111(
        join_at="2026-03-09T09:58:00Z",
        status_changes=changes(("ready", None, "2026-03-01T09:00:00"[11:])),
        recordings=[],
    )
    answer = what_happened(parse_bot(body), tz=UTC, bot_id=BOT_ID, scheduled_rule="record_internal")
    assert "It is scheduled to join at 09:58" in answer.sentence
    assert outcome(parse_bot(body)).category == "scheduled"


def test_recording_words_give_statuses_not_links() -> None:
    words = recording_words(parse_bot(v111()))
    assert words == "Recording done (video mixed: done, transcript: failed, audio mixed: none)."


@pytest.mark.parametrize("sub_code", sorted(SUB_CODES))
def test_every_preset_fix_names_a_field_and_every_fix_says_who(sub_code: str) -> None:
    info = sub_code_info(sub_code)
    assert info is not None and info.meaning
    if info.fix_by == "preset":
        assert info.preset_field and info.fix
    if info.fix is not None:
        assert info.fix_by != "none"
