"""Sandbox calendar-user endpoints: list (filter, pagination), retrieve, partial update through
PUT and PATCH, delete and disconnect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import start_in_thread

API = "/api/v1/calendar"
SMALL = {"users": 24, "heavy_user_meetings": 0}
Factory = Callable[..., Any]
FLAGS = (
    "record_non_host",
    "record_recurring",
    "record_external",
    "record_internal",
    "record_confirmed",
    "record_only_host",
)


def key_headers(running: Any) -> dict[str, str]:
    return {"Authorization": f"Token {running.api_key}"}


def token_headers(client: httpx.Client, running: Any, user_id: str) -> dict[str, str]:
    response = client.post(
        f"{API}/authenticate/", json={"user_id": user_id}, headers=key_headers(running)
    )
    return {"x-recallcalendarauthtoken": response.json()["token"]}


def all_users(running: Any) -> list[dict[str, Any]]:
    response = httpx.get(f"{running.base_url}{API}/users/", headers=key_headers(running))
    assert response.status_code == 200
    return response.json()


def find_user(users: list[dict[str, Any]], condition: Callable[[dict], bool]) -> dict[str, Any]:
    for user in users:
        if condition(user):
            return user
    raise AssertionError("no seeded user matches")


def states(user: dict[str, Any]) -> dict[str, bool]:
    return {c["platform"]: c["connected"] for c in user["connections"]}


# ---- list ----------------------------------------------------------------------------------


def test_list_is_a_plain_array_of_every_user(sandbox: Any) -> None:
    users = all_users(sandbox)
    assert len(users) == sandbox.state.user_count
    assert len({u["id"] for u in users}) == len(users)
    for user in users:
        assert set(user) == {"id", "external_id", "connections", "preferences"}
        assert set(user["preferences"]) == {"id", *FLAGS, "bot_name"}
        for conn in user["connections"]:
            assert set(conn) == {"connected", "platform", "email", "id"}
            assert conn["platform"] in ("google", "microsoft")


def test_email_filter_is_case_insensitive_and_matches_any_connection(sandbox: Any) -> None:
    users = all_users(sandbox)
    both = find_user(users, lambda u: len(u["connections"]) == 2)
    for conn in both["connections"]:
        response = httpx.get(
            f"{sandbox.base_url}{API}/users/",
            params={"email": conn["email"].upper()},
            headers=key_headers(sandbox),
        )
        assert [u["id"] for u in response.json()] == [both["id"]]
    none = httpx.get(
        f"{sandbox.base_url}{API}/users/",
        params={"email": "nobody@nowhere.example"},
        headers=key_headers(sandbox),
    )
    assert none.json() == []


def test_pagination_walks_every_user_once_in_order_and_back(sandbox: Any) -> None:
    expected = [u["id"] for u in all_users(sandbox)]
    pages: list[dict[str, Any]] = []
    url: str | None = f"{sandbox.base_url}{API}/users/?paginate=true&page_size=40"
    with httpx.Client(headers=key_headers(sandbox)) as client:
        while url:
            page = client.get(url).json()
            assert set(page) == {"next", "previous", "results"}
            assert len(page["results"]) <= 40
            pages.append(page)
            url = page["next"]
        assert [u["id"] for page in pages for u in page["results"]] == expected
        assert pages[0]["previous"] is None
        assert pages[-1]["next"] is None
        # previous of page 3 is page 2
        back = client.get(pages[2]["previous"]).json()
    assert back["results"] == pages[1]["results"]
    assert len(pages) == -(-len(expected) // 40)


def test_page_size_defaults_to_100_and_is_capped_at_1000(make_sandbox: Factory) -> None:
    running = make_sandbox(users=1100, heavy_user_meetings=0)
    base = f"{running.base_url}{API}/users/"
    with httpx.Client(headers=key_headers(running)) as client:
        default = client.get(base, params={"paginate": "true"}).json()
        huge = client.get(base, params={"paginate": "true", "page_size": 5000}).json()
        junk = client.get(base, params={"paginate": "true", "page_size": "lots"}).json()
        plain = client.get(base, params={"paginate": "false"}).json()
    assert len(default["results"]) == 100
    assert len(huge["results"]) == 1000
    assert huge["next"] is not None
    assert len(junk["results"]) == 100
    assert isinstance(plain, list)
    assert len(plain) == 1100


def test_bad_cursor_and_bad_paginate_flag(sandbox: Any) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers=key_headers(sandbox)) as client:
        cursor = client.get(f"{API}/users/", params={"paginate": "true", "cursor": "%%%"})
        flag = client.get(f"{API}/users/", params={"paginate": "maybe"})
    assert cursor.status_code == 404
    assert cursor.json() == {"detail": "Invalid cursor"}
    assert flag.status_code == 400
    assert flag.json() == {"paginate": ["Must be a valid boolean."]}


# ---- retrieve and update -------------------------------------------------------------------


@pytest.fixture(scope="module")
def refusals() -> Iterator[Any]:
    """One private sandbox for the refused updates: they must change nothing, and if one did,
    the damage stays out of the shared sandbox."""
    with start_in_thread(SandboxConfig(rate_limit_scale=0, **SMALL)) as running:
        yield running


def test_retrieve_matches_the_list_entry(sandbox: Any) -> None:
    listed = all_users(sandbox)[5]
    with httpx.Client(base_url=sandbox.base_url) as client:
        mine = client.get(
            f"{API}/user/", headers=token_headers(client, sandbox, listed["external_id"])
        )
    assert mine.json() == listed


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("missing", ["false", "keep"])
def test_partial_preference_update(make_sandbox: Factory, method: str, missing: str) -> None:
    """Flags a preferences object omits become false (Recall's documented reading, the
    default) or keep their value (``missing_preference_keys="keep"``)."""
    running = make_sandbox(**SMALL, missing_preference_keys=missing)
    with httpx.Client(base_url=running.base_url) as client:
        headers = token_headers(client, running, "nw-000005")
        before = client.get(f"{API}/user/", headers=headers).json()
        flipped = not before["preferences"]["record_external"]
        response = client.request(
            method,
            f"{API}/user/",
            headers=headers,
            json={"preferences": {"record_external": flipped}},
        )
        assert response.status_code == 200
        after = response.json()
        assert client.get(f"{API}/user/", headers=headers).json() == after
    assert after["preferences"]["record_external"] is flipped
    others = [k for k in FLAGS if k != "record_external"]
    assert any(before["preferences"][k] for k in others), "the test needs a flag that is on"
    if missing == "keep":
        assert all(after["preferences"][k] == before["preferences"][k] for k in others)
    else:
        assert not any(after["preferences"][k] for k in others)
    assert after["preferences"]["bot_name"] == before["preferences"]["bot_name"]
    assert after["preferences"]["id"] == before["preferences"]["id"]
    assert after["external_id"] == before["external_id"]


def test_update_bot_name_and_external_id(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with httpx.Client(base_url=running.base_url) as client:
        headers = token_headers(client, running, "nw-000006")
        response = client.patch(
            f"{API}/user/",
            headers=headers,
            json={
                "external_id": "crm-6",
                "preferences": {"bot_name": "Ops Recorder", "id": "ignored-read-only"},
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert body["external_id"] == "crm-6"
        assert body["preferences"]["bot_name"] == "Ops Recorder"
        assert body["preferences"]["id"] != "ignored-read-only"
        # The new external_id is how authenticate finds the user now; the old one is free.
        again = client.get(f"{API}/user/", headers=token_headers(client, running, "crm-6")).json()
        assert again["id"] == body["id"]
        count = running.state.user_count
        token_headers(client, running, "nw-000006")
        assert running.state.user_count == count + 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"preferences": {"record_external": "yes"}},
            {"preferences": {"record_external": ["Must be a valid boolean."]}},
        ),
        (
            {"preferences": {"record_internal": True, "record_confirmed": 1}},
            {"preferences": {"record_confirmed": ["Must be a valid boolean."]}},
        ),
        (
            {"preferences": {"record_everything": True}},
            {"preferences": {"record_everything": ["Unknown field."]}},
        ),
        ({"preferences": {"bot_name": 7}}, {"preferences": {"bot_name": ["Not a valid string."]}}),
        (
            {"preferences": {"bot_name": ""}},
            {"preferences": {"bot_name": ["This field may not be blank."]}},
        ),
        (
            {"preferences": "all"},
            {
                "preferences": {
                    "non_field_errors": ["Invalid data. Expected a dictionary, but got str."]
                }
            },
        ),
        ({"preferences": None}, {"preferences": ["This field may not be null."]}),
        ({"external_id": ""}, {"external_id": ["This field may not be blank."]}),
        (
            {"external_id": "nw-000002"},
            {"external_id": ["calendar user with this external id already exists."]},
        ),
    ],
)
def test_invalid_updates_are_refused_whole(refusals: Any, body: dict, errors: dict) -> None:
    running = refusals
    with httpx.Client(base_url=running.base_url) as client:
        headers = token_headers(client, running, "nw-000007")
        before = client.get(f"{API}/user/", headers=headers).json()
        # A valid change next to the invalid one must not be applied either.
        payload = dict(body)
        if isinstance(body.get("preferences"), dict):
            valid = {"record_non_host": not before["preferences"]["record_non_host"]}
            payload["preferences"] = {**valid, **body["preferences"]}
        response = client.put(f"{API}/user/", headers=headers, json=payload)
        after = client.get(f"{API}/user/", headers=headers).json()
    assert response.status_code == 400
    assert response.json() == errors
    assert after == before


# ---- delete and disconnect -------------------------------------------------------------------


def test_delete_removes_the_user_and_its_meetings(make_sandbox: Factory) -> None:
    running = make_sandbox(**SMALL)
    with httpx.Client(base_url=running.base_url) as client:
        headers = token_headers(client, running, "nw-000001")
        user_id = client.get(f"{API}/user/", headers=headers).json()["id"]
        assert client.get(f"{API}/meetings/", headers=headers).json()
        response = client.delete(f"{API}/user/", headers=headers)
        assert response.status_code == 204
        assert response.content == b""
        listed = client.get(f"{API}/users/", headers=key_headers(running)).json()
    assert user_id not in {u["id"] for u in listed}
    assert running.state.user_count == SMALL["users"] - 1
    assert running.state.workspace.get(user_id) is None


def test_disconnect_keeps_the_connection_listed_and_clears_its_meetings(
    make_sandbox: Factory,
) -> None:
    running = make_sandbox(users=60, heavy_user_meetings=0)
    both = find_user(all_users(running), lambda u: states(u) == {"google": True, "microsoft": True})
    with httpx.Client(base_url=running.base_url) as client:
        headers = token_headers(client, running, both["external_id"])
        platforms = {
            m["calendar_platform"] for m in client.get(f"{API}/meetings/", headers=headers).json()
        }
        assert platforms == {"google", "microsoft"}

        response = client.post(
            f"{API}/user/disconnect/", headers=headers, json={"platform": "google"}
        )
        assert response.status_code == 200
        assert states(response.json()) == {"google": False, "microsoft": True}
        left = client.get(f"{API}/meetings/", headers=headers).json()
        assert left
        assert {m["calendar_platform"] for m in left} == {"microsoft"}
        assert client.post(f"{API}/meetings/refresh/", headers=headers).status_code == 200

        client.post(f"{API}/user/disconnect/", headers=headers, json={"platform": "microsoft"})
        assert client.get(f"{API}/meetings/", headers=headers).json() == []
        refresh = client.post(f"{API}/meetings/refresh/", headers=headers)
    assert refresh.status_code == 422
    assert set(refresh.json()) == {"detail"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"platform": "zoom"}, '"zoom" is not a valid choice.'),
        ({"platform": "Google"}, '"Google" is not a valid choice.'),
        ({}, "This field is required."),
    ],
)
def test_disconnect_refuses_an_unknown_platform(sandbox: Any, body: dict, message: str) -> None:
    with httpx.Client(base_url=sandbox.base_url) as client:
        headers = token_headers(client, sandbox, "nw-000001")
        response = client.post(f"{API}/user/disconnect/", headers=headers, json=body)
        still = client.get(f"{API}/user/", headers=headers).json()
    assert response.status_code == 400
    assert response.json() == {"platform": [message]}
    assert any(c["connected"] for c in still["connections"])
