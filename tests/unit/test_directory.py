"""The directory frame: building it, searching, sorting, pages, counts, lookups and duplicates."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.autorecord import PREFERENCE_KEYS, PRESETS, preset_name
from lib.directory import (
    DirectoryQuery,
    describe_age,
    duplicate_labels,
    lookup_user_id,
    results_table,
    rows_for,
    run_query,
    search,
    sort_users,
    summarize,
    users_frame,
)
from lib.recall.models import CalendarUser


def user(
    uid: str | None,
    *,
    google: tuple[str, bool] | None = None,
    microsoft: tuple[str, bool] | None = None,
    flags: dict[str, bool] | None = None,
    bot_name: str | None = "Notetaker",
    recall_id: str | None = None,
) -> CalendarUser:
    connections = []
    for platform, conn in (("google", google), ("microsoft", microsoft)):
        if conn is not None:
            connections.append({"platform": platform, "email": conn[0], "connected": conn[1]})
    return CalendarUser.model_validate(
        {
            "id": recall_id or f"recall-{uid}",
            "external_id": uid,
            "connections": connections,
            "preferences": {**(flags or {}), "bot_name": bot_name},
        }
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return users_frame(
        [
            user("u-3", google=("Carol@Acme.test", True), flags=dict(PRESETS["record all"])),
            user("u-1", microsoft=("alice@acme.test", True), bot_name=None),
            user("u-2", google=("bob@acme.test", False), microsoft=("bob@labs.test", True)),
            user("u-4"),
            user("U-10", google=("dave@acme.test", False), flags={"record_recurring": True}),
            # The same person as u-3 under another id, connected on the other platform.
            user("u-5", microsoft=("carol@acme.test", True)),
        ]
    )


def test_frame_rows_follow_the_users(frame):
    assert list(frame.index) == ["u-3", "u-1", "u-2", "u-4", "U-10", "u-5"]
    row = frame.loc["u-2"]
    assert (row["google"], row["google_email"]) == ("disconnected", "bob@acme.test")
    assert (row["microsoft"], row["microsoft_email"]) == ("connected", "bob@labs.test")
    assert frame.loc["u-4", "google"] == "none" and pd.isna(frame.loc["u-4", "google_email"])
    assert frame.loc["u-3", "recall_id"] == "recall-u-3"
    assert pd.isna(frame.loc["u-1", "bot_name"])
    assert frame.loc["u-3", "preferences"] == "record all"
    assert frame.loc["u-4", "preferences"] == "nothing"
    assert frame.loc["U-10", "preferences"] == "custom"
    assert bool(frame.loc["U-10", "record_recurring"]) and not frame.loc["U-10", "record_external"]


def test_empty_workspace_gives_an_empty_frame_with_every_column():
    empty = users_frame([])
    assert len(empty) == 0
    assert {"user_id", "google", "preferences", "duplicate_of", *PREFERENCE_KEYS} <= set(
        empty.columns
    )
    assert run_query(empty, DirectoryQuery()).label == "No users match"
    assert summarize(empty).total == 0


flag_sets = st.fixed_dictionaries({key: st.booleans() for key in PREFERENCE_KEYS})


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(flag_sets, min_size=1, max_size=40))
def test_preference_labels_agree_with_preset_name_for_every_user(flag_list):
    built = users_frame([user(f"u{i}", flags=flags) for i, flags in enumerate(flag_list)])
    for i, flags in enumerate(flag_list):
        row = built.loc[f"u{i}"]
        expected = preset_name(flags) or ("nothing" if not any(flags.values()) else "custom")
        assert row["preferences"] == expected
        assert {key: bool(row[key]) for key in PREFERENCE_KEYS} == flags


def test_duplicates_are_users_sharing_an_email_on_any_platform_in_any_case(frame):
    assert frame.loc["u-3", "duplicate_of"] == "u-5"
    assert frame.loc["u-5", "duplicate_of"] == "u-3"
    assert (frame.drop(index=["u-3", "u-5"])["duplicate_of"] == "").all()
    three = users_frame(
        [
            user("a", google=("x@acme.test", True)),
            user("b", google=("X@acme.test", False)),
            user("c", microsoft=("x@ACME.test", True)),
            user("d", google=("", True)),
            user("e", google=("", True)),
        ]
    )
    assert three.loc["a", "duplicate_of"] == "b, c"
    assert three.loc["c", "duplicate_of"] == "a, b"
    # An empty email is not an identity.
    assert three.loc["d", "duplicate_of"] == "" and three.loc["e", "duplicate_of"] == ""
    assert duplicate_labels(three).index.equals(three.index)


def test_search_matches_ids_and_emails_case_insensitively(frame):
    assert list(search(frame, "U-1").index) == ["u-1", "U-10"]
    assert list(search(frame, "  carol@ACME ").index) == ["u-3", "u-5"]
    assert list(search(frame, "labs.test").index) == ["u-2"]
    assert search(frame, "nobody").empty
    assert len(search(frame, "")) == len(frame)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (("Google connected",), ["u-3"]),
        (("Microsoft connected",), ["u-1", "u-2", "u-5"]),
        (("No calendar",), ["u-4"]),
        (("Disconnected",), ["u-2", "U-10"]),
        (("No calendar", "Google connected"), ["u-3", "u-4"]),
    ],
)
def test_state_filters_match_any_chosen_state(frame, states, expected):
    assert list(search(frame, states=states).index) == expected


def test_duplicates_only_and_text_combine(frame):
    assert list(search(frame, duplicates_only=True).index) == ["u-3", "u-5"]
    assert list(search(frame, "u-5", duplicates_only=True).index) == ["u-5"]


def test_sort_is_case_insensitive_with_blanks_last_both_ways(frame):
    ascending = list(sort_users(frame, "google_email").index)
    assert ascending == ["u-2", "u-3", "U-10", "u-1", "u-4", "u-5"]
    descending = list(sort_users(frame, "google_email", descending=True).index)
    assert descending == ["U-10", "u-3", "u-2", "u-1", "u-4", "u-5"]
    assert list(sort_users(frame, "user_id").index) == ["u-1", "U-10", "u-2", "u-3", "u-4", "u-5"]
    # Ties keep user id order whichever way the key runs.
    by_preferences = list(sort_users(frame, "preferences", descending=True).index)
    assert by_preferences == ["u-3", "u-1", "u-2", "u-4", "u-5", "U-10"]
    with pytest.raises(ValueError):
        sort_users(frame, "no_such_column")


def test_pages_partition_the_sorted_result():
    many = users_frame([user(f"user-{n:03d}") for n in range(123)])
    seen: list[str] = []
    for page in (1, 2, 3):
        result = run_query(many, DirectoryQuery(page=page, page_size=50))
        assert result.pages == 3 and result.total == 123
        seen += list(result.rows.index)
    assert seen == sorted(many.index)
    assert run_query(many, DirectoryQuery(page=1, page_size=50)).label == "1–50 of 123"
    last = run_query(many, DirectoryQuery(page=3, page_size=50))
    assert (last.first, last.last, last.label) == (101, 123, "101–123 of 123")
    # A page past the end shows the last page; page 0 the first.
    assert run_query(many, DirectoryQuery(page=99, page_size=50)).page == 3
    assert run_query(many, DirectoryQuery(page=0, page_size=50)).page == 1
    with pytest.raises(ValueError):
        run_query(many, DirectoryQuery(page_size=0))


def test_labels_use_thousands_separators():
    big = users_frame([user(f"n{n:05d}") for n in range(12_345)])
    result = run_query(big, DirectoryQuery(page=3, page_size=100))
    assert result.label == "201–300 of 12,345"


def test_summary_counts(frame):
    summary = summarize(frame)
    assert summary.total == 6
    assert summary.connected == 4  # u-3, u-1, u-2 (Microsoft), u-5
    assert summary.disconnected == 1  # U-10: attached but nothing connected now
    assert summary.no_calendar == 1
    assert summary.duplicates == 2


def test_lookup_tells_exact_case_and_email_matches_apart(frame):
    exact = lookup_user_id(frame, "u-1")
    assert exact.exists and exact.differs_in_case == () and exact.email_owners == ()
    cased = lookup_user_id(frame, "u-10")
    assert not cased.exists and cased.differs_in_case == ("U-10",)
    by_email = lookup_user_id(frame, "CAROL@acme.test")
    assert not by_email.exists and by_email.email_owners == ("u-3", "u-5")


def test_results_table_puts_state_and_email_together(frame):
    table = results_table(frame.loc[["u-2", "u-4"]])
    assert list(table["user_id"]) == ["u-2", "u-4"]
    assert table.loc[0, "google"] == "✗ bob@acme.test (disconnected)"
    assert table.loc[0, "microsoft"] == "✓ bob@labs.test"
    assert table.loc[1, "google"] == "—"


def test_rows_for_keeps_order_and_notices_missing_users(frame):
    assert list(rows_for(frame, ["u-4", "u-1"]).index) == ["u-4", "u-1"]
    assert rows_for(frame, ["u-4", "gone"]) is None
    doubled = users_frame([user(None), user(None, recall_id="other"), user("x")])
    assert list(rows_for(doubled, ["x", ""]).index) == ["x", ""]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "just now"), (4.9, "just now"), (40, "40 s ago"), (150, "2 min ago"), (7200, "2 h ago")],
)
def test_describe_age(seconds: float, text: str):
    assert describe_age(seconds) == text


def test_the_table_from_api_objects_equals_the_table_from_models(sandbox):
    from lib.directory import users_frame_from_v1
    from lib.recall import RecallClient

    with RecallClient(sandbox.base_url, sandbox.api_key) as client:
        from_models = users_frame(client.list_users())
        from_v1 = users_frame_from_v1(client.list_users_v1())
    pd.testing.assert_frame_equal(from_models, from_v1)
    assert len(from_v1) == 150
