"""The directory while the user list loads page by page: a partial list with its progress, a
page that fails with Retry from that page, and an unknown id never offered for creation while
the list is partial."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lib import directory_load
from lib.recall import RecallClient
from lib.staff import Role
from lib.ui import data
from lib.ui.directory.loading import KEY_LOAD_RETRY
from lib.ui.directory_mint import KEY_DIR_MINT
from tests.app.test_directory import listed_ids, open_directory, search_for, stats, texts
from tests.app.test_faults_helpers import fast_recall, set_faults

PAGE_SIZE = 10
USERS = 40  # the app sandbox's size: four pages


class PageGate:
    """Wraps the client's page read: page 3 waits until the test opens the gate, and turns the
    sandbox's faults on first when asked, so the page fails in the real sandbox."""

    def __init__(self, sandbox: Any, hold_call: int = 3) -> None:
        self.sandbox = sandbox
        self.hold_call = hold_call
        self.open = threading.Event()
        self.fault_page_3 = False
        self.calls = 0
        self.lock = threading.Lock()
        self.finished_page_3 = threading.Event()

    def wrap(self, original: Any) -> Any:
        def list_users_page(client: RecallClient, *args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.calls += 1
                call = self.calls
            if call == self.hold_call:
                assert self.open.wait(timeout=60)
                if self.fault_page_3:
                    set_faults(self.sandbox, 1.0, ["503"])
                try:
                    return original(client, *args, **kwargs)
                finally:
                    self.finished_page_3.set()
            return original(client, *args, **kwargs)

        return list_users_page


@pytest.fixture(params=["cursor", "page"])
def app_sandbox(request: pytest.FixtureRequest, make_sandbox: Any) -> Any:
    """The app's private sandbox, paging ``users/`` by cursor or by page number."""
    return make_sandbox(seed=1, users=USERS, users_pagination=request.param)


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from fast_recall(monkeypatch)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, app_sandbox: Any) -> PageGate:
    monkeypatch.setattr(directory_load, "PAGE_SIZE", PAGE_SIZE)
    found = PageGate(app_sandbox)
    monkeypatch.setattr(RecallClient, "list_users_page", found.wrap(RecallClient.list_users_page))
    return found


def sandbox_ids(sandbox: Any) -> list[str]:
    with RecallClient(sandbox.base_url, sandbox.api_key) as client:
        return sorted(str(user["external_id"]) for user in client.list_users_v1())


def test_a_partial_list_is_shown_with_its_progress(console_app, app_sandbox, gate):
    at = open_directory(console_app, Role.VIEWER)

    if app_sandbox.state.config.users_pagination == "page":
        # Page numbers come with a count: "loaded N of M" on a progress bar.
        (bar,) = at.get("progress")
        assert f"Loaded {2 * PAGE_SIZE} of {USERS} users, still loading (page 3 next)" in str(
            bar.proto.text
        )
        assert bar.proto.value == 50
    else:
        shown = texts(at)
        assert f"Loaded {2 * PAGE_SIZE} users, still loading (page 3 next)" in shown
    assert len(listed_ids(at)) == 2 * PAGE_SIZE
    assert at.metric[0].label == "Calendar users (loaded so far)"
    assert at.metric[0].value == f"{2 * PAGE_SIZE}"

    gate.open.set()
    assert gate.finished_page_3.wait(timeout=30)
    at.run()  # the page waits for a load that is about to complete
    assert not at.exception
    assert "still loading" not in texts(at)
    assert at.metric[0].label == "Calendar users"
    assert at.metric[0].value == f"{USERS}"


def test_a_failed_page_keeps_the_loaded_users_and_retry_resumes_from_it(
    console_app, app_sandbox, gate
):
    gate.fault_page_3 = True
    gate.open.set()
    at = open_directory(console_app, Role.VIEWER)
    assert gate.finished_page_3.wait(timeout=30)
    at.run()
    assert not at.exception

    shown = texts(at)
    counted = (
        f"{2 * PAGE_SIZE} of {USERS} users"
        if app_sandbox.state.config.users_pagination == "page"
        else f"{2 * PAGE_SIZE} users"
    )
    assert f"Loaded {counted}; loading failed at page 3." in shown
    assert "Traceback" not in shown
    assert len(listed_ids(at)) == 2 * PAGE_SIZE
    retry = at.button(key=KEY_LOAD_RETRY)
    assert retry.label == "Retry from page 3"

    set_faults(app_sandbox, 0.0)
    httpx.post(f"{app_sandbox.base_url}/_sandbox/stats/reset", timeout=5).raise_for_status()
    retry.click().run()
    assert not at.exception

    assert "failed at page" not in texts(at)
    assert at.metric[0].value == f"{USERS}"
    # Only pages 3 and 4 were read again.
    assert stats(app_sandbox)["by_endpoint"].get("users_list", 0) == 2
    search_for(at, "nw-0000")
    assert sorted(listed_ids(at)) == [uid for uid in sandbox_ids(app_sandbox) if "nw-0000" in uid]


def test_an_id_missing_from_a_partial_list_is_not_offered_for_creation(
    console_app, app_sandbox, gate
):
    at = open_directory(console_app, Role.ADMIN)
    search_for(at, "nw-999999")

    assert "is not among the 20 " in texts(at)
    assert " users loaded so far" in texts(at)
    assert KEY_DIR_MINT not in [b.key for b in at.button]

    gate.open.set()
    assert gate.finished_page_3.wait(timeout=30)
    at.run()
    # The complete list does not have it: now an admin may create it.
    assert KEY_DIR_MINT in [b.key for b in at.button]


def test_a_failed_background_reload_keeps_the_complete_list(
    console_app, app_sandbox, gate, monkeypatch
):
    # The first load reads pages 1-4 (calls 1-4); the reload after expiry fails at its page 3.
    gate.hold_call = 7
    gate.fault_page_3 = True
    gate.open.set()
    at = open_directory(console_app, Role.VIEWER)
    assert at.metric[0].label == "Calendar users"
    assert at.metric[0].value == f"{USERS}"

    monkeypatch.setattr(data, "DIRECTORY_TTL_SECONDS", 0)
    monkeypatch.setattr(data, "RELOAD_AFTER_LOAD_TIMES", 0)
    at.run()  # the list has expired: a reload starts, the complete list is still served
    assert gate.finished_page_3.wait(timeout=30)
    (workspace,) = data._workspaces().values()
    assert workspace.current.wait(timeout=30).status == "failed"
    at.run()
    assert not at.exception

    assert at.metric[0].label == "Calendar users"
    assert at.metric[0].value == f"{USERS}"
    assert len(listed_ids(at)) == USERS
    assert "Reloading the list stopped at page 3" in texts(at)
    assert at.button(key=KEY_LOAD_RETRY).label == "Retry from page 3"
