"""The audit log page: admin only, filters, paging, one event's before/after, exports that are
themselves audited, the chain's state, and the retention command."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from lib.audit import AuditStore, NewEvent, Outcome, find_heads, from_json
from lib.audit.keys import sandbox_key
from lib.staff import Role
from lib.ui import audit_chain
from lib.ui.audit_export import EXPORT_ACTION, PreparedExport
from lib.ui.state import (
    SK_AUDIT_EXPORT,
    SK_AUDIT_EXPORT_FORMAT,
    SK_AUDIT_FILTER_ACTION,
    SK_AUDIT_FILTER_ACTOR,
    SK_AUDIT_FILTER_OUTCOME,
    SK_AUDIT_FILTER_SINCE,
    SK_AUDIT_FILTER_UNTIL,
    SK_AUDIT_FILTER_USER,
    SK_AUDIT_PAGE_SIZE,
    SK_AUDIT_SHOW_UNCHANGED,
    SK_AUDIT_TABLE_KEY,
    SK_AUDIT_VERIFY,
    SK_STAFF,
)
from tests.app.conftest import APP_TIMEOUT, REPO, STAFF, console_secrets

PAGE = "pages/audit.py"
UTC = dt.UTC


def store_at(data_dir: Path) -> AuditStore:
    return AuditStore(f"sqlite:///{(data_dir / 'console.db').resolve()}", key=sandbox_key(data_dir))


def event(**fields) -> NewEvent:
    base = {"actor_email": "ed@console.example", "actor_role": "editor", "action": "signin"}
    return NewEvent(**{**base, **fields})


def tamper(store: AuditStore, sql: str) -> None:
    """Change a row behind the store's back, as a database owner could."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text(sql))


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.success, at.error, at.warning, at.info, at.title):
        parts += [e.value for e in kind]
    return "\n".join(parts)


def table_ids(at: AppTest) -> list[int]:
    """Newest event ids of the rows in the actions table (one row per action)."""
    for frame in at.dataframe:
        if "ID" in frame.value.columns and "Who" in frame.value.columns:
            return [int(i) for i in frame.value["ID"]]
    return []


def open_audit(console_app, role: Role = Role.ADMIN, **secrets) -> AppTest:
    at = console_app(role, **secrets).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


# A small log with a known shape: (actor, user, action, outcome, day).
SEED = [
    (
        "ed@console.example",
        "u-1",
        "preferences.update",
        Outcome.OK,
        dt.datetime(2026, 1, 10, 9, tzinfo=UTC),
    ),
    (
        "ed@console.example",
        "u-2",
        "preferences.update",
        Outcome.OK,
        dt.datetime(2026, 1, 11, 9, tzinfo=UTC),
    ),
    (
        "ada@console.example",
        "u-2",
        "user.delete",
        Outcome.FAILED,
        dt.datetime(2026, 2, 1, 9, tzinfo=UTC),
    ),
    (
        "Ada@Console.example",
        "u-3",
        "view_as.start",
        Outcome.OK,
        dt.datetime(2026, 2, 2, 9, tzinfo=UTC),
    ),
    (
        "vera@console.example",
        "u-3",
        "view_as.end",
        Outcome.OK,
        dt.datetime(2026, 2, 3, 23, 30, tzinfo=UTC),
    ),
]


@pytest.fixture
def seeded(data_dir: Path) -> list[int]:
    with store_at(data_dir) as store:
        ids = []
        for actor, user, action, outcome, when in SEED:
            stored = store.append(
                event(
                    actor_email=actor,
                    user_id=user,
                    action=action,
                    outcome=outcome,
                    error_class="UnavailableError" if outcome is Outcome.FAILED else None,
                    time=when,
                    reason=f"{action} for {user}",
                )
            )
            ids.append(stored.id)
    return ids


def expected_ids(ids: list[int], keep) -> list[int]:
    """Seeded ids whose seed row satisfies ``keep``, newest first (the page's order)."""
    return [i for i, row in sorted(zip(ids, SEED, strict=True), reverse=True) if keep(*row)]


def test_admin_sees_the_log_newest_first_with_its_count(console_app, seeded):
    at = open_audit(console_app)
    assert table_ids(at) == sorted(seeded, reverse=True)
    assert f"**{len(SEED)}** matching actions" in texts(at)
    assert "Chain intact" in texts(at)


def test_filters_narrow_the_log(console_app, seeded):
    at = open_audit(console_app)

    # Actor: matched without regard to case, as the store records emails in lower case.
    at.text_input(key=SK_AUDIT_FILTER_ACTOR).input("ADA@console.example").run()
    assert table_ids(at) == expected_ids(seeded, lambda a, *_: a.lower() == "ada@console.example")
    at.text_input(key=SK_AUDIT_FILTER_ACTOR).input("").run()

    at.text_input(key=SK_AUDIT_FILTER_USER).input("u-2").run()
    assert table_ids(at) == expected_ids(seeded, lambda _a, u, *_: u == "u-2")

    at.selectbox(key=SK_AUDIT_FILTER_OUTCOME).select("failed").run()
    assert table_ids(at) == expected_ids(
        seeded, lambda _a, u, _c, o, _d: u == "u-2" and o is Outcome.FAILED
    )
    at.button[[b.label for b in at.button].index("Clear filters")].click().run()
    assert table_ids(at) == sorted(seeded, reverse=True)

    # A prefix ending in ".*" matches every action under it.
    at.selectbox(key=SK_AUDIT_FILTER_ACTION).select("view_as.*").run()
    assert table_ids(at) == expected_ids(seeded, lambda _a, _u, c, *_: c.startswith("view_as."))
    at.selectbox(key=SK_AUDIT_FILTER_ACTION).set_value(None).run()

    # Dates are whole days, both ends included.
    at.date_input(key=SK_AUDIT_FILTER_SINCE).set_value(dt.date(2026, 1, 11)).run()
    at.date_input(key=SK_AUDIT_FILTER_UNTIL).set_value(dt.date(2026, 2, 2)).run()
    assert table_ids(at) == expected_ids(
        seeded, lambda *row: dt.date(2026, 1, 11) <= row[4].date() <= dt.date(2026, 2, 2)
    )
    assert not at.exception


def test_dates_are_days_in_the_display_time_zone(console_app, seeded):
    # 23:30 UTC on 3 Feb is already 4 Feb in Berlin.
    at = open_audit(console_app, console={"display_timezone": "Europe/Berlin"})
    at.date_input(key=SK_AUDIT_FILTER_SINCE).set_value(dt.date(2026, 2, 4)).run()
    assert table_ids(at) == [seeded[4]]
    assert "Times in Europe/Berlin" in texts(at)


def test_an_impossible_date_range_is_explained(console_app, seeded):
    at = open_audit(console_app)
    at.date_input(key=SK_AUDIT_FILTER_SINCE).set_value(dt.date(2026, 3, 1)).run()
    at.date_input(key=SK_AUDIT_FILTER_UNTIL).set_value(dt.date(2026, 2, 1)).run()
    assert "end date is before the start date" in texts(at)
    assert table_ids(at) == []


def test_a_link_can_open_the_log_filtered(console_app, seeded):
    at = console_app(Role.ADMIN).run()
    at.query_params["user_id"] = "u-3"
    at.switch_page(PAGE).run()
    assert at.text_input(key=SK_AUDIT_FILTER_USER).value == "u-3"
    assert table_ids(at) == expected_ids(seeded, lambda _a, u, *_: u == "u-3")
    # The link filled the filter once; changing it by hand is not undone on the next run.
    at.text_input(key=SK_AUDIT_FILTER_USER).input("u-1").run()
    at.run()
    assert table_ids(at) == expected_ids(seeded, lambda _a, u, *_: u == "u-1")


def test_pages_through_a_long_log(console_app, data_dir):
    with store_at(data_dir) as store:
        for n in range(1, 121):
            store.append(event(user_id=f"u-{n % 2}", reason=f"n{n}"))
    at = open_audit(console_app)
    # 50 a page by default, newest first.
    assert table_ids(at) == list(range(120, 70, -1))
    assert "**120** matching actions · showing 1–50" in texts(at)
    pager = at.pagination[0]
    assert pager.num_pages == 3
    pager.select(2).run()
    assert table_ids(at) == list(range(70, 20, -1))
    at.pagination[0].select(3).run()
    assert table_ids(at) == list(range(20, 0, -1))
    assert "showing 101–120" in texts(at)
    # New filters start again at page 1 (60 odd ids: two pages).
    at.text_input(key=SK_AUDIT_FILTER_USER).input("u-1").run()
    assert table_ids(at) == list(range(119, 19, -2))
    assert "**60** matching actions · showing 1–50" in texts(at)
    assert at.pagination[0].num_pages == 2
    # So does another page size.
    at.pagination[0].select(2).run()
    assert table_ids(at) == list(range(19, 0, -2))
    at.selectbox(key=SK_AUDIT_PAGE_SIZE).select(25).run()
    assert table_ids(at) == list(range(119, 69, -2))


def test_a_selected_event_shows_its_before_and_after(console_app, data_dir):
    with store_at(data_dir) as store:
        store.append(event(action="signin"))
        store.append(
            event(
                action="preferences.update",
                user_id="u-9",
                reason="customer asked for external meetings",
                before={"record_external": False, "bot_name": "Notes", "old_flag": True},
                after={"record_external": True, "bot_name": "Notes", "new_flag": 1},
            )
        )
    at = open_audit(console_app)
    assert "Select a row" in texts(at)
    key = at.session_state[SK_AUDIT_TABLE_KEY]
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert "Event #2" in texts(at)
    assert "customer asked for external meetings" in texts(at).replace("\\", "")
    diff = next(f.value for f in at.dataframe if "Change" in f.value.columns)
    rows = {r.Field: (r.Before, r.After, r.Change) for r in diff.itertuples()}
    assert rows == {
        "record_external": ("false", "true", "changed"),
        "old_flag": ("true", "", "removed"),
        "new_flag": ("", "1", "added"),
    }
    at.toggle(key=SK_AUDIT_SHOW_UNCHANGED).set_value(True).run()
    diff = next(f.value for f in at.dataframe if "Change" in f.value.columns)
    assert ("bot_name", '"Notes"', '"Notes"', "unchanged") in {
        (r.Field, r.Before, r.After, r.Change) for r in diff.itertuples()
    }


def test_events_of_the_same_request_are_shown_together(console_app, data_dir):
    with store_at(data_dir) as store:
        store.append(event(action="user.delete", outcome=Outcome.ATTEMPT, request_id="req-1"))
        store.append(event(action="signin"))
        store.append(event(action="user.delete", request_id="req-1"))
    at = open_audit(console_app)
    key = at.session_state[SK_AUDIT_TABLE_KEY]
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert "Same request" in texts(at)
    related = [
        f.value for f in at.dataframe if list(f.value.columns)[:3] == ["ID", "Time", "Action"]
    ]
    assert [int(i) for i in related[0]["ID"]] == [1]


FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture
def formula_log(data_dir: Path) -> None:
    with store_at(data_dir) as store:
        for n, formula in enumerate(FORMULAS):
            store.append(
                event(action="preferences.update", reason=formula, target=formula, user_id=f"u-{n}")
            )
        store.append(event(action="signin", reason="plain reason"))


def prepare(at: AppTest, fmt: str) -> PreparedExport:
    at.segmented_control(key=SK_AUDIT_EXPORT_FORMAT).set_value(fmt).run()
    at.button(key="audit.export.prepare").click().run()
    assert not at.exception
    prepared = at.session_state[SK_AUDIT_EXPORT]
    assert isinstance(prepared, PreparedExport)
    assert len(at.download_button) == 1
    return prepared


def test_csv_export_neutralises_formulas_and_is_audited(console_app, data_dir, formula_log):
    at = open_audit(console_app)
    prepared = prepare(at, "csv")
    assert prepared.file_name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(prepared.data.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [1, 2, 3, 4, 5]  # oldest first
    for row, formula in zip(rows, FORMULAS, strict=False):
        # A spreadsheet shows these as text: the cell starts with a quote, not the formula.
        assert row["reason"] == "'" + formula
        assert row["target"] == "'" + formula
    assert rows[4]["reason"] == "plain reason"
    with store_at(data_dir) as store:
        exports = store.query(action=EXPORT_ACTION)
        assert len(exports) == 1
        record = exports[0]
        assert record.actor_email == STAFF[Role.ADMIN].email
        assert record.after["format"] == "csv"
        assert record.after["events"] == 5
        assert record.after["sha256"] == hashlib.sha256(prepared.data).hexdigest()
        assert store.verify().ok
        # The file carries the log's signed head (taken before the export was recorded), and
        # the log still holds everything that head names.
        (head,) = {row["log_signed_head"] for row in rows}
        assert record.after["signed_head"] == head
        assert store.verify(against=find_heads(head)).ok
        assert find_heads(head)[0].events == 5
    # The export event is on the page straight away, at the top.
    at.run()
    assert table_ids(at)[0] == 6


def test_json_export_is_lossless_and_audited(console_app, data_dir, formula_log):
    at = open_audit(console_app)
    at.text_input(key=SK_AUDIT_FILTER_USER).input("u-1").run()
    prepared = prepare(at, "json")
    events = from_json(prepared.data.decode("utf-8"))
    assert json.loads(prepared.data)["signed_head"].startswith("audit-head.v1.5.")
    # JSON is not opened as a spreadsheet: text is exported exactly as recorded.
    assert [(e.id, e.reason) for e in events] == [(2, FORMULAS[1])]
    with store_at(data_dir) as store:
        assert events == store.query(user_id="u-1")
        record = store.query(action=EXPORT_ACTION)[0]
        assert record.after["filters"] == {"user_id": "u-1"}
        assert record.after["events"] == 1
        assert record.target == prepared.file_name


def test_a_prepared_export_is_dropped_when_the_filters_change(console_app, formula_log):
    at = open_audit(console_app)
    prepare(at, "csv")
    at.text_input(key=SK_AUDIT_FILTER_USER).input("u-2").run()
    assert SK_AUDIT_EXPORT not in at.session_state
    assert len(at.download_button) == 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_other_roles_cannot_reach_the_audit_page(console_app, data_dir, formula_log, role):
    at = console_app(role).run()
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_start_page_refuses_other_roles(app_sandbox, data_dir, formula_log, monkeypatch, role):
    # Run the page file directly, as if navigation had been bypassed.
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / PAGE), default_timeout=APP_TIMEOUT)
    for section, values in console_secrets(app_sandbox, data_dir).items():
        at.secrets[section] = values
    at.session_state[SK_STAFF] = STAFF[role]
    at.run()
    assert not at.exception
    assert "Your role does not allow this page." in texts(at)
    assert not at.dataframe
    assert "plain reason" not in texts(at)


def test_a_tampered_log_shows_a_broken_chain(console_app, data_dir, seeded):
    with store_at(data_dir) as store:
        tamper(store, "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3")
    at = open_audit(console_app)
    broken = [e.value for e in at.error if "Chain broken" in e.value]
    assert broken and "event #3" in broken[0]


def test_a_large_log_is_verified_on_request_and_the_result_kept(
    console_app, data_dir, seeded, monkeypatch
):
    monkeypatch.setattr(audit_chain, "AUTO_VERIFY_MAX_EVENTS", 2)
    at = open_audit(console_app)
    assert "Chain not verified yet" in texts(at)
    at.button(key=SK_AUDIT_VERIFY).click().run()
    assert "Chain intact" in texts(at)
    with store_at(data_dir) as store:
        tamper(store, "UPDATE audit_events SET reason = 'rewritten' WHERE id = 2")
    # The kept result is shown (with its time) until someone verifies again.
    at.run()
    assert "Chain intact" in texts(at)
    at.button(key=SK_AUDIT_VERIFY).click().run()
    assert any("Chain broken at event #2" in e.value for e in at.error)


def test_retention_shows_the_exact_prune_command(console_app, data_dir):
    now = dt.datetime.now(UTC)
    with store_at(data_dir) as store:
        store.append(event(time=now - dt.timedelta(days=45), reason="old"))
        store.append(event(time=now - dt.timedelta(days=5), reason="recent"))
    at = open_audit(console_app, console={"audit_retention_days": 30})
    assert "Retention: 30 days" in texts(at)
    assert "**1** stored event is past that now" in texts(at)
    command = next(c.value for c in at.code if "lib.audit prune" in c.value)
    argv = shlex.split(command)
    assert argv[:5] == ["python", "-m", "lib.audit", "prune", "--days"]
    # The command shown is the one that works on this console's database.
    done = subprocess.run(
        [sys.executable, *argv[1:]], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    with store_at(data_dir) as store:
        reasons = [e.reason for e in store.query(newest_first=False)]
        assert reasons == ["recent", "retention"]  # the prune records itself
        assert store.verify().ok


def test_an_empty_log_says_so(console_app):
    at = open_audit(console_app)
    assert "audit log is empty" in texts(at)
    assert "no events yet" in texts(at)
    assert at.button(key="audit.export.prepare").disabled


def test_the_page_shows_json_values_as_data_not_markup(console_app, data_dir):
    with store_at(data_dir) as store:
        store.append(
            event(
                action="preferences.update",
                reason="see [here](http://evil.example) :material/warning:",
                after={"bot_name": "**bold**"},
            )
        )
    at = open_audit(console_app)
    key = at.session_state[SK_AUDIT_TABLE_KEY]
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    reason_line = next(m.value for m in at.markdown if "**Reason**" in m.value)
    assert "[here](http" not in reason_line
    assert "\\[here\\]" in reason_line
    assert (
        json.loads(next(f.value for f in at.dataframe if "Change" in f.value.columns)["After"][0])
        == "**bold**"
    )
