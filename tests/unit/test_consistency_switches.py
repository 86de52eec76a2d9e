"""The console copes with a Recall that behaves otherwise where the docs are silent (the
sandbox's switches): every disagreement between Recall's ``will_record`` and the rules gets a
likely cause in words, and a bot shared across calendar platforms is named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from lib.account_view import meetings_table
from lib.autorecord import consistency as c
from lib.autorecord.engine import Decision
from lib.directory import users_frame_from_v1
from lib.recall import RecallClient
from lib.sandbox.server import RunningSandbox

USERS = 12


@pytest.fixture
def open_sandbox(
    make_sandbox: Callable[..., RunningSandbox],
) -> Iterator[Callable[..., tuple[RecallClient, pd.DataFrame]]]:
    clients: list[RecallClient] = []

    def _open(**switches: Any) -> tuple[RecallClient, pd.DataFrame]:
        running = make_sandbox(users=USERS, heavy_user_meetings=0, **switches)
        client = RecallClient(running.base_url, running.api_key)
        clients.append(client)
        return client, users_frame_from_v1(client.list_users_v1())

    yield _open
    for client in clients:
        client.close()


def tables(client: RecallClient, directory: pd.DataFrame) -> dict[str, pd.DataFrame]:
    now = datetime.now(UTC)
    out = {}
    for user_id in directory.index:
        user = client.get_user(user_id)
        out[user_id] = meetings_table(
            user, client.list_meetings(user_id), now=now, directory=directory
        )
    return out


def disagreements(by_user: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([t[t["mismatch"]] for t in by_user.values()])


def test_by_default_recall_and_the_rules_agree(open_sandbox) -> None:
    client, directory = open_sandbox()
    assert disagreements(tables(client, directory)).empty


def test_base_preferences_combined_with_and_are_named_as_the_cause(open_sandbox) -> None:
    client, directory = open_sandbox(base_preferences="all")
    found = disagreements(tables(client, directory))
    assert len(found) > 0
    assert set(found["mismatch_kind"]) == {c.BASE_PREFERENCES_ALL}
    assert not found["recall_will_record"].any() and found["engine_record"].all()
    sample = found["mismatch_cause"].iloc[0]
    assert "Recall may require every enabled preference to match (AND)" in sample
    assert "does not match record_" in sample


def test_all_day_events_with_an_end_time_are_named_as_the_cause(open_sandbox) -> None:
    client, directory = open_sandbox(all_day_end_time="end-of-day")
    found = disagreements(tables(client, directory))
    assert len(found) > 0
    assert set(found["mismatch_kind"]) == {c.ALL_DAY_EVENT}
    assert all("all-day event" in text for text in found["mismatch_cause"])


def test_a_bot_shared_across_calendar_platforms_names_the_other_calendars(open_sandbox) -> None:
    client, directory = open_sandbox(dedup_key="link-only")
    by_user = tables(client, directory)
    assert disagreements(by_user).empty
    # Recall's one bot per join link: the same bot id on a Google and a Microsoft copy.
    copies: dict[str, list[tuple[str, Any]]] = {}
    for user_id in directory.index:
        for meeting in client.list_meetings(user_id):
            if meeting.bot_id:
                copies.setdefault(meeting.bot_id, []).append((user_id, meeting))
    crossing = [v for v in copies.values() if len({m.calendar_platform for _, m in v}) > 1]
    assert crossing, "the seeded workspace has meetings shared across calendar platforms"
    email_of = {
        (uid, platform): str(directory.loc[uid, f"{platform}_email"]).lower()
        for uid in directory.index
        for platform in ("google", "microsoft")
    }
    checked = 0
    for group in crossing:
        for user_id, meeting in group:
            invited = {e.lower() for e in meeting.attendee_emails}
            # The console finds other calendars through the attendee list (a group address
            # such as everyone@ hides them): each one found there is named.
            findable = {
                uid
                for uid, other in group
                if other.calendar_platform != meeting.calendar_platform
                and email_of[(uid, other.calendar_platform)] in invited
            }
            named = set(
                filter(None, by_user[user_id].loc[meeting.id, "bot_shared_across"].split(", "))
            )
            assert findable <= named, (user_id, meeting.id, findable, named)
            checked += len(findable)
    assert checked > 0


def _decision(record: bool, rule: str) -> Decision:
    return Decision(record=record, rule=rule, reason="")


def test_the_and_cause_needs_a_partly_matched_meeting() -> None:
    meeting = {
        "will_record": False,
        "start_time": "2030-01-07T10:00:00Z",
        "end_time": "2030-01-07T10:30:00Z",
        "is_external": False,
        "is_recurring": False,
        "is_hosted_by_me": True,
    }
    now = datetime(2030, 1, 1, tzinfo=UTC)
    both = {"record_internal": True, "record_recurring": True}
    found = c.check_consistency(
        meeting, _decision(True, "record_internal"), now=now, preferences=both
    )
    assert found.cause == c.BASE_PREFERENCES_ALL
    assert "matches record_internal" in found.detail and "record_recurring" in found.detail
    # One base preference on: AND and OR are the same, so that is not the cause.
    alone = c.check_consistency(
        meeting, _decision(True, "record_internal"), now=now, preferences={"record_internal": True}
    )
    assert alone.cause == c.UNKNOWN


@pytest.mark.parametrize(
    ("start", "end", "all_day"),
    [
        ("2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", True),
        ("2030-01-07T00:00:00Z", "2030-01-07T23:59:59Z", True),
        ("2030-01-07T00:00:00Z", "2030-01-10T00:00:00Z", True),
        ("2030-01-07T00:00:00Z", "2030-01-07T01:00:00Z", False),
        ("2030-01-07T09:00:00Z", "2030-01-08T09:00:00Z", False),
    ],
)
def test_the_all_day_cause_needs_whole_days_from_midnight(
    start: str, end: str, all_day: bool
) -> None:
    meeting = {"will_record": False, "start_time": start, "end_time": end}
    found = c.check_consistency(
        meeting, _decision(True, "record_internal"), now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert (found.cause == c.ALL_DAY_EVENT) is all_day
