"""The audit page's plain logic: filters to queries, paging, the before/after diff, exports
and the prune command. No Streamlit run needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from lib.audit import AuditStore, NewEvent, Outcome
from lib.settings import Settings
from lib.ui.audit_diff import Change, diff_frame, diff_values, unified_json_diff
from lib.ui.audit_events import page_window
from lib.ui.audit_export import ExportFormat, collect_events, encode_export, export_file_name
from lib.ui.audit_filters import AuditFilters
from lib.ui.audit_retention import prune_command
from tests.audit_key import TEST_AUDIT_KEY

UTC = dt.UTC


# -- filters ----------------------------------------------------------------------------------


def test_blank_inputs_mean_no_filter():
    filters = AuditFilters.from_inputs(actor="  ", user_id="", action=None, outcome="")
    assert not filters.active
    assert all(value is None for value in filters.query_args().values())


def test_inputs_are_trimmed_and_codes_lower_cased():
    filters = AuditFilters.from_inputs(
        actor=" Ada@Console.Example ", user_id=" U-1 ", action="View_As.*", outcome="failed"
    )
    args = filters.query_args()
    assert args["actor"] == "ada@console.example"
    assert args["user_id"] == "U-1"  # user ids are case-sensitive in Recall
    assert args["action"] == "view_as.*"
    assert args["outcome"] is Outcome.FAILED


def test_dates_become_whole_days_in_the_zone_across_a_clock_change():
    # Berlin moves from UTC+1 to UTC+2 on 29 March 2026.
    filters = AuditFilters(
        since=dt.date(2026, 3, 29), until=dt.date(2026, 3, 29), zone="Europe/Berlin"
    )
    args = filters.query_args()
    assert args["since"] == dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    # The upper bound is exclusive: midnight after the last day, now at UTC+2.
    assert args["until"] == dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_an_end_before_the_start_is_a_problem():
    assert AuditFilters(since=dt.date(2026, 2, 2), until=dt.date(2026, 2, 1)).problem()
    assert AuditFilters(since=dt.date(2026, 2, 2), until=dt.date(2026, 2, 2)).problem() is None


def test_the_signature_follows_what_the_filters_select():
    base = AuditFilters(user_id="u-1")
    assert base.signature() == AuditFilters(user_id="u-1").signature()
    assert base.signature() != AuditFilters(user_id="u-2").signature()
    assert base.signature() != AuditFilters(user_id="u-1", outcome=Outcome.OK).signature()
    # The zone only matters when a date is set.
    assert base.signature() == AuditFilters(user_id="u-1", zone="Asia/Tokyo").signature()
    dated = AuditFilters(since=dt.date(2026, 1, 1))
    assert (
        dated.signature() != AuditFilters(since=dt.date(2026, 1, 1), zone="Asia/Tokyo").signature()
    )


def test_describe_is_json_data_for_the_export_record():
    described = AuditFilters(
        action="view_as.*", since=dt.date(2026, 1, 2), zone="Europe/Paris"
    ).describe()
    assert described == {"action": "view_as.*", "since": "2026-01-02", "zone": "Europe/Paris"}


# -- paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "size", "requested", "page", "pages", "first", "last"),
    [
        (0, 50, 1, 1, 1, 0, 0),
        (60, 50, 1, 1, 2, 1, 50),
        (60, 50, 2, 2, 2, 51, 60),
        (60, 50, 9, 2, 2, 51, 60),  # past the end: the last page
        (60, 50, 0, 1, 2, 1, 50),
        (100, 25, 4, 4, 4, 76, 100),
    ],
)
def test_page_window(total, size, requested, page, pages, first, last):
    window = page_window(total, size, requested)
    assert (window.page, window.pages) == (page, pages)
    assert (window.first_shown, window.last_shown) == (first, last)
    assert window.offset == (page - 1) * size


# -- diff -------------------------------------------------------------------------------------


def by_path(rows):
    return {row.path: row for row in rows}


def test_diff_walks_nested_objects_and_names_each_change():
    rows = by_path(
        diff_values(
            {"a": 1, "nested": {"x": True, "y": "keep"}, "gone": None},
            {"a": 2, "nested": {"x": False, "y": "keep", "z": [1]}},
        )
    )
    assert rows["a"].change is Change.CHANGED
    assert rows["nested.x"].change is Change.CHANGED
    assert rows["nested.y"].change is Change.UNCHANGED
    assert rows["nested.z"].change is Change.ADDED and not rows["nested.z"].has_before
    # A field holding null that disappears is removed, not "changed to null".
    assert rows["gone"].change is Change.REMOVED and not rows["gone"].has_after


def test_json_types_are_compared_as_json():
    # Python says 1 == True; a settings change from 1 to true is still a change.
    assert diff_values({"flag": 1}, {"flag": True})[0].change is Change.CHANGED
    assert diff_values({"n": 1}, {"n": 1.0})[0].change is Change.CHANGED


def test_lists_are_compared_whole():
    rows = diff_values({"ids": [1, 2, 3]}, {"ids": [0, 1, 2, 3]})
    assert [(r.path, r.change) for r in rows] == [("ids", Change.CHANGED)]


def test_creation_and_deletion_list_every_field():
    created = diff_values(None, {"a": 1, "b": {"c": 2}})
    assert {(r.path, r.change) for r in created} == {("a", Change.ADDED), ("b.c", Change.ADDED)}
    deleted = diff_values({"a": 1}, None)
    assert [(r.path, r.change) for r in deleted] == [("a", Change.REMOVED)]
    assert diff_values(None, None) == []


def test_scalar_snapshots_are_one_row():
    rows = diff_values("old", "new")
    assert [(r.path, r.change, r.before, r.after) for r in rows] == [
        ("(value)", Change.CHANGED, "old", "new")
    ]


def test_the_frame_hides_unchanged_fields_unless_asked_and_quotes_text():
    rows = diff_values({"a": "x", "b": 1}, {"a": "x", "b": 2})
    assert list(diff_frame(rows)["Field"]) == ["b"]
    full = diff_frame(rows, include_unchanged=True)
    assert list(full["Field"]) == ["a", "b"]
    assert full.loc[0, "Before"] == '"x"'


def test_unified_json_diff_marks_removed_and_added_lines():
    diff = unified_json_diff({"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert '-  "b": 2' in diff.splitlines()
    assert '+  "b": 3' in diff.splitlines()
    assert unified_json_diff({"a": 1}, {"a": 1}) == ""


# -- export -----------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path):
    with AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", key=TEST_AUDIT_KEY) as opened:
        yield opened


def add(store: AuditStore, n: int, **fields) -> None:
    for i in range(n):
        store.append(
            NewEvent(
                actor_email="a@x.example",
                actor_role="admin",
                action="signin",
                reason=f"r{i}",
                **fields,
            )
        )


def test_collect_reads_every_match_in_batches_oldest_first(store):
    add(store, 7, user_id="u-1")
    add(store, 3, user_id="u-2")
    seen: list[tuple[int, int]] = []
    events = collect_events(
        store,
        AuditFilters(user_id="u-1"),
        batch=3,
        progress=lambda done, wanted: seen.append((done, wanted)),
    )
    assert [e.id for e in events] == [1, 2, 3, 4, 5, 6, 7]
    assert seen == [(3, 7), (6, 7), (7, 7)]


def test_collect_stops_at_the_limit(store):
    add(store, 5)
    assert [e.id for e in collect_events(store, AuditFilters(), limit=2, batch=10)] == [1, 2]


def test_events_added_during_an_export_are_neither_doubled_nor_included(store):
    add(store, 6)

    def meanwhile(done: int, wanted: int) -> None:
        add(store, 1)  # staff keep working while the export is read

    events = collect_events(store, AuditFilters(), batch=2, progress=meanwhile)
    assert [e.id for e in events] == [1, 2, 3, 4, 5, 6]


def test_csv_starts_with_a_byte_order_mark_and_json_does_not(store):
    add(store, 1)
    events = store.query()
    assert encode_export(events, ExportFormat.CSV).startswith(b"\xef\xbb\xbfid,time,")
    assert encode_export(events, ExportFormat.JSON).startswith(b"[")


def test_file_names_carry_the_utc_time_and_format():
    moment = dt.datetime(2026, 3, 1, 1, 2, 3, tzinfo=ZoneInfo("Europe/Berlin"))
    assert export_file_name(ExportFormat.JSON, moment) == "audit-log-20260301-000203Z.json"


# -- retention --------------------------------------------------------------------------------


def test_prune_command_names_a_sqlite_database_exactly(tmp_path):
    settings = Settings(data_dir=tmp_path / "my data", audit_retention_days=90)
    command = prune_command(settings)
    assert not command.needs_database_url
    expected_url = f"sqlite:///{(tmp_path / 'my data' / 'console.db').resolve()}"
    assert command.command == f"python -m lib.audit prune --days 90 --url '{expected_url}'"


def test_prune_command_never_prints_a_database_password():
    settings = Settings(
        database_url=SecretStr("postgresql://console:s3cret@db.internal:5432/audit")
    )
    command = prune_command(settings)
    assert "s3cret" not in command.command + command.target
    assert command.needs_database_url
    assert command.command == "python -m lib.audit prune --days 400"
    assert command.target == "postgresql+psycopg://console:***@db.internal:5432/audit"
