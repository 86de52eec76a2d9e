"""Following a sandbox connection link end to end over real HTTP, as a browser would:
authorize page -> submit email -> Recall callback -> success_url; the user is then connected."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lib.recall import RecallClient, build_connection_url

SUCCESS = "http://127.0.0.1:9/connected?user=new-person&step=2"
FAILURE = "http://127.0.0.1:9/failed?user=new-person"


class _Form(HTMLParser):
    """The consent page's form fields (hidden inputs and defaults)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.has_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.has_form = True
        if tag == "input" and values.get("type") in ("hidden", "checkbox") and "name" in values:
            self.fields[values["name"]] = values.get("value", "")


def follow(link_url: str, email: str) -> httpx.Response:
    """Open the link, submit the consent form, and follow redirects up to the success/error
    URL, which is returned as the final 302 (nothing listens there)."""
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(link_url)
        assert page.status_code == 200, page.text
        form = _Form()
        form.feed(page.text)
        assert form.has_form
        submitted = browser.post(
            link_url.split("?", 1)[0], data={**form.fields, "email": email, "decision": "allow"}
        )
        assert submitted.status_code == 302
        callback = submitted.headers["location"]
        assert "code=" in callback
        return browser.get(callback)


@pytest.mark.parametrize("platform", ["google", "microsoft"])
def test_connection_link_connects_the_user(platform: str, make_sandbox: Callable[..., Any]) -> None:
    running = make_sandbox(users=5, heavy_user_meetings=0)
    with RecallClient(running.base_url, running.api_key) as client:
        # A brand-new id: authenticate creates it (in a private sandbox, on purpose).
        token = client.authenticate("new-person")
        assert client.get_user("new-person").connected_platforms == ()
        link = build_connection_url(
            platform,  # type: ignore[arg-type]
            token=token,
            client_id=f"sandbox-{platform}-client",
            recall_base_url=running.base_url,
            success_url=SUCCESS,
            error_url=FAILURE,
            sandbox=True,
        )
        final = follow(link.reveal(), f"person@{platform}.example.com")
        assert final.status_code == 302
        assert final.headers["location"] == SUCCESS  # query parameters preserved
        user = client.get_user("new-person")
        assert user.connected_platforms == (platform,)
        assert user.connection(platform).email == f"person@{platform}.example.com"
        assert client.list_meetings("new-person") is not None


def test_an_invalid_token_lands_on_the_error_url(make_sandbox: Callable[..., Any]) -> None:
    running = make_sandbox(users=5, heavy_user_meetings=0)
    link = build_connection_url(
        "google",
        token="not-a-real-token",
        client_id="sandbox-google-client",
        recall_base_url=running.base_url,
        success_url=SUCCESS,
        error_url=FAILURE,
        sandbox=True,
    )
    final = follow(link.reveal(), "someone@example.com")
    assert final.status_code == 302
    location = urlsplit(final.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == FAILURE.split("?")[0]
    query = parse_qs(location.query)
    assert query["user"] == ["new-person"]
    assert "recall_calendar_auth_token" in query["error"][0]
