"""The preview page's counts after a stop: users not started, users in flight when stopped."""

from __future__ import annotations

import threading

from lib.cohort import CohortRun
from lib.recall import RateLimitedError, RecallClient
from lib.staff import Role
from lib.ui.state import SK_PREVIEW_MODE, SK_PREVIEW_RUN
from tests.app.test_preview import open_preview, texts
from tests.unit.test_cohort_sandbox import _GatedClient


def test_a_stopped_run_counts_skipped_and_in_flight_users_apart(console_app, app_sandbox):
    client = RecallClient(app_sandbox.base_url, app_sandbox.api_key)
    known = {u.external_id for u in client.list_users() if u.external_id}
    ids = sorted(known)[:3]
    limited_now = threading.Event()

    def limited() -> None:
        limited_now.set()
        raise RateLimitedError(retry_after=60, endpoint="calendar_meetings")

    gated = _GatedClient(client, {("list_meetings", ids[1]): limited})
    run = CohortRun(gated, ids, known, None, workers=1).start()
    assert limited_now.wait(30)
    run.stop()  # while the second user waits out the limit; the third has not started
    assert run.wait(30)

    at = open_preview(
        console_app, Role.VIEWER, **{SK_PREVIEW_MODE: "A cohort", SK_PREVIEW_RUN: run}
    )
    shown = texts(at)
    assert (
        "Stopped after 1 of 3 users; 1 were not fetched and 1 were in flight when stopped" in shown
    )
    labels = [e.label for e in at.expander]
    assert "1 users not fetched because of the stop" in labels
    assert "1 users in flight when stopped (not previewed)" in labels
