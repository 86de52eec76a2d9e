"""Connection-link builder: decode the URL and check it against §5 of the reference."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from lib.recall.connect import (
    GOOGLE_SCOPES,
    MICROSOFT_SCOPES,
    ConnectionLink,
    build_connection_url,
    recall_callback_url,
)

TOKEN = "eyJhbGciOi.SECRET-TOKEN.sig"
US_EAST = "https://us-east-1.recall.ai"


def decode(link: ConnectionLink) -> tuple[str, dict[str, str]]:
    url = link.reveal()
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    assert len(pairs) == len(dict(pairs)), "no parameter may repeat"
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(pairs)


def test_google_link_matches_the_reference() -> None:
    link = build_connection_url(
        "google",
        token=TOKEN,
        client_id="client-123.apps.googleusercontent.com",
        recall_base_url=US_EAST,
        success_url="https://console.example.com/connected?user=u1&x=a b",
        error_url="https://console.example.com/failed",
    )
    endpoint, params = decode(link)
    assert endpoint == "https://accounts.google.com/o/oauth2/v2/auth"
    assert params["scope"].split(" ") == [
        "https://www.googleapis.com/auth/calendar.events.readonly",
        "https://www.googleapis.com/auth/userinfo.email",
    ]
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert params["include_granted_scopes"] == "true"
    assert params["response_type"] == "code"
    assert params["client_id"] == "client-123.apps.googleusercontent.com"
    redirect = "https://us-east-1.recall.ai/api/v1/calendar/google_oauth_callback/"
    assert params["redirect_uri"] == redirect
    assert json.loads(params["state"]) == {
        "recall_calendar_auth_token": TOKEN,
        "google_oauth_redirect_url": redirect,
        "success_url": "https://console.example.com/connected?user=u1&x=a b",
        "error_url": "https://console.example.com/failed",
    }


def test_microsoft_link_matches_the_reference() -> None:
    link = build_connection_url(
        "microsoft",
        token=TOKEN,
        client_id="00000000-aaaa",
        recall_base_url="https://eu-central-1.recall.ai",
        success_url=None,
        error_url=None,
    )
    endpoint, params = decode(link)
    assert endpoint == "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    assert params["scope"].split(" ") == [
        "offline_access",
        "openid",
        "email",
        "https://graph.microsoft.com/Calendars.Read",
    ]
    assert params["response_mode"] == "query"
    assert params["response_type"] == "code"
    assert "access_type" not in params and "include_granted_scopes" not in params
    redirect = "https://eu-central-1.recall.ai/api/v1/calendar/ms_oauth_callback/"
    assert params["redirect_uri"] == redirect
    # Unset success/error URLs are left out of the state rather than sent as null.
    assert json.loads(params["state"]) == {
        "recall_calendar_auth_token": TOKEN,
        "ms_oauth_redirect_url": redirect,
    }


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1", "eu-central-1", "ap-northeast-1"])
@pytest.mark.parametrize(
    ("platform", "callback"),
    [("google", "google_oauth_callback"), ("microsoft", "ms_oauth_callback")],
)
def test_redirect_uri_is_the_regions_callback(region: str, platform: str, callback: str) -> None:
    expected = f"https://{region}.recall.ai/api/v1/calendar/{callback}/"
    assert recall_callback_url(platform, f"https://{region}.recall.ai/") == expected  # type: ignore[arg-type]
    link = build_connection_url(
        platform,  # type: ignore[arg-type]
        token=TOKEN,
        client_id="cid",
        recall_base_url=f"https://{region}.recall.ai",
    )
    _, params = decode(link)
    state = json.loads(params["state"])
    assert params["redirect_uri"] == expected
    assert state[f"{'google' if platform == 'google' else 'ms'}_oauth_redirect_url"] == expected


def test_custom_base_url_derives_its_callback() -> None:
    assert (
        recall_callback_url("google", "https://recall.internal.example.com/api/v1/")
        == "https://recall.internal.example.com/api/v1/calendar/google_oauth_callback/"
    )


def test_company_forwarding_redirect_is_used_in_both_places() -> None:
    forward = "https://app.example.com/api/google_oauth_callback"
    link = build_connection_url(
        "google", token=TOKEN, client_id="cid", recall_base_url=US_EAST, redirect_uri=forward
    )
    _, params = decode(link)
    assert params["redirect_uri"] == forward
    assert json.loads(params["state"])["google_oauth_redirect_url"] == forward


def test_everything_is_percent_encoded() -> None:
    link = build_connection_url(
        "google",
        token=TOKEN,
        client_id="cid",
        recall_base_url=US_EAST,
        success_url="https://console.example.com/ok?a=1&b=2#frag",
    )
    query = urlsplit(link.reveal()).query
    raw_pairs = dict(pair.split("=", 1) for pair in query.split("&"))
    # Only the separators of the outer query are literal: the state JSON's braces, quotes, colons
    # and its own ?, & and = are all encoded, and spaces are %20 (not +).
    for key in ("state", "scope", "redirect_uri"):
        assert not set(raw_pairs[key]) & set('{}":/?&=# +'), key
    assert "%20" in raw_pairs["scope"]
    assert parse_qs(query)["state"][0].count("recall_calendar_auth_token") == 1


def test_sandbox_mode_uses_the_sandbox_authorize_page_and_callback() -> None:
    base = "http://127.0.0.1:8765"
    link = build_connection_url(
        "microsoft",
        token=TOKEN,
        client_id="cid",
        recall_base_url=base + "/",
        success_url="http://127.0.0.1:8501/?connected=1",
        sandbox=True,
    )
    endpoint, params = decode(link)
    assert endpoint == f"{base}/_sandbox/oauth/microsoft/authorize"
    assert params["redirect_uri"] == f"{base}/api/v1/calendar/ms_oauth_callback/"
    assert json.loads(params["state"])["ms_oauth_redirect_url"] == params["redirect_uri"]
    with pytest.raises(ValueError):
        build_connection_url(
            "google",
            token=TOKEN,
            client_id="cid",
            recall_base_url=base,
            redirect_uri="https://app.example.com/cb",
            sandbox=True,
        )


def test_custom_scopes_replace_the_defaults() -> None:
    link = build_connection_url(
        "google",
        token=TOKEN,
        client_id="cid",
        recall_base_url=US_EAST,
        scopes=["https://www.googleapis.com/auth/calendar.readonly"],
    )
    assert decode(link)[1]["scope"] == "https://www.googleapis.com/auth/calendar.readonly"
    assert GOOGLE_SCOPES and MICROSOFT_SCOPES  # defaults untouched


@pytest.mark.parametrize(
    "overrides",
    [
        {"platform": "zoom"},
        {"token": ""},
        {"client_id": " "},
        {"recall_base_url": "not a url"},
        {"success_url": "/relative"},
        {"error_url": "javascript:alert(1)"},
        {"redirect_uri": "http://app.example.com/cb"},
    ],
)
def test_bad_arguments_are_refused(overrides: dict[str, str]) -> None:
    arguments = {
        "platform": "google",
        "token": TOKEN,
        "client_id": "cid",
        "recall_base_url": US_EAST,
        **overrides,
    }
    platform = arguments.pop("platform")
    with pytest.raises(ValueError):
        build_connection_url(platform, **arguments)  # type: ignore[arg-type]


def test_link_hides_the_token_from_str_repr_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    link = build_connection_url("google", token=TOKEN, client_id="cid", recall_base_url=US_EAST)
    assert TOKEN in json.loads(decode(link)[1]["state"])["recall_calendar_auth_token"]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("sending %s / %r / %s", link, link, f"{link}")
    for text in (str(link), repr(link), f"{link}", caplog.text):
        assert "SECRET-TOKEN" not in text
    assert "accounts.google.com" in str(link)
    assert link == build_connection_url(
        "google", token=TOKEN, client_id="cid", recall_base_url=US_EAST
    )
