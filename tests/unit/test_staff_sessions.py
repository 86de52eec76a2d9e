"""Server-side staff sessions: the age limit counts from the real sign-in, revocation is seen by
every replica, and no cookie value, however crafted, is more than "signed out"."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import jwt
import pytest

from lib.db import default_sqlite_url
from lib.staff import Role
from lib.staff.sessions import (
    SessionState,
    SessionStore,
    new_secret,
    read_cookie,
    session_id_for,
    sign_cookie,
    sso_secret,
)
from tests.pg_schema import postgres_schema

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
KEY = "k" * 64
HOURS_12 = dt.timedelta(hours=12)
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path: Path):
    if request.param == "sqlite":
        yield default_sqlite_url(tmp_path / "data")
        return
    with postgres_schema(request.getfixturevalue("postgres_url"), "session_test") as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(store_url: str, clock: Clock):
    with SessionStore(store_url, clock=clock) as opened:
        yield opened


def start(store: SessionStore, email: str = "pat@corp.example", **kw):
    return store.start(
        kw.pop("secret", None) or new_secret(),
        email=email,
        name="Pat",
        role=kw.pop("role", Role.EDITOR),
        method=kw.pop("method", "local"),
        **kw,
    )


def test_a_session_is_stored_by_hash_only(store: SessionStore, store_url: str):
    secret = new_secret()
    session = start(store, secret=secret)
    assert session.id == session_id_for(secret) != secret
    assert store.check(session.id, max_age=HOURS_12).ok
    with store.engine.connect() as conn:
        dumped = json.dumps(
            [list(map(str, r)) for r in conn.exec_driver_sql("SELECT * FROM staff_sessions")]
        )
    assert secret not in dumped


def test_the_age_limit_counts_from_the_sign_in_and_use_does_not_extend_it(store, clock):
    session = start(store)
    for hours in (4, 8, 11.9):
        clock.now = T0 + dt.timedelta(hours=hours)
        store.touch(session.id)
        assert store.check(session.id, max_age=HOURS_12).ok
    clock.now = T0 + HOURS_12
    check = store.check(session.id, max_age=HOURS_12)
    assert check.state is SessionState.EXPIRED
    assert check.session is not None and check.session.signed_in_at == T0
    assert store.active(max_age=HOURS_12) == []


def test_touch_records_use_at_most_once_a_minute(store, clock):
    session = start(store)
    clock.now = T0 + dt.timedelta(seconds=30)
    store.touch(session.id)
    assert store.get(session.id).last_seen_at == T0
    clock.now = T0 + dt.timedelta(minutes=5)
    store.touch(session.id)
    assert store.get(session.id).last_seen_at == T0 + dt.timedelta(minutes=5)


def test_revoking_ends_the_session_for_every_replica(store_url: str, clock):
    with SessionStore(store_url, clock=clock) as one, SessionStore(store_url, clock=clock) as two:
        session = start(one)
        assert two.check(session.id, max_age=HOURS_12).ok
        assert one.revoke(session.id, by="pat@corp.example", reason="signed out")
        check = two.check(session.id, max_age=HOURS_12)
        assert check.state is SessionState.REVOKED
        assert check.session.revoked_by == "pat@corp.example"
        assert not two.revoke(session.id, by="x", reason="again")  # already ended


def test_unknown_sessions_are_not_valid(store):
    assert store.check(session_id_for("never-issued"), max_age=HOURS_12).state is (
        SessionState.UNKNOWN
    )
    assert not store.revoke("0" * 64, by="x", reason="y")


def test_active_lists_only_usable_sessions_newest_first(store, clock):
    old = start(store, "old@corp.example")
    clock.now = T0 + dt.timedelta(hours=1)
    ended = start(store, "ended@corp.example")
    store.revoke(ended.id, by="admin@corp.example", reason="revoked by an admin")
    clock.now = T0 + dt.timedelta(hours=2)
    new = start(store, "new@corp.example", role=Role.ADMIN, client="Firefox")
    listed = store.active(max_age=HOURS_12)
    assert [s.id for s in listed] == [new.id, old.id]
    assert listed[0].role is Role.ADMIN and listed[0].client == "Firefox"
    assert len(listed[0].ref) == 12


def test_one_sso_sign_in_is_one_session_and_a_new_one_is_another(store, clock):
    claims = {
        "iss": "https://idp",
        "sub": "alice",
        "email": "a@corp.example",
        "iat": 1,
        "nonce": "n",
    }
    first = start(store, secret=sso_secret(claims), method="sso")
    again = start(store, secret=sso_secret(dict(claims)), method="sso")
    assert again.id == first.id
    store.revoke(first.id, by="a@corp.example", reason="signed out")
    # A replayed identity cookie maps to the revoked session, and stays signed out.
    replay = start(store, secret=sso_secret(claims), method="sso")
    assert store.check(replay.id, max_age=HOURS_12).state is SessionState.REVOKED
    fresh = start(store, secret=sso_secret({**claims, "iat": 2, "nonce": "m"}), method="sso")
    assert store.check(fresh.id, max_age=HOURS_12).ok


def test_signed_in_at_can_come_from_the_identity_provider(store, clock):
    issued = T0 - dt.timedelta(hours=3)
    session = start(store, signed_in_at=issued, method="sso")
    assert session.signed_in_at == issued
    clock.now = issued + HOURS_12
    assert store.check(session.id, max_age=HOURS_12).state is SessionState.EXPIRED


def test_old_rows_are_removed_at_a_later_sign_in(store, clock):
    old = start(store)
    clock.now = T0 + dt.timedelta(days=40)
    start(store)
    assert store.get(old.id) is None


def test_a_cookie_round_trips_only_with_the_key():
    secret = new_secret()
    cookie = sign_cookie(secret, KEY)
    assert read_cookie(cookie, KEY) == secret
    assert read_cookie(cookie, "x" * 48) is None
    assert read_cookie(f"{new_secret()}.{cookie.split('.')[1]}", KEY) is None


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        # A JWT the console's library used to accept, signed with the real key.
        jwt.encode({"username": "admin", "exp_date": 9e12}, KEY, algorithm="HS256"),
        jwt.encode({"username": "admin", "exp_date": 9e12}, KEY, algorithm="HS512"),
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'username': 'admin'})}.",
        f"{_b64({'alg': 'none'})}.{_b64({'username': 'admin'})}",
        "garbage",
        "",
        ".",
        "a.b",
        "é" * 40 + "." + "é" * 40,
        "A" * 5000,
        None,
        42,
    ],
)
def test_crafted_cookies_are_just_signed_out(value):
    assert read_cookie(value, KEY) is None
