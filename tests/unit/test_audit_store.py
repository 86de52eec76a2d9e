"""The audit store against a real SQLite file and the real PostgreSQL server.

Every test here runs on both backends; PostgreSQL runs get a schema of their own, dropped
afterwards, so tests never see each other's events.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from lib.audit import (
    GENESIS_HASH,
    PRUNE_ACTION,
    AuditError,
    AuditStore,
    AuditStoreMissingError,
    ChainBrokenError,
    NewEvent,
    Outcome,
    default_sqlite_url,
)
from lib.audit.chain import event_hash
from lib.db import make_engine
from tests.audit_key import TEST_AUDIT_KEY
from tests.pg_schema import postgres_schema as shared_postgres_schema

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
NOW = dt.datetime.now(dt.UTC)


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema (dropped on exit)."""
    with shared_postgres_schema(base_url, "audit_test") as url:
        yield url


@contextmanager
def backend_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on the backend named by ``request.param``."""
    if request.param == "sqlite":
        yield default_sqlite_url(tmp_path / "data")
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    with backend_database(request, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as opened:
        yield opened


def make_event(n: int = 0, **overrides) -> NewEvent:
    fields = {
        "actor_email": "agent@example.com",
        "actor_role": "support",
        "action": "preferences.update",
        "user_id": f"user-{n}",
        "reason": f"change number {n}",
        "before": {"record_external": False, "n": n},
        "after": {"record_external": True, "n": n},
    }
    fields.update(overrides)
    return NewEvent(**fields)


def fill(store: AuditStore, count: int) -> list:
    return [store.append(make_event(n)) for n in range(1, count + 1)]


def tamper(store: AuditStore, sql: str, **params) -> None:
    """Change the tables behind the store's back, as an owner or superuser could."""
    with store.engine.begin() as conn:
        if store.backend == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text(sql), params)


# -- appending --------------------------------------------------------------------------------


def test_backend_is_named(store, store_url):
    assert store.backend == make_url(store_url).get_backend_name()
    assert repr(store) == f"AuditStore(backend={store.backend!r})"


def test_appends_form_a_chain_with_consecutive_ids(store):
    assert store.last_hash() == GENESIS_HASH
    events = fill(store, 4)
    assert [e.id for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.hash
    assert all(e.hash == e.expected_hash(TEST_AUDIT_KEY) for e in events)
    assert len({e.hash for e in events}) == 4
    assert store.last_hash() == events[-1].hash


def test_time_is_assigned_in_utc_when_missing(store):
    before = dt.datetime.now(dt.UTC)
    event = store.append(make_event())
    after = dt.datetime.now(dt.UTC)
    assert before <= event.time <= after
    assert event.time.utcoffset() == dt.timedelta(0)


def test_a_given_time_is_kept_to_the_microsecond(store):
    zone = dt.timezone(dt.timedelta(hours=5, minutes=30))
    given = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=zone)
    event = store.append(make_event(time=given))
    (stored,) = store.query()
    assert stored.time == given
    assert stored.time.tzinfo == dt.UTC
    assert stored == event


def test_what_is_read_back_equals_what_was_appended(store):
    appended = store.append(
        make_event(
            target="meeting-0042",
            ticket="SUP-123",
            outcome=Outcome.FAILED,
            error_class="RecallRateLimited",
            before={"nested": {"list": [1, 2.5, None, True], "big": 2**70}, "text": "é ✓ 日本"},
            after=None,
        )
    )
    assert store.get(appended.id) == appended
    assert store.query() == [appended]
    assert store.get(99) is None
    assert store.verify().ok


def test_secrets_are_redacted_before_they_are_stored(store):
    appended = store.append(
        make_event(before={"calendar": {"oauth_refresh_token": "1//refresh"}, "ok": 1})
    )
    assert store.get(appended.id).before == {
        "calendar": {"oauth_refresh_token": "[redacted]"},
        "ok": 1,
    }
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT value_before FROM audit_events")).scalar_one()
    assert "1//refresh" not in str(raw)


def test_actions_of_the_store_itself_cannot_be_appended(store):
    with pytest.raises(ValueError, match="reserved"):
        store.append(make_event(action=PRUNE_ACTION))
    assert store.count() == 0


def test_opening_twice_keeps_the_log(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as first:
        fill(first, 3)
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as second:
        assert second.count() == 3
        assert second.append(make_event(4)).id == 4
        assert second.verify().ok


def test_a_store_without_create_refuses_an_empty_database(store_url):
    with pytest.raises(AuditStoreMissingError):
        AuditStore(store_url, create=False, key=TEST_AUDIT_KEY)


def test_a_shared_engine_is_left_open_on_close(store_url):
    engine = make_engine(store_url)
    try:
        with AuditStore(engine, key=TEST_AUDIT_KEY) as shared:
            shared.append(make_event())
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1
    finally:
        engine.dispose()


# -- querying ---------------------------------------------------------------------------------


@pytest.fixture
def varied(store):
    base = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    rows = [
        ("ann@example.com", "view_as.start", "u1", Outcome.OK, None),
        ("Bob@Example.com", "meeting.override", "u1", Outcome.ATTEMPT, "req-9"),
        ("bob@example.com", "meeting.override", "u1", Outcome.FAILED, "req-9"),
        ("ann@example.com", "view_as.end", "u2", Outcome.OK, None),
        ("ann@example.com", "viewxas.start", "u2", Outcome.OK, None),
        ("carl@example.com", "preset.export", None, Outcome.OK, None),
    ]
    for hour, (actor, action, user, outcome, request_id) in enumerate(rows):
        extra = {"request_id": request_id} if request_id else {}
        if outcome is Outcome.FAILED:
            extra["error_class"] = "RecallServerError"
        store.append(
            make_event(
                actor_email=actor,
                action=action,
                user_id=user,
                outcome=outcome,
                time=base + dt.timedelta(hours=hour),
                **extra,
            )
        )
    return store


def ids(events) -> list[int]:
    return [event.id for event in events]


def test_query_is_newest_first_by_default(varied):
    assert ids(varied.query()) == [6, 5, 4, 3, 2, 1]
    assert ids(varied.query(newest_first=False)) == [1, 2, 3, 4, 5, 6]


def test_query_filters_combine(varied):
    assert ids(varied.query(actor="BOB@example.com")) == [3, 2]
    assert ids(varied.query(user_id="u2")) == [5, 4]
    assert ids(varied.query(action="meeting.override", outcome="failed")) == [3]
    assert ids(varied.query(actor="ann@example.com", user_id="u2")) == [5, 4]
    assert varied.query(actor="nobody@example.com") == []


def test_attempt_and_outcome_pair_up_by_request_id(varied):
    pair = varied.query(request_id="req-9", newest_first=False)
    assert [e.outcome for e in pair] == [Outcome.ATTEMPT, Outcome.FAILED]
    assert pair[1].error_class == "RecallServerError"


def test_action_prefix_does_not_treat_underscore_as_a_wildcard(varied):
    assert ids(varied.query(action="view_as.*")) == [4, 1]
    assert ids(varied.query(action="view_as")) == []


def test_since_is_inclusive_and_until_exclusive(varied):
    base = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    window = {"since": base + dt.timedelta(hours=1), "until": base + dt.timedelta(hours=3)}
    assert ids(varied.query(**window)) == [3, 2]
    assert varied.count(**window) == 2
    tokyo = dt.timezone(dt.timedelta(hours=9))
    assert ids(varied.query(since=(base + dt.timedelta(hours=5)).astimezone(tokyo))) == [6]


def test_paging_and_count_agree(varied):
    pages = [varied.query(limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [ids(page) for page in pages] == [[6, 5, 4, 3], [2, 1], []]
    assert varied.count() == 6
    assert varied.count(action="view_as.*", user_id="u2") == 1


def test_query_arguments_are_checked(varied):
    with pytest.raises(ValueError, match="limit"):
        varied.query(limit=0)
    with pytest.raises(ValueError, match="offset"):
        varied.query(offset=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        varied.query(since=dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        varied.query(outcome="maybe")


# -- verification and tampering ---------------------------------------------------------------


def test_an_untouched_chain_verifies(store):
    assert store.verify().ok
    fill(store, 5)
    result = store.verify()
    assert (result.ok, result.checked, result.first_bad_id) == (True, 5, None)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("UPDATE audit_events SET reason = :v WHERE id = 3", {"v": "innocent"}),
        ("UPDATE audit_events SET actor_email = :v WHERE id = 3", {"v": "other@example.com"}),
        ("UPDATE audit_events SET value_after = :v WHERE id = 3", {"v": '{"n": 3}'}),
        ("UPDATE audit_events SET outcome = 'failed', error_class = 'X' WHERE id = 3", {}),
        ("UPDATE audit_events SET user_id = NULL WHERE id = 3", {}),
    ],
)
def test_a_changed_field_is_found_at_its_event(store, sql, params):
    fill(store, 5)
    tamper(store, sql, **params)
    result = store.verify()
    assert not result.ok
    assert result.first_bad_id == 3
    assert result.checked == 2
    assert "does not match its hash" in result.problem


def test_a_changed_time_is_found(store):
    fill(store, 5)
    stored = store.get(3)
    tamper(
        store,
        "UPDATE audit_events SET occurred_at = :t WHERE id = 3",
        t=(stored.time - dt.timedelta(days=30)).replace(tzinfo=None),
    )
    assert store.verify().first_bad_id == 3


def test_a_deleted_middle_event_is_found(store):
    fill(store, 5)
    tamper(store, "DELETE FROM audit_events WHERE id = 3")
    result = store.verify()
    assert (result.ok, result.first_bad_id) == (False, 3)
    assert "event 3 is missing" in result.problem


def test_a_deleted_last_event_is_found_against_the_head(store):
    fill(store, 5)
    tamper(store, "DELETE FROM audit_events WHERE id = 5")
    result = store.verify()
    assert (result.ok, result.first_bad_id, result.checked) == (False, 5, 4)
    assert "missing at the end" in result.problem


def test_every_event_deleted_is_found(store):
    fill(store, 3)
    tamper(store, "DELETE FROM audit_events")
    result = store.verify()
    assert (result.ok, result.first_bad_id) == (False, 1)


def test_a_deleted_middle_event_with_the_chain_rebuilt_after_it_is_found(store):
    # Re-hashing the later events hides nothing: ids are gapless, and the head still holds
    # the old last hash.
    events = fill(store, 4)
    tamper(store, "DELETE FROM audit_events WHERE id = 2")
    prev = events[0].hash
    for later in events[2:]:
        fields = later.model_dump()
        fields["prev_hash"] = prev
        prev = event_hash(fields)
        tamper(
            store,
            "UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :id",
            p=fields["prev_hash"],
            h=prev,
            id=later.id,
        )
    assert store.verify().first_bad_id == 2


def test_a_rewritten_last_event_with_a_fresh_hash_is_found_against_the_head(store):
    events = fill(store, 3)
    fields = events[-1].model_dump()
    fields["reason"] = "nothing to see"
    tamper(
        store,
        "UPDATE audit_events SET reason = :r, hash = :h WHERE id = 3",
        r=fields["reason"],
        h=event_hash(fields),
    )
    result = store.verify()
    assert (result.ok, result.first_bad_id) == (False, 3)
    assert "without the audit key" in result.problem


def test_a_broken_link_is_found(store):
    fill(store, 4)
    tamper(store, "UPDATE audit_events SET prev_hash = :h WHERE id = 2", h="a" * 64)
    result = store.verify()
    assert (result.first_bad_id, result.problem) == (
        2,
        "event 2 does not link to the event before it",
    )


def test_an_event_inserted_behind_the_stores_back_is_found(store):
    events = fill(store, 2)
    forged = events[-1].model_dump()
    forged.update(id=3, prev_hash=events[-1].hash, reason="forged")
    forged["hash"] = event_hash(forged)
    tamper(
        store,
        "INSERT INTO audit_events (id, occurred_at, actor_email, actor_role, action, outcome, "
        "request_id, prev_hash, hash) VALUES (3, :t, 'x@example.com', 'admin', 'user.delete', "
        "'ok', 'r', :p, :h)",
        t=NOW.replace(tzinfo=None),
        p=forged["prev_hash"],
        h=forged["hash"],
    )
    result = store.verify()
    assert (result.ok, result.first_bad_id) == (False, 3)


def test_a_missing_head_is_reported_and_blocks_appends(store):
    fill(store, 2)
    tamper(store, "DELETE FROM audit_head")
    result = store.verify()
    assert not result.ok
    assert "head" in result.problem
    with pytest.raises(AuditError, match="head"):
        store.append(make_event())
    # Reopening must not paper over the damage with a fresh head.
    with AuditStore(store.engine, key=TEST_AUDIT_KEY) as reopened:
        assert not reopened.verify().ok


def test_updates_are_refused_by_the_database(store):
    fill(store, 2)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET reason = 'x' WHERE id = 1"))
    assert store.verify().ok


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM audit_events WHERE id = 2", "TRUNCATE audit_events", "DELETE FROM audit_events"],
)
def test_postgres_refuses_deletes_outside_prune(postgres_url, sql):
    with postgres_schema(postgres_url) as url, AuditStore(url, key=TEST_AUDIT_KEY) as pg_store:
        fill(pg_store, 3)
        with pytest.raises(DBAPIError, match="append-only"), pg_store.engine.begin() as conn:
            conn.execute(text(sql))
        assert pg_store.count() == 3
        assert pg_store.verify().ok


# -- retention --------------------------------------------------------------------------------


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_prune_removes_only_old_events_and_keeps_the_chain_verifiable(store):
    for n, age in enumerate([500, 450, 401, 399, 10, 0], start=1):
        store.append(make_event(n, time=days_ago(age)))
    cutoff = days_ago(400)
    assert store.prune(cutoff) == 3
    kept = store.query(newest_first=False)
    assert [e.id for e in kept] == [4, 5, 6, 7]
    assert all(e.time >= cutoff for e in kept)
    result = store.verify()
    assert (result.ok, result.checked) == (True, 4)


def test_prune_is_recorded_in_the_log_with_its_checkpoint(store):
    old = [store.append(make_event(n, time=days_ago(500))) for n in (1, 2)]
    store.append(make_event(3))
    store.prune(days_ago(400), actor_email="Ops@Example.com", actor_role="admin")
    (record,) = store.query(action=PRUNE_ACTION)
    assert record.id == 4
    assert (record.actor_email, record.actor_role) == ("ops@example.com", "admin")
    assert record.after["deleted"] == 2
    assert record.after["checkpoint_id"] == 2
    assert record.after["checkpoint_hash"] == old[-1].hash


def test_prune_with_nothing_old_changes_nothing(store):
    fill(store, 3)
    assert store.prune(days_ago(400)) == 0
    assert store.count() == 3
    assert store.count(action=PRUNE_ACTION) == 0


def test_prune_only_removes_a_prefix_of_the_chain(store):
    # An old time recorded after a newer one waits: removing it would cut the chain in two.
    for n, age in enumerate([500, 10, 450], start=1):
        store.append(make_event(n, time=days_ago(age)))
    assert store.prune(days_ago(400)) == 1
    assert [e.id for e in store.query(newest_first=False)][:2] == [2, 3]
    assert store.verify().ok


def test_appends_and_further_prunes_continue_the_chain(store):
    for n in range(1, 4):
        store.append(make_event(n, time=days_ago(500)))
    assert store.prune(days_ago(400)) == 3
    store.append(make_event(5))
    assert store.verify().ok
    # Pruning everything, including the earlier prune record, still leaves a verifiable log.
    assert store.prune(NOW + dt.timedelta(days=1)) == 2
    assert store.verify().ok
    (record,) = store.query()
    assert (record.action, record.id) == (PRUNE_ACTION, 6)
    assert store.append(make_event(7)).prev_hash == record.hash
    assert store.verify().ok


def test_prune_refuses_to_delete_a_tampered_chain(store):
    for n in range(1, 4):
        store.append(make_event(n, time=days_ago(500)))
    store.append(make_event(4))
    tamper(store, "UPDATE audit_events SET reason = 'rewritten' WHERE id = 2")
    with pytest.raises(ChainBrokenError) as caught:
        store.prune(days_ago(400))
    assert caught.value.result.first_bad_id == 2
    assert store.count() == 4


def test_prune_refuses_when_events_are_missing_from_the_old_part(store):
    for n in range(1, 4):
        store.append(make_event(n, time=days_ago(500)))
    store.append(make_event(4))
    tamper(store, "DELETE FROM audit_events WHERE id = 3")
    with pytest.raises(ChainBrokenError) as caught:
        store.prune(days_ago(400))
    assert caught.value.result.first_bad_id == 3
    assert store.count() == 3


def test_tampering_after_a_prune_is_still_found(store):
    for n in range(1, 4):
        store.append(make_event(n, time=days_ago(500)))
    fill(store, 2)
    store.prune(days_ago(400))
    assert store.verify().ok
    tamper(store, "DELETE FROM audit_events WHERE id = 4")
    result = store.verify()
    assert (result.ok, result.first_bad_id) == (False, 4)


def test_prune_needs_an_aware_cutoff(store):
    with pytest.raises(ValueError, match="timezone-aware"):
        store.prune(dt.datetime(2020, 1, 1))


# -- threads ----------------------------------------------------------------------------------


def test_threads_appending_at_once_produce_one_chain(store):
    threads, per_thread = 4, 40
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(per_thread):
                store.append(make_event(n, request_id=f"t{worker}-{n}"))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    events = store.query(limit=1000, newest_first=False)
    assert [e.id for e in events] == list(range(1, threads * per_thread + 1))
    expected = {f"t{w}-{n}" for w in range(threads) for n in range(per_thread)}
    assert {e.request_id for e in events} == expected
    assert store.verify().ok


def test_verify_sees_a_consistent_snapshot_while_appends_go_on(store):
    fill(store, 5)
    stop = threading.Event()

    def keep_appending() -> None:
        while not stop.is_set():
            store.append(make_event())

    writer = threading.Thread(target=keep_appending)
    writer.start()
    try:
        results = [store.verify() for _ in range(15)]
    finally:
        stop.set()
        writer.join(timeout=30)
    assert all(result.ok for result in results), [r for r in results if not r.ok]
    assert store.verify().ok
