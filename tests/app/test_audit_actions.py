"""One row per action on the audit page and the Activity tab: an attempt and its outcome folded
together, refusals in words, meetings named, before/after as a readable diff, times in the
display zone, the raw events behind a control."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from lib.audit import AuditStore, NewEvent, Outcome
from lib.audit.keys import sandbox_key
from lib.staff import Role
from lib.ui.account_activity import SK_ACTIVITY_TABLE_KEY
from lib.ui.audit.rows import (
    ActionRow,
    State,
    action_words,
    error_words,
    fold_events,
    readable_change,
    target_words,
)
from lib.ui.state import SK_AUDIT_TABLE_KEY
from tests.app.test_account_helpers import open_account, texts
from tests.app.test_audit_page import PAGE

USER = "nw-000005"
MEETING = "3f2a9c1e-7b4d-4e2a-9c1e-000000000001"
OLD_MEETING = "9d8c7b6a-0000-4000-8000-000000000002"
START = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)
BERLIN = "Europe/Berlin"
INFO = {"kind": "meeting", "title": "Weekly sync with Acme", "start_time": START}


def seed_actions(data_dir: Path) -> None:
    """An override that went through (attempt + ok), a viewer's refused attempt, a conflict, an
    override recorded before titles were (no target_info), and a Recall failure."""
    common = {"user_id": USER, "reason": "customer asked", "ticket": "SUP-7"}
    with AuditStore(f"sqlite:///{data_dir / 'console.db'}", key=sandbox_key(data_dir)) as store:
        for outcome, after in (
            (Outcome.ATTEMPT, {"override_should_record": True}),
            (Outcome.OK, {"override_should_record": True, "will_record": True, "bot_id": "b-1"}),
        ):
            store.append(
                NewEvent(
                    actor_email="ed@console.example",
                    actor_role="editor",
                    action="meeting.override",
                    outcome=outcome,
                    target=MEETING,
                    target_info=INFO,
                    before={"override_should_record": None},
                    after=after,
                    request_id="req-done",
                    **common,
                )
            )
        store.append(
            NewEvent(
                actor_email="vera@console.example",
                actor_role="viewer",
                action="preferences.update",
                outcome=Outcome.FAILED,
                error_class="PermissionDeniedError",
                after={"record_external": True},
                request_id="req-refused",
                **common,
            )
        )
        store.append(
            NewEvent(
                actor_email="ed@console.example",
                actor_role="editor",
                action="meeting.override",
                outcome=Outcome.FAILED,
                error_class="ConflictError",
                target=OLD_MEETING,
                before={"override_should_record": False},
                after={"override_should_record": True},
                request_id="req-old",
                **common,
            )
        )
        for outcome, error in ((Outcome.ATTEMPT, None), (Outcome.FAILED, "RateLimitedError")):
            store.append(
                NewEvent(
                    actor_email="ed@console.example",
                    actor_role="editor",
                    action="preferences.update",
                    outcome=outcome,
                    error_class=error,
                    before={"record_external": False, "bot_name": "Notes"},
                    after={"record_external": True, "bot_name": "Meeting notes"},
                    request_id="req-failed",
                    **common,
                )
            )


def actions_table(at) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if {"Who", "Outcome"} <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def by_request(frame: pd.DataFrame) -> dict[str, dict]:
    """Rows keyed by what they are, for readable assertions."""
    return {row["Outcome"]: row for row in frame.to_dict("records")}


EXPECTED_OUTCOMES = [
    "Failed: Recall was limiting the request rate",
    "Refused: someone else changed it after the page was loaded",
    "Refused: the viewer role may not do this",
    "Done",
]


def assert_one_row_per_action(frame: pd.DataFrame) -> None:
    # Six events, four actions: the attempt and outcome of each write are one row.
    assert list(frame["Outcome"])[:4] == EXPECTED_OUTCOMES
    rows = by_request(frame)
    done = rows["Done"]
    assert done["Action"] == "Change a meeting's override"
    # Named by title and start, in the display zone (10:00 UTC is 11:00 in Berlin).
    assert done["Target"] == "Weekly sync with Acme · Wed 09 Dec 11:00"
    assert done["What changed"] == "override: Auto -> Always; bot will join: yes"
    old = rows["Refused: someone else changed it after the page was loaded"]
    assert old["Target"] == f"meeting {OLD_MEETING[:8]}…"
    failed = rows["Failed: Recall was limiting the request rate"]
    assert failed["What changed"] == (
        "bot name: “Notes” -> “Meeting notes”; record external: off -> on"
    )
    refused = rows["Refused: the viewer role may not do this"]
    assert refused["What changed"] == "record external: on"
    # No UUID or request id in the first view.
    shown = frame.astype(str).to_string()
    assert MEETING not in shown and "req-done" not in shown


# -- the audit page ----------------------------------------------------------------------------


def open_audit_page(console_app):
    at = console_app(Role.ADMIN, console={"display_timezone": BERLIN}).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_the_audit_page_shows_one_row_per_action_in_words(console_app, data_dir):
    seed_actions(data_dir)
    at = open_audit_page(console_app)
    frame = actions_table(at)
    assert_one_row_per_action(frame)
    assert "**4** matching actions" in texts(at)
    assert frame["Time"].iloc[-1].tzinfo is not None
    assert str(frame["Time"].iloc[-1].tzinfo) == BERLIN


def test_the_selected_action_shows_words_first_and_the_raw_events_behind_a_control(
    console_app, data_dir
):
    seed_actions(data_dir)
    at = open_audit_page(console_app)
    key = at.session_state[SK_AUDIT_TABLE_KEY]
    at.session_state[key] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    page = texts(at).replace("\\", "")
    assert "Change a meeting's override** · Done" in page
    assert "Weekly sync with Acme · Wed 09 Dec 11:00" in page
    raw = [e for e in at.expander if e.label.startswith("Raw")]
    assert raw, [e.label for e in at.expander]
    assert "req-done" in str([j.value for j in at.json])


# -- the Activity tab --------------------------------------------------------------------------


def test_the_activity_tab_shows_one_row_per_action_in_words(console_app, data_dir):
    seed_actions(data_dir)
    at = console_app(Role.VIEWER, console={"display_timezone": BERLIN}).run()
    open_account(at, USER)
    frame = actions_table(at)
    assert "User" not in frame.columns  # it is this account's own history
    # Opening the account is an action too, newest of all.
    assert frame["Action"].iloc[0] == "Open the account"
    assert_one_row_per_action(frame.iloc[1:])
    assert "one row each" in texts(at)


def test_the_activity_tab_keeps_raw_events_behind_the_selected_row(console_app, data_dir):
    seed_actions(data_dir)
    at = console_app(Role.VIEWER).run()
    open_account(at, USER)
    assert not [e for e in at.expander if e.label.startswith("Raw events")]
    key = at.session_state[SK_ACTIVITY_TABLE_KEY]
    at.session_state[key] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert "Refused: someone else changed it after the page was loaded" in texts(at).replace(
        "\\", ""
    )
    assert [e.label for e in at.expander if e.label.startswith("Raw events")] == ["Raw events (1)"]


# -- the words themselves ----------------------------------------------------------------------


def event(**fields) -> NewEvent:
    return NewEvent(
        **{"actor_email": "a@x.example", "actor_role": "editor", "action": "signin"} | fields
    )


def stored(n: int, new: NewEvent):
    from lib.audit import StoredEvent

    return StoredEvent.model_validate(
        {
            **new.model_dump(),
            "id": n,
            "time": new.time or START,
            "prev_hash": "0" * 64,
            "hash": "1" * 64,
        }
    )


def test_an_attempt_and_its_outcome_fold_into_one_row():
    rows = fold_events(
        [
            stored(1, event(action="user.delete", outcome=Outcome.ATTEMPT, request_id="r1")),
            stored(2, event(request_id="r2")),
            stored(3, event(action="user.delete", request_id="r1")),
        ]
    )
    assert [(row.newest_id, row.state) for row in rows] == [(3, State.DONE), (2, State.DONE)]
    assert len(rows[0].events) == 2


def test_an_attempt_without_an_outcome_says_so():
    (row,) = fold_events([stored(1, event(action="user.delete", outcome=Outcome.ATTEMPT))])
    assert row.state is State.PENDING
    assert row.outcome_words().startswith("No outcome recorded")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("ReasonRequiredError", "no reason was given"),
        ("UnknownUserError", "not a calendar user of this workspace (no user was created)"),
        ("PermissionDeniedError", "the viewer role may not do this"),
        ("SomethingOddError", "something odd error"),
        (None, "no reason was recorded"),
    ],
)
def test_refusals_say_why_in_words(error, words):
    assert error_words(error, "viewer") == words


def test_values_read_as_people_say_them():
    assert readable_change({"record_external": False}, {"record_external": True}) == (
        "record external: off -> on"
    )
    assert readable_change({"override_should_record": True}, {"override_should_record": None}) == (
        "override: Always -> Auto"
    )
    assert readable_change(None, None) == ""
    assert readable_change({"a": 1, "bot_id": "x"}, {"a": 1, "bot_id": "y"}) == ""


def test_targets_are_named_and_old_events_get_a_short_label():
    zone = ZoneInfo("America/New_York")
    named = stored(1, event(action="meeting.override", target=MEETING, target_info=INFO))
    assert target_words(named, zone) == "Weekly sync with Acme · Wed 09 Dec 05:00"
    old = stored(2, event(action="meeting.override", target=MEETING))
    assert target_words(old, zone) == "meeting 3f2a9c1e…"
    batch = stored(3, event(action="meeting.override", target=f"{MEETING},{OLD_MEETING}"))
    assert target_words(batch, zone) == "2 meetings"
    assert target_words(stored(4, event(target="v3")), zone) == "v3"


def test_unknown_action_codes_are_spelled_out():
    assert action_words("preferences.update") == "Change recording preferences"
    assert action_words("status.check_again") == "Status check again"
    assert isinstance(ActionRow((stored(1, event()),)).final.time, dt.datetime)
