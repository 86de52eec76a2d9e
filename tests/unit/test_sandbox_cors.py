"""CORS like a public API: a browser client (Recall's own V1 demo) calls the calendar endpoints
directly with the calendar token, so preflights are answered without authentication."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

API = "/api/v1/calendar"
ORIGIN = "http://localhost:3000"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("meetings/", "GET"),
        ("meetings/refresh", "POST"),
        ("user/", "PUT"),
        ("user/", "DELETE"),
        ("meetings/3fa85f64-5717-4562-b3fc-2c963f66afa6/", "PATCH"),
        ("authenticate/", "POST"),
    ],
)
def test_preflight_is_answered_without_auth(sandbox: Any, path: str, method: str) -> None:
    response = httpx.options(
        f"{sandbox.base_url}{API}/{path}",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type,x-recallcalendarauthtoken",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", ORIGIN)
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert method in methods
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {"x-recallcalendarauthtoken", "authorization", "content-type"} <= allowed


def test_a_browser_client_reads_the_calendar_with_the_token_alone(sandbox: Any) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers={"Origin": ORIGIN}) as client:
        token = client.post(
            f"{API}/authenticate/",
            json={"user_id": "nw-000001"},
            headers={"Authorization": f"Token {sandbox.api_key}"},
        )
        assert token.headers["access-control-allow-origin"] == "*"
        headers = {"X-RecallCalendarAuthToken": token.json()["token"]}
        meetings = client.get(f"{API}/meetings/", headers=headers)
        assert meetings.status_code == 200
        assert meetings.headers["access-control-allow-origin"] == "*"
        # Refusals carry the header too, or the browser could not read the error.
        refused = client.get(f"{API}/user/")
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == "*"
        assert "retry-after" in refused.headers["access-control-expose-headers"].lower()


def test_options_without_preflight_headers_is_an_ordinary_request(sandbox: Any) -> None:
    # Not a CORS preflight: authentication still applies.
    response = httpx.options(f"{sandbox.base_url}{API}/user/")
    assert response.status_code == 401
