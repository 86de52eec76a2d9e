"""Token cache: reuse until shortly before expiry (JWT ``exp`` or 24 h), invalidation, masking."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest

from lib.recall.tokens import TOKEN_LIFETIME_S, TokenCache, jwt_expiry

BASE = "https://us-west-2.recall.ai"


def jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_jwt_expiry_reads_exp_and_ignores_other_shapes() -> None:
    assert jwt_expiry(jwt({"exp": 1_700_003_600, "sub": "u1"})) == 1_700_003_600.0
    assert jwt_expiry(jwt({"sub": "u1"})) is None
    assert jwt_expiry(jwt({"exp": "soon"})) is None
    assert jwt_expiry(jwt({"exp": True})) is None
    assert jwt_expiry("opaque-token") is None
    assert jwt_expiry("a.%%%.c") is None
    assert jwt_expiry("a.bm90IGpzb24.c") is None  # "not json"


def test_opaque_token_is_reused_until_shortly_before_24_hours() -> None:
    clock = Clock()
    cache = TokenCache(clock=clock, refresh_before_s=600)
    cache.put(BASE, "u1", "opaque")
    assert cache.expires_at(BASE, "u1") == clock.now + TOKEN_LIFETIME_S
    clock.now += TOKEN_LIFETIME_S - 601
    assert cache.get(BASE, "u1") == "opaque"
    clock.now += 1
    assert cache.get(BASE, "u1") is None


def test_jwt_exp_shortens_the_lifetime() -> None:
    clock = Clock()
    cache = TokenCache(clock=clock, refresh_before_s=60)
    token = jwt({"exp": clock.now + 3600})
    cache.put(BASE, "u1", token)
    clock.now += 3600 - 61
    assert cache.get(BASE, "u1") == token
    clock.now += 1
    assert cache.get(BASE, "u1") is None


def test_jwt_exp_beyond_24_hours_is_capped() -> None:
    clock = Clock()
    cache = TokenCache(clock=clock)
    cache.put(BASE, "u1", jwt({"exp": clock.now + 7 * 86400}))
    assert cache.expires_at(BASE, "u1") == clock.now + TOKEN_LIFETIME_S


def test_get_or_mint_mints_on_miss_and_after_expiry_only() -> None:
    clock = Clock()
    cache = TokenCache(clock=clock, refresh_before_s=0)
    minted: list[str] = []

    def mint() -> str:
        minted.append(f"t{len(minted)}")
        return minted[-1]

    assert cache.get_or_mint(BASE, "u1", mint) == "t0"
    assert cache.get_or_mint(BASE, "u1", mint) == "t0"
    assert cache.get_or_mint(BASE, "u2", mint) == "t1"
    clock.now += TOKEN_LIFETIME_S
    assert cache.get_or_mint(BASE, "u1", mint) == "t2"
    assert minted == ["t0", "t1", "t2"]


def test_keys_are_per_base_url_and_user() -> None:
    cache = TokenCache()
    cache.put(BASE, "u1", "a")
    cache.put(BASE + "/", "u2", "b")
    cache.put("https://eu-central-1.recall.ai", "u1", "c")
    assert cache.get(BASE, "u1") == "a"
    assert cache.get(BASE, "u2") == "b"
    assert cache.get("https://eu-central-1.recall.ai", "u1") == "c"
    cache.invalidate(BASE, "u1")
    assert cache.get(BASE, "u1") is None
    assert cache.get("https://eu-central-1.recall.ai", "u1") == "c"
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_concurrent_misses_mint_once() -> None:
    cache = TokenCache()
    calls: list[int] = []
    barrier = threading.Barrier(6)
    results: list[str] = []

    def mint() -> str:
        calls.append(1)
        time.sleep(0.05)  # hold the miss open so the other threads pile up behind it
        return "shared"

    def worker() -> None:
        barrier.wait()
        results.append(cache.get_or_mint(BASE, "u1", mint))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert results == ["shared"] * 6
    assert len(calls) == 1


def test_a_failed_mint_caches_nothing() -> None:
    cache = TokenCache()

    def failing() -> str:
        raise RuntimeError("mint failed")

    with pytest.raises(RuntimeError):
        cache.get_or_mint(BASE, "u1", failing)
    assert cache.get(BASE, "u1") is None
    assert cache.get_or_mint(BASE, "u1", lambda: "ok") == "ok"


def test_repr_never_shows_tokens() -> None:
    cache = TokenCache()
    cache.put(BASE, "u1", "SECRET-TOKEN-VALUE")
    assert "SECRET-TOKEN-VALUE" not in repr(cache)
    assert "SECRET-TOKEN-VALUE" not in repr(cache._entries)
    assert repr(cache) == "TokenCache(entries=1)"
