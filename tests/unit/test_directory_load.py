"""The user list read page by page against the sandbox: both shapes of ``next`` (cursor and page
number), progress after each page, a page that fails or times out, and resuming from it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from lib.directory_load import DirectoryLoad
from lib.recall import RecallClient, UnexpectedResponseError, UsersPage
from lib.sandbox.server import RunningSandbox

USERS = 57
PAGE = 10


@pytest.fixture(params=["cursor", "page"])
def shaped_sandbox(
    request: pytest.FixtureRequest, make_sandbox: Callable[..., RunningSandbox]
) -> RunningSandbox:
    return make_sandbox(seed=3, users=USERS, heavy_user_meetings=0, users_pagination=request.param)


@pytest.fixture
def client(shaped_sandbox: RunningSandbox) -> Iterator[RecallClient]:
    with RecallClient(
        shaped_sandbox.base_url,
        shaped_sandbox.api_key,
        timeout=2.0,
        deadline=5.0,
        backoff_base=0.01,
        backoff_max=0.05,
    ) as recall:
        yield recall


def loader(client: RecallClient, *, timeout_s: float = 5.0) -> DirectoryLoad:
    return DirectoryLoad(
        lambda link: client.list_users_page(link, page_size=PAGE, timeout_s=timeout_s)
    )


def sandbox_config(running: RunningSandbox, **changes: Any) -> None:
    response = httpx.post(
        f"{running.base_url}/_sandbox/config",
        json=changes,
        headers={"Authorization": f"Token {running.api_key}"},
        timeout=10,
    )
    response.raise_for_status()


def users_list_requests(running: RunningSandbox) -> int:
    stats = httpx.get(f"{running.base_url}/_sandbox/stats", timeout=10).json()
    return int(stats["by_endpoint"].get("users_list", 0))


def reset_stats(running: RunningSandbox) -> None:
    httpx.post(f"{running.base_url}/_sandbox/stats/reset", timeout=10).raise_for_status()


def test_the_whole_list_arrives_page_by_page(
    client: RecallClient, shaped_sandbox: RunningSandbox
) -> None:
    reset_stats(shaped_sandbox)

    progress = loader(client).run()

    assert progress.status == "complete"
    assert progress.loaded == USERS
    assert progress.pages == -(-USERS // PAGE)
    assert users_list_requests(shaped_sandbox) == progress.pages
    assert progress.label == f"Loaded {USERS} users."


def test_the_table_holds_every_user_once_with_its_fields(client: RecallClient) -> None:
    everyone = {user["external_id"]: user for user in client.list_users_v1()}
    load = loader(client)
    load.run()

    frame = load.frame()
    assert sorted(frame["user_id"]) == sorted(everyone)
    some = next(uid for uid, user in everyone.items() if user["connections"])
    assert frame.loc[some, "recall_id"] == everyone[some]["id"]


def test_progress_is_reported_after_each_page(client: RecallClient) -> None:
    load = loader(client)
    assert load.progress().loaded == 0

    assert load.load_page() is True
    first = load.progress()
    assert (first.status, first.loaded, first.pages) == ("loading", PAGE, 1)
    assert "still loading" in first.label
    assert f"Loaded {PAGE}" in first.label
    if first.total is not None:
        # Page-number pagination says how many there are: "loaded N of M".
        assert first.total == USERS
        assert f"{PAGE} of {USERS} users" in first.label
    assert len(load.frame()) == PAGE

    load.load_page()
    assert load.progress().loaded == 2 * PAGE
    assert len(load.frame()) == 2 * PAGE


def test_a_failing_page_keeps_what_was_loaded_and_retry_resumes_there(
    client: RecallClient, shaped_sandbox: RunningSandbox
) -> None:
    load = loader(client)
    load.load_page()
    load.load_page()
    sandbox_config(shaped_sandbox, fault_rate=1.0, fault_kinds=["503"])

    failed = load.run()

    assert failed.status == "failed"
    assert failed.failed_page == 3
    assert failed.loaded == 2 * PAGE
    assert "failed at page 3" in failed.label
    assert failed.problem and "503" not in failed.label.split(":")[0]
    assert len(load.frame()) == 2 * PAGE

    sandbox_config(shaped_sandbox, fault_rate=0.0)
    reset_stats(shaped_sandbox)
    assert load.resume() is True
    done = load.run()

    assert done.status == "complete"
    assert done.loaded == USERS
    # Resumed from page 3: pages 1 and 2 were not asked for again.
    assert users_list_requests(shaped_sandbox) == -(-USERS // PAGE) - 2
    assert len(set(load.frame()["recall_id"])) == USERS


def test_a_page_slower_than_its_timeout_stops_the_load_at_that_page(
    client: RecallClient, shaped_sandbox: RunningSandbox
) -> None:
    load = loader(client, timeout_s=0.5)
    load.load_page()
    sandbox_config(shaped_sandbox, latency_ms=3000)

    failed = load.run()

    assert (failed.status, failed.failed_page, failed.loaded) == ("failed", 2, PAGE)
    assert failed.problem


def test_resume_only_after_a_failure(client: RecallClient) -> None:
    load = loader(client)
    assert load.resume() is False
    load.run()
    assert load.resume() is False
    assert load.progress().complete


# -- shapes the sandbox does not produce ----------------------------------------------------------


def _mock_client(pages: dict[str, Any]) -> RecallClient:
    """A client whose ``users/`` answers come from ``pages`` keyed by the request's query."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.query.decode()])

    return RecallClient(
        "https://recall.test", "key", transport=httpx.MockTransport(answer), max_retries=0
    )


def _user(n: int) -> dict[str, Any]:
    return {"id": f"r-{n}", "external_id": f"u-{n}", "connections": [], "preferences": {}}


def test_relative_and_page_number_links_are_followed_and_repeats_listed_once() -> None:
    first = "paginate=true&page_size=1000"
    pages = {
        first: {"count": 3, "next": "?page=2", "results": [_user(1), _user(2)]},
        # A user added meanwhile shifted the pages: user 2 comes again.
        "page=2": {"count": 3, "next": None, "results": [_user(2), _user(3)]},
    }
    with _mock_client(pages) as client:
        load = DirectoryLoad(lambda link: client.list_users_page(link))
        assert load.load_page() is True
        assert load.progress().label.startswith("Loaded 2 of 3 users")
        progress = load.run()
    assert (progress.status, progress.loaded, progress.total) == ("complete", 3, 3)
    assert sorted(load.frame()["user_id"]) == ["u-1", "u-2", "u-3"]


def test_a_server_that_ignores_paginate_gives_one_page() -> None:
    pages = {"paginate=true&page_size=1000": [_user(1), _user(2)]}
    with _mock_client(pages) as client:
        progress = DirectoryLoad(lambda link: client.list_users_page(link)).run()
    assert (progress.status, progress.loaded, progress.pages) == ("complete", 2, 1)


def test_a_next_link_to_another_host_stops_the_load_in_words() -> None:
    pages = {
        "paginate=true&page_size=1000": {
            "next": "https://elsewhere.example/api/v1/calendar/users/?cursor=x",
            "results": [_user(1)],
        }
    }
    with _mock_client(pages) as client:
        load = DirectoryLoad(lambda link: client.list_users_page(link))
        progress = load.run()
    assert progress.status == "failed"
    assert progress.failed_page == 1
    assert isinstance(load.error, UnexpectedResponseError)
    assert "outside the configured base URL" in (progress.problem or "")


def test_a_renamed_user_is_relisted_in_place(client: RecallClient) -> None:
    load = loader(client)
    load.run()
    before = load.frame()
    old = str(before["user_id"].iloc[5])
    recall_id = before.loc[old, "recall_id"]

    assert load.replace_user_id(old, "nw-renamed-1") is True
    assert load.replace_user_id("nw-not-loaded", "nw-x") is False

    after = load.frame()
    assert old not in after.index
    assert after.loc["nw-renamed-1", "recall_id"] == recall_id
    assert len(after) == len(before)
    assert load.changed_at is not None


def test_a_list_that_took_long_to_read_is_kept_longer_before_reloading() -> None:
    from lib.ui.data import DIRECTORY_TTL_SECONDS, _max_age

    moments = iter([datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 9, 10, tzinfo=UTC)])
    slow = DirectoryLoad(
        lambda link: UsersPage(items=[_user(1)], next_url=None), now=lambda: next(moments)
    )
    slow.run()
    assert _max_age(slow) == 4 * 600

    quick = DirectoryLoad(lambda link: UsersPage(items=[], next_url=None))
    quick.run()
    assert _max_age(quick) == DIRECTORY_TTL_SECONDS
