"""Sandbox authentication: the workspace API key, calendar auth tokens, their expiry, and what
a 401 looks like. All over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lib.sandbox.clock import ManualClock
from lib.sandbox.config import DEFAULT_SANDBOX_API_KEY, SandboxConfig

API = "/api/v1/calendar"
SMALL = {"users": 16, "heavy_user_meetings": 0}
Factory = Callable[..., Any]


def key_headers(running: Any, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {running.api_key}"}


def mint(client: httpx.Client, running: Any, user_id: str) -> str:
    response = client.post(
        f"{API}/authenticate/", json={"user_id": user_id}, headers=key_headers(running)
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def user_endpoints() -> list[tuple[str, str]]:
    return [
        ("GET", f"{API}/user/"),
        ("PUT", f"{API}/user/"),
        ("PATCH", f"{API}/user/"),
        ("DELETE", f"{API}/user/"),
        ("POST", f"{API}/user/disconnect/"),
        ("GET", f"{API}/meetings/"),
        ("GET", f"{API}/meetings/00000000-0000-0000-0000-000000000000/"),
        ("PATCH", f"{API}/meetings/00000000-0000-0000-0000-000000000000/"),
        ("POST", f"{API}/meetings/refresh/"),
    ]


def test_authenticate_creates_a_bare_user_for_an_unseen_id(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    before = running.state.user_count
    with httpx.Client(base_url=running.base_url) as client:
        token = mint(client, running, "crm-user-777")
        assert running.state.user_count == before + 1
        user = client.get(f"{API}/user/", headers={"x-recallcalendarauthtoken": token}).json()
    assert user["external_id"] == "crm-user-777"
    assert user["connections"] == []
    flags = {k: v for k, v in user["preferences"].items() if k.startswith("record_")}
    assert len(flags) == 6
    assert not any(flags.values())


def test_authenticate_again_reuses_the_user_and_mints_a_new_token(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with httpx.Client(base_url=running.base_url) as client:
        first = mint(client, running, "nw-000001")
        second = mint(client, running, "nw-000001")
        assert first != second
        ids = {
            client.get(f"{API}/user/", headers={"x-recallcalendarauthtoken": t}).json()["id"]
            for t in (first, second)
        }
    # A seeded id maps to the seeded user, and both tokens stay valid (tokens are stateless).
    assert len(ids) == 1
    assert running.state.user_count == SMALL["users"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"user_id": ""}, "This field may not be blank."),
        ({"user_id": "   "}, "This field may not be blank."),
        ({"user_id": None}, "This field may not be null."),
        ({"user_id": 42}, "Not a valid string."),
        ({"user_id": ["a"]}, "Not a valid string."),
    ],
)
def test_authenticate_refuses_a_bad_user_id(sandbox: Any, body: dict, message: str) -> None:
    before = sandbox.state.user_count
    response = httpx.post(
        f"{sandbox.base_url}{API}/authenticate/", json=body, headers=key_headers(sandbox)
    )
    assert response.status_code == 400
    assert response.json() == {"user_id": [message]}
    assert sandbox.state.user_count == before


@pytest.mark.parametrize("scheme", ["Token", "TOKEN", "token"])
def test_api_key_scheme_is_case_insensitive(sandbox: Any, scheme: str) -> None:
    response = httpx.get(f"{sandbox.base_url}{API}/users/", headers=key_headers(sandbox, scheme))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Token wrong-key"},
        {"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"},
        {"Authorization": DEFAULT_SANDBOX_API_KEY},
        {"Authorization": "Token"},
    ],
    ids=["missing", "wrong", "bearer", "raw-key", "empty"],
)
@pytest.mark.parametrize(
    ("method", "path"), [("GET", f"{API}/users/"), ("POST", f"{API}/authenticate/")]
)
def test_workspace_endpoints_refuse_a_missing_or_wrong_api_key(
    sandbox: Any, headers: dict[str, str], method: str, path: str
) -> None:
    before = sandbox.state.user_count
    body = {"user_id": "intruder"} if method == "POST" else None
    response = httpx.request(method, f"{sandbox.base_url}{path}", headers=headers, json=body)
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert response.headers["WWW-Authenticate"] == "Token"
    assert sandbox.state.user_count == before


def test_wrong_key_is_not_echoed(sandbox: Any) -> None:
    secret = "sk-live-should-never-be-echoed"
    response = httpx.get(
        f"{sandbox.base_url}{API}/users/", headers={"Authorization": f"Token {secret}"}
    )
    assert response.status_code == 401
    assert secret not in response.text


def test_calendar_token_does_not_open_workspace_endpoints(sandbox: Any) -> None:
    with httpx.Client(base_url=sandbox.base_url) as client:
        token = mint(client, sandbox, "nw-000001")
        response = client.get(f"{API}/users/", headers={"x-recallcalendarauthtoken": token})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), user_endpoints())
def test_user_endpoints_need_a_calendar_token(sandbox: Any, method: str, path: str) -> None:
    with httpx.Client(base_url=sandbox.base_url) as client:
        # The API key alone names no calendar user.
        only_key = client.request(method, path, headers=key_headers(sandbox))
        garbage = client.request(method, path, headers={"x-recallcalendarauthtoken": "not.a.jwt"})
    assert only_key.status_code == 401
    assert only_key.json() == {"detail": "Authentication credentials were not provided."}
    assert garbage.status_code == 401
    assert garbage.json() == {"detail": "Invalid token."}


def test_token_header_name_is_case_insensitive(sandbox: Any) -> None:
    with httpx.Client(base_url=sandbox.base_url) as client:
        token = mint(client, sandbox, "nw-000001")
        response = client.get(f"{API}/user/", headers={"X-RecallCalendarAuthToken": token})
    assert response.status_code == 200
    assert response.json()["external_id"] == "nw-000001"


def test_token_from_another_sandbox_is_refused(make_sandbox: Factory) -> None:
    one = make_sandbox(**SMALL)
    other = make_sandbox(**SMALL)  # same seed, so the same users, but its own signing secret
    with httpx.Client(base_url=other.base_url) as client:
        foreign = mint(client, other, "nw-000001")
    response = httpx.get(
        f"{one.base_url}{API}/user/", headers={"x-recallcalendarauthtoken": foreign}
    )
    assert response.status_code == 401


def test_token_expires_after_24_hours(make_sandbox: Factory) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    running = make_sandbox(clock=clock, **SMALL)
    with httpx.Client(base_url=running.base_url) as client:
        token = mint(client, running, "nw-000001")
        headers = {"x-recallcalendarauthtoken": token}
        clock.advance(timedelta(hours=24) - timedelta(seconds=1))
        assert client.get(f"{API}/user/", headers=headers).status_code == 200
        clock.advance(timedelta(seconds=1))
        expired = client.get(f"{API}/user/", headers=headers)
        assert expired.status_code == 401
        assert expired.json() == {"detail": "Token has expired."}
        # A fresh token works again: expiry is per token, not per user.
        fresh = mint(client, running, "nw-000001")
        assert (
            client.get(f"{API}/user/", headers={"x-recallcalendarauthtoken": fresh}).status_code
            == 200
        )


def test_token_of_a_deleted_user_is_refused(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with httpx.Client(base_url=running.base_url) as client:
        token = mint(client, running, "nw-000003")
        headers = {"x-recallcalendarauthtoken": token}
        old_id = client.get(f"{API}/user/", headers=headers).json()["id"]
        assert client.delete(f"{API}/user/", headers=headers).status_code == 204
        after = client.get(f"{API}/meetings/", headers=headers)
        assert after.status_code == 401
        assert after.json() == {"detail": "User inactive or deleted."}
        # Authenticating the same user_id again creates a new, empty calendar user.
        new_token = mint(client, running, "nw-000003")
        renewed = client.get(
            f"{API}/user/", headers={"x-recallcalendarauthtoken": new_token}
        ).json()
    assert renewed["id"] != old_id
    assert renewed["connections"] == []


def test_reprs_hold_no_secrets() -> None:
    config = SandboxConfig(api_key="sk-very-secret", token_secret="signing-secret", users=4)
    from lib.sandbox.server import start_in_thread

    with start_in_thread(config) as running:
        shown = " ".join(
            [repr(config), repr(running), repr(running.state), repr(running.state.tokens)]
        )
    assert "sk-very-secret" not in shown
    assert "signing-secret" not in shown
