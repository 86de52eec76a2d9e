"""Directory search as people type: words of a name, near-miss ids, emails, recent accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.audit import AuditStore, NewEvent, Outcome, new_request_id
from lib.directory import id_key, looks_like_email, near_miss_ids, search, users_frame_from_v1
from lib.recent import recently_opened
from tests.audit_key import TEST_AUDIT_KEY


def _user(uid: str, email: str | None = None) -> dict:
    connections = [{"platform": "google", "connected": True, "email": email}] if email else []
    return {"id": f"r-{uid}", "external_id": uid, "connections": connections, "preferences": {}}


@pytest.fixture
def frame():
    return users_frame_from_v1(
        [
            _user("nw-000001", "ana.lopez@northwind.example"),
            _user("nw-000002", "ana.berg@northwind.example"),
            _user("nw-000010", "lopez.team@northwind.example"),
            _user("NW-000003"),
            _user("nw-000003"),
            _user("plain"),
        ]
    )


def test_every_word_of_a_name_must_match(frame):
    assert list(search(frame, "Ana Lopez")["user_id"]) == ["nw-000001"]
    assert list(search(frame, "ana")["user_id"]) == ["nw-000001", "nw-000002"]
    assert list(search(frame, "  lopez  ")["user_id"]) == ["nw-000001", "nw-000010"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("nw 000001", ("nw-000001",)),
        ("NW-000001", ("nw-000001",)),
        ("nw000001", ("nw-000001",)),
        ("ｎｗ－０００００１", ("nw-000001",)),
        ("nw_000001", ("nw-000001",)),
        ("Nw-000003", ("NW-000003", "nw-000003")),
        ("nw-000001", ()),  # exact: nothing to suggest
        ("nw-000004", ()),
        ("ana.lopez@northwind.example", ()),
        ("PLAIN", ("plain",)),
        ("", ()),
    ],
)
def test_near_miss_ids(frame, typed, meant):
    assert near_miss_ids(frame, typed) == meant


def test_id_key_folds_width_case_and_separators():
    assert id_key("ＮＷ－０００００１") == id_key("nw 000001") == id_key("nw-000001") == "nw000001"
    assert id_key("nw-000001") != id_key("nw-000010")


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("ana@northwind.example", True),
        (" ana.lopez@northwind.example ", True),
        ("ana@localhost", False),
        ("@northwind.example", False),
        ("nw-000001", False),
    ],
)
def test_looks_like_email(text, email):
    assert looks_like_email(text) is email


def _opened(store: AuditStore, actor: str, user_id: str) -> None:
    store.append(
        NewEvent(
            actor_email=actor,
            actor_role="editor",
            action="view_as.start",
            outcome=Outcome.OK,
            user_id=user_id,
            target=None,
            reason="Customer asked on the chat",
            ticket=None,
            before=None,
            after=None,
            error_class=None,
            request_id=new_request_id(),
        )
    )


def test_recently_opened_is_per_staff_member_newest_first_each_once(tmp_path: Path):
    with AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", key=TEST_AUDIT_KEY) as store:
        for uid in ("nw-1", "nw-2", "nw-1", "nw-3"):
            _opened(store, "ed@corp.example", uid)
        _opened(store, "vera@corp.example", "nw-9")

        assert recently_opened(store, "ed@corp.example") == ["nw-3", "nw-1", "nw-2"]
        assert recently_opened(store, "ED@corp.example", limit=2) == ["nw-3", "nw-1"]
        assert recently_opened(store, "vera@corp.example") == ["nw-9"]
        assert recently_opened(store, "nobody@corp.example") == []
