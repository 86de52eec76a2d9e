"""The OAuth consent stand-in and Recall's callbacks, end to end over HTTP: authorize page, form
post, callback, redirect, and the documented failures."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lib.sandbox.clock import ManualClock

API = "/api/v1/calendar"
SMALL = {"users": 8, "heavy_user_meetings": 0}
GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/calendar.events.readonly "
    "https://www.googleapis.com/auth/userinfo.email"
)
MS_SCOPES = "offline_access openid email https://graph.microsoft.com/Calendars.Read"
SUCCESS = "http://localhost:8501/connected?from=console"
ERROR = "http://localhost:8501/failed?from=console"
Factory = Callable[..., Any]
CALLBACK = {"google": "google_oauth_callback", "microsoft": "ms_oauth_callback"}
STATE_KEY = {"google": "google_oauth_redirect_url", "microsoft": "ms_oauth_redirect_url"}


def mint(running: Any, user_id: str) -> str:
    return httpx.post(
        f"{running.base_url}{API}/authenticate/",
        json={"user_id": user_id},
        headers={"Authorization": f"Token {running.api_key}"},
    ).json()["token"]


def authorize_query(running: Any, provider: str, token: str, **overrides: Any) -> dict[str, str]:
    callback = f"{running.base_url}{API}/{CALLBACK[provider]}/"
    state = {
        "recall_calendar_auth_token": token,
        STATE_KEY[provider]: callback,
        "success_url": SUCCESS,
        "error_url": ERROR,
    }
    state.update(overrides.pop("state", {}))
    query = {
        "client_id": "console-client-id",
        "redirect_uri": callback,
        "scope": GOOGLE_SCOPES if provider == "google" else MS_SCOPES,
        "response_type": "code",
        "state": json.dumps({k: v for k, v in state.items() if v is not None}),
    }
    if provider == "google":
        query |= {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}
    else:
        query |= {"response_mode": "query"}
    query.update(overrides)
    return {k: v for k, v in query.items() if v is not None}


def consent(
    client: httpx.Client, provider: str, query: dict[str, str], email: str, **choices: str
) -> httpx.Response:
    """Open the consent page, fill it in as a person would, and submit it."""
    page = client.get(f"/_sandbox/oauth/{provider}/authorize", params=query)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input type=hidden name="([^"]+)" value="([^"]*)">', page.text
        )
    }
    if provider == "google" and "grant_calendar" not in choices:
        assert "name=grant_calendar value=yes checked" in page.text
        choices["grant_calendar"] = "yes"
    fields |= {"email": email, "decision": "allow", **choices}
    return client.post(f"/_sandbox/oauth/{provider}/authorize", data=fields)


def run_flow(
    running: Any, provider: str, token: str, email: str, **overrides: Any
) -> httpx.Response:
    """Consent, follow the provider's redirect to the callback, return the callback's answer."""
    with httpx.Client(base_url=running.base_url) as client:
        back = consent(
            client, provider, authorize_query(running, provider, token, **overrides), email
        )
        assert back.status_code == 302
        return client.get(back.headers["location"])


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_connect_end_to_end(make_sandbox: Factory, provider: str) -> None:
    running = make_sandbox(**SMALL)
    token = mint(running, "fresh-user")
    query = authorize_query(running, provider, token)
    with httpx.Client(base_url=running.base_url) as client:
        back = consent(client, provider, query, "Pat.Doe@client.example")
        assert back.status_code == 302
        location = back.headers["location"]
        assert location.startswith(query["redirect_uri"] + "?")
        params = query_of(location)
        assert params["state"] == [query["state"]]  # unchanged, byte for byte
        assert params["code"]

        done = client.get(location)
        assert done.status_code == 302
        assert done.headers["location"] == SUCCESS

        cal = {"x-recallcalendarauthtoken": token}
        user = client.get(f"{API}/user/", headers=cal).json()
        meetings = client.get(f"{API}/meetings/", headers=cal).json()
        # A code works once.
        replay = client.get(location)
    assert user["connections"] == [
        {
            "connected": True,
            "platform": provider,
            "email": "Pat.Doe@client.example",
            "id": user["connections"][0]["id"],
        }
    ]
    assert meetings
    assert {m["calendar_platform"] for m in meetings} == {provider}
    assert any(m["organizer_email"] == "Pat.Doe@client.example" for m in meetings)
    assert replay.status_code == 302
    assert query_of(replay.headers["location"])["error"] == [
        "Calendar connection failed! (reason: invalid_grant)"
    ]


def test_reconnecting_replaces_the_calendar(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    token = mint(running, "nw-000001")
    cal = {"x-recallcalendarauthtoken": token}
    with httpx.Client(base_url=running.base_url) as client:
        before = client.get(f"{API}/user/", headers=cal).json()
        platform = before["connections"][0]["platform"]
        old_ids = {m["id"] for m in client.get(f"{API}/meetings/", headers=cal).json()}
        assert (
            run_flow(running, platform, token, "second.account@northwind.example").status_code
            == 302
        )
        after = client.get(f"{API}/user/", headers=cal).json()
        new = client.get(f"{API}/meetings/", headers=cal).json()
    mine = [c for c in after["connections"] if c["platform"] == platform]
    assert len(mine) == 1
    assert mine[0]["email"] == "second.account@northwind.example"
    assert new
    assert old_ids.isdisjoint({m["id"] for m in new})


def test_failures_redirect_to_error_url_keeping_its_query(make_sandbox: Factory) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    running = make_sandbox(clock=clock, **SMALL)
    token = mint(running, "nw-000001")

    def error_of(response: httpx.Response) -> str:
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith("http://localhost:8501/failed?")
        params = query_of(location)
        assert params["from"] == ["console"]
        return params["error"][0]

    invalid_token = "Calendar connection failed! (Invalid 'recall_calendar_auth_token' supplied)"
    forged = run_flow(
        running, "google", token, "a@x.example", state={"recall_calendar_auth_token": "forged"}
    )
    assert error_of(forged) == invalid_token

    wrong_url = run_flow(
        running,
        "google",
        token,
        "a@x.example",
        state={STATE_KEY["google"]: "http://127.0.0.1:1/cb/"},
    )
    assert "google_oauth_redirect_url" in error_of(wrong_url)

    no_refresh = run_flow(
        running, "microsoft", token, "a@x.example", scope="openid email Calendars.Read"
    )
    assert error_of(no_refresh) == (
        "Calendar connection failed! (reason: refresh_token missing from oAuth response)"
    )
    offline_missing = run_flow(running, "google", token, "a@x.example", access_type=None)
    assert "refresh_token missing" in error_of(offline_missing)

    with httpx.Client(base_url=running.base_url) as client:
        query = authorize_query(running, "google", token)
        unticked = consent(client, "google", query, "a@x.example", grant_calendar="")
        scope_error = error_of(client.get(unticked.headers["location"]))
    assert scope_error.startswith("invalid_scope(detail: None of the supported calendar scopes(")
    assert "https://www.googleapis.com/auth/userinfo.email" in scope_error

    with httpx.Client(base_url=running.base_url) as client:
        query = authorize_query(running, "microsoft", token)
        page = client.get("/_sandbox/oauth/microsoft/authorize", params=query)
        assert page.status_code == 200
        denied = client.post(
            "/_sandbox/oauth/microsoft/authorize",
            data={**query, "decision": "deny"},
        )
        assert error_of(client.get(denied.headers["location"])) == (
            "Calendar connection failed! (reason: access_denied)"
        )

    # A token that was valid when the flow started but expired before the callback.
    with httpx.Client(base_url=running.base_url) as client:
        back = consent(client, "google", authorize_query(running, "google", token), "a@x.example")
        clock.advance(timedelta(hours=25))
        assert error_of(client.get(back.headers["location"])) == invalid_token

    user = httpx.get(
        f"{running.base_url}{API}/user/",
        headers={"x-recallcalendarauthtoken": mint(running, "nw-000001")},
    ).json()
    assert "a@x.example" not in {c["email"] for c in user["connections"]}


def test_failures_without_error_url_render_an_escaped_page(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    token = mint(running, "nw-000001")
    response = run_flow(
        running,
        "google",
        token,
        "a@x.example",
        state={"recall_calendar_auth_token": "<script>x</script>", "error_url": None},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Invalid &#x27;recall_calendar_auth_token&#x27; supplied" in response.text
    broken_state = httpx.get(
        f"{running.base_url}{API}/google_oauth_callback/",
        params={"code": "x", "state": "{not json"},
    )
    assert broken_state.status_code == 400
    assert "Invalid &#x27;state&#x27; supplied" in broken_state.text


def test_success_without_success_url_renders_a_page(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    token = mint(running, "someone-new")
    response = run_flow(running, "microsoft", token, "x@y.example", state={"success_url": None})
    assert response.status_code == 200
    assert "x@y.example" in response.text


def test_consent_page_escapes_what_it_shows(sandbox: Any) -> None:
    # The consent page writes nothing, so the shared sandbox serves.
    running = sandbox
    query = authorize_query(running, "google", "tok", client_id="<script>alert(1)</script>")
    page = httpx.get(f"{running.base_url}/_sandbox/oauth/google/authorize", params=query)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://attacker.example/steal"},
        {"redirect_uri": None},
        {"response_type": "token"},
        {"client_id": None},
    ],
)
def test_consent_page_refuses_bad_requests(sandbox: Any, overrides: dict) -> None:
    # The consent page writes nothing, so the shared sandbox serves.
    running = sandbox
    query = authorize_query(running, "google", "tok", **overrides)
    page = httpx.get(f"{running.base_url}/_sandbox/oauth/google/authorize", params=query)
    submit = httpx.post(
        f"{running.base_url}/_sandbox/oauth/google/authorize",
        data={**query, "email": "a@b.example", "decision": "allow"},
    )
    assert page.status_code == 400
    assert submit.status_code == 400
    assert "location" not in submit.headers


def test_consent_form_asks_again_for_a_bad_email(sandbox: Any) -> None:
    # The consent page writes nothing, so the shared sandbox serves.
    running = sandbox
    with httpx.Client(base_url=running.base_url) as client:
        response = consent(
            client, "google", authorize_query(running, "google", "tok"), "not-an-email"
        )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    # The form is shown again with what was entered, escaped.
    assert 'value="not-an-email"' in response.text
