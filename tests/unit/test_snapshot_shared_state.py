"""State the workers share through PostgreSQL: the rate limiter's buckets and the calendar
tokens kept between jobs (encrypted, dropped on expiry)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from lib.recall import RecallClient
from lib.recall.ratelimit import AUTHENTICATE
from lib.snapshot import tables
from lib.snapshot.ratelimit import DatabaseRateLimiter
from lib.snapshot.sync import sync_user
from lib.snapshot.tokens import DatabaseTokenCache
from tests.snapshot_db import migrated_engine


@pytest.fixture
def engine(postgres_url: str, tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine("postgresql", tmp_path, postgres_url) as made:
        yield made


def test_limiters_in_different_workers_share_one_budget(engine: Engine) -> None:
    waits: list[float] = []

    def no_sleep(seconds: float) -> None:
        waits.append(seconds)
        raise TimeoutError  # stop at the first wait: we only want to see that one happens

    first = DatabaseRateLimiter(engine, {AUTHENTICATE: 3}, window_s=60, sleep=no_sleep)
    second = DatabaseRateLimiter(engine, {AUTHENTICATE: 3}, window_s=60, sleep=no_sleep)
    for limiter in (first, second, first):
        limiter.acquire(AUTHENTICATE).finish()
    with pytest.raises(TimeoutError):
        second.acquire(AUTHENTICATE)
    assert 55 < waits[0] <= 60.2


def test_a_retry_after_pauses_every_worker(engine: Engine) -> None:
    waits: list[float] = []

    def no_sleep(seconds: float) -> None:
        waits.append(seconds)
        raise TimeoutError

    first = DatabaseRateLimiter(engine, {AUTHENTICATE: 100}, sleep=no_sleep)
    second = DatabaseRateLimiter(engine, {AUTHENTICATE: 100}, sleep=no_sleep)
    first.pause(AUTHENTICATE, "workspace", 30)
    with pytest.raises(TimeoutError):
        second.acquire(AUTHENTICATE)
    assert 25 < waits[0] <= 30


def test_tokens_are_stored_encrypted_and_reused_by_the_next_job(
    engine: Engine, make_sandbox: Callable[..., Any]
) -> None:
    running = make_sandbox(seed=2, users=5, heavy_user_meetings=0)
    key = Fernet.generate_key()
    with RecallClient(running.base_url, running.api_key) as lister:
        user_id = lister.list_users()[0].external_id or ""
    for _ in range(2):  # two jobs, two clients (as two workers would have)
        cache = DatabaseTokenCache(engine, key)
        with RecallClient(running.base_url, running.api_key, token_cache=cache) as client:
            assert sync_user(engine, client, user_id).outcome == "ok"
    import httpx

    stats = httpx.get(f"{running.base_url}/_sandbox/stats").json()
    assert stats["by_endpoint"]["authenticate"] == 1
    token = DatabaseTokenCache(engine, key).get(running.base_url, user_id)
    assert token
    with engine.connect() as conn:
        stored = conn.execute(select(tables.tokens.c.ciphertext)).scalar_one()
    assert token.encode() not in stored
    assert Fernet(key).decrypt(stored).decode() == token
    # Under another key the token is unreadable, so it is dropped, never used.
    assert DatabaseTokenCache(engine, Fernet.generate_key()).get(running.base_url, user_id) is None
    assert token not in repr(DatabaseTokenCache(engine, key))


def test_an_expired_token_is_dropped(engine: Engine) -> None:
    now = [1_000_000.0]
    cache = DatabaseTokenCache(engine, Fernet.generate_key(), clock=lambda: now[0])
    cache.put("http://x", "u1", "not-a-jwt")
    assert cache.get("http://x", "u1") == "not-a-jwt"
    now[0] += 24 * 3600
    assert cache.get("http://x", "u1") is None
    with engine.connect() as conn:
        assert conn.execute(select(tables.tokens)).first() is None
