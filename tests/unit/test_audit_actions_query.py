"""Reading the log one action at a time (events sharing a request id), and the ``target_info``
column that names a target in words: on SQLite and PostgreSQL, old databases included."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lib import dbschema
from lib.audit import AuditStore, NewEvent, Outcome
from tests.audit_key import TEST_AUDIT_KEY
from tests.unit.test_audit_store import BACKENDS, backend_database


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    with backend_database(request, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as opened:
        yield opened


def event(request_id: str, outcome: Outcome = Outcome.OK, **fields) -> NewEvent:
    base = {"actor_email": "ed@x.example", "actor_role": "editor", "action": "meeting.override"}
    if outcome is Outcome.FAILED:
        base["error_class"] = "ConflictError"
    return NewEvent(**(base | fields), outcome=outcome, request_id=request_id)


def seed(store: AuditStore) -> None:
    store.append(event("a", Outcome.ATTEMPT, user_id="u-1"))  # 1
    store.append(event("b", action="signin"))  # 2
    store.append(event("a", user_id="u-1"))  # 3
    store.append(event("c", Outcome.FAILED, user_id="u-1"))  # 4
    store.append(event("d", Outcome.ATTEMPT, user_id="u-2"))  # 5
    store.append(event("d", Outcome.FAILED, user_id="u-2"))  # 6


def ids(groups) -> list[list[int]]:
    return [[e.id for e in group] for group in groups]


def test_actions_are_whole_requests_newest_first(store):
    seed(store)
    assert store.count() == 6
    assert store.count_actions() == 4
    assert ids(store.query_actions()) == [[5, 6], [4], [1, 3], [2]]


def test_actions_page_without_splitting_a_request(store):
    seed(store)
    assert ids(store.query_actions(limit=2)) == [[5, 6], [4]]
    assert ids(store.query_actions(limit=2, offset=2)) == [[1, 3], [2]]


def test_filters_pick_actions_and_the_whole_request_comes_along(store):
    seed(store)
    assert store.count_actions(outcome=Outcome.FAILED) == 2
    # The attempt of request "d" does not match, but it is read with its outcome.
    assert ids(store.query_actions(outcome=Outcome.FAILED)) == [[5, 6], [4]]
    assert ids(store.query_actions(user_id="u-1")) == [[4], [1, 3]]
    assert store.query_actions(user_id="nobody") == []
    with pytest.raises(ValueError):
        store.query_actions(limit=0)


def test_target_info_is_recorded_signed_and_read_back(store):
    info = {"kind": "meeting", "title": "Board review", "start_time": "2026-12-09T10:00:00Z"}
    stored = store.append(event("x", target="m-1", target_info=info))
    assert store.get(stored.id).target_info == info
    assert store.verify().ok
    with store.engine.begin() as conn:
        if store.backend == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(
            text("UPDATE audit_events SET target_info = :v WHERE id = :id"),
            {"v": '{"kind": "meeting", "title": "Something else"}', "id": stored.id},
        )
    assert store.verify().first_bad_id == stored.id


def test_a_database_from_before_target_info_gets_the_column_and_keeps_verifying(store_url):
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as old:
        old.append(event("old"))
        # The database as revision 0004 left it: no target_info column yet.
        with old.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_events DROP COLUMN target_info"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0004_search_indexes'"))
        with pytest.raises(dbschema.SchemaOutOfDateError):
            AuditStore(old.engine, key=TEST_AUDIT_KEY)
        dbschema.upgrade(old.engine)
    with AuditStore(store_url, key=TEST_AUDIT_KEY) as upgraded:
        upgraded.append(event("new", target_info={"kind": "meeting", "title": "T"}))
        assert upgraded.verify().ok
        assert [e.target_info for e in upgraded.query(newest_first=False)] == [
            None,
            {"kind": "meeting", "title": "T"},
        ]
