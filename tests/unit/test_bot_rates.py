"""Meeting links pasted by staff, and failure rates by sub code across a cohort."""

from __future__ import annotations

from typing import Any

import pytest

from lib.bots.links import parse_meeting_link
from lib.bots.rates import outcome_rates
from lib.recall.bots import parse_bot
from tests.unit.test_bot_client import v111


@pytest.mark.parametrize(
    ("text", "platform", "meeting_id"),
    [
        ("https://zoom.us/j/81234567890?pwd=abc", "zoom", "81234567890"),
        ("https://corp.zoom.us/j/81234567890", "zoom", "81234567890"),
        ("meet.google.com/abc-defg-hij", "google_meet", "abc-defg-hij"),
        (
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context=%7b%7d",
            "microsoft_teams",
            "19:meeting_X@thread.v2",
        ),
        ("https://northwind.webex.com/meet/ann", "webex", "ann"),
        ("https://northwind.webex.com/northwind/j.php?MTID=m0123", "webex", "m0123"),
    ],
)
def test_links_of_each_platform_are_recognised(text: str, platform: str, meeting_id: str) -> None:
    link = parse_meeting_link(text)
    assert link is not None
    assert (link.platform, link.meeting_id) == (platform, meeting_id)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://example.com/j/81234567890",
        "https://meet.google.com/",
        "ftp://zoom.us/j/1",
    ],
)
def test_anything_else_is_not_a_meeting_link(text: str) -> None:
    assert parse_meeting_link(text) is None


def bot(bot_id: str, user: str, *changes: tuple[str, str | None]) -> Any:
    body = v111(
        id=bot_id,
        recordings=[],
        status_changes=[
            {"code": code, "sub_code": sub, "created_at": f"2026-03-02T10:{i:02d}:00Z"}
            for i, (code, sub) in enumerate(changes)
        ],
        calendar_meetings=[{"id": f"m-{bot_id}", "calendar_user": {"external_id": user}}],
    )
    return parse_bot(body)


NORMAL = (("joining_call", None), ("in_call_recording", None), ("call_ended", "call_ended_by_host"))
WAITING = (
    ("joining_call", None),
    ("in_waiting_room", None),
    ("call_ended", "timeout_exceeded_waiting_room"),
)


def test_rates_by_sub_code_over_the_cohorts_finished_bots() -> None:
    bots = [
        *(bot(f"n{i}", "u1", *NORMAL) for i in range(6)),
        bot("w1", "u1", *WAITING),
        bot("w2", "u2", *WAITING),
        bot("f1", "u2", ("joining_call", None), ("fatal", "meeting_password_incorrect")),
        bot("x1", "u3", *WAITING),  # not in the cohort
        bot("r1", "u1", ("ready", None)),  # not finished: not in the denominator
    ]
    rates = outcome_rates(bots, ["u1", "u2"])
    assert (rates.bots, rates.finished, rates.recorded, rates.failed) == (10, 9, 6, 3)
    first = rates.by_reason.iloc[0]
    assert (first["why"], first["bots"]) == ("timeout_exceeded_waiting_room", 2)
    assert first["share"] == pytest.approx(2 / 9)
    assert rates.headline() == (
        "22% of 9 finished bots ended because nobody admitted the bot from the waiting room in "
        "time (timeout_exceeded_waiting_room)."
    )
    everyone = outcome_rates(bots)
    assert everyone.failed == 4


def test_no_failures_has_no_headline() -> None:
    rates = outcome_rates([bot("n1", "u1", *NORMAL)])
    assert rates.by_reason.empty and rates.headline() is None
