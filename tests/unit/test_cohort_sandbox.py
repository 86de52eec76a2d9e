"""run_cohort and CohortRun against the sandbox over real HTTP: unknown ids are never requested,
the rate limits are waited out, a stop is honoured, and failures are reported per user."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from lib.autorecord import PRESETS, decide
from lib.cohort import CohortProgress, CohortRun, local_days, run_cohort
from lib.recall import RateLimitedError, RateLimiter, RecallClient


def _client(running, **options) -> RecallClient:
    return RecallClient(running.base_url, running.api_key, **options)


def _known(client: RecallClient) -> set[str]:
    return {u.external_id for u in client.list_users() if u.external_id}


def test_unknown_ids_are_reported_and_never_requested(make_sandbox):
    running = make_sandbox(seed=3, users=12)
    client = _client(running)
    known = _known(client)
    users_before = running.state.user_count
    ids = ["nw-000001", "ghost-1", "nw-000005", "ghost-2", "nw-000001"]
    result = run_cohort(client, ids, known, PRESETS["record all"])
    assert result.requested == ("nw-000001", "ghost-1", "nw-000005", "ghost-2")
    assert result.unknown == ("ghost-1", "ghost-2")
    assert result.previewed == ("nw-000001", "nw-000005")
    assert not result.failures and not result.skipped and not result.stopped
    # Nothing was created, and only the two known users were authenticated.
    assert running.state.user_count == users_before
    assert running.state.workspace.by_external_id("ghost-1") is None
    assert running.state.stats.endpoint_count("authenticate") == 2


def test_results_agree_with_the_single_meeting_rules(sandbox):
    client = _client(sandbox)
    known = _known(client)
    ids = ["nw-000001", "nw-000004", "nw-000006", "nw-000011"]
    candidate = PRESETS["only meetings I accepted"]
    result = run_cohort(client, ids, known, candidate)
    assert result.previewed == tuple(ids)
    per_user = result.per_user().set_index("user_id")
    for user_id in ids:
        user = client.get_user(user_id)
        emails = {c.platform: c.email for c in user.connections}
        rows = result.meetings[result.meetings["user_id"] == user_id]
        starts = stops = 0
        for meeting in client.list_meetings(user_id):
            if meeting.id not in set(rows["id"]):
                continue
            email = emails.get(meeting.calendar_platform or "")
            now = decide(
                meeting.model_dump(), user.preferences, now=result.now, connected_email=email
            )
            then = decide(meeting.model_dump(), candidate, now=result.now, connected_email=email)
            starts += then.record and not now.record
            stops += now.record and not then.record
        assert (per_user.loc[user_id, "starts"], per_user.loc[user_id, "stops"]) == (starts, stops)
    # nw-000011 never connected a calendar: previewed, with nothing upcoming.
    assert per_user.loc["nw-000011", "meetings"] == 0
    assert result.elapsed_s > 0


def test_progress_is_reported_once_per_user(sandbox):
    client = _client(sandbox)
    ids = [f"nw-{i:06d}" for i in range(1, 11)]
    seen: list[CohortProgress] = []
    result = run_cohort(client, ids, _known(client), None, progress=seen.append, workers=4)
    assert [p.done for p in seen] == list(range(1, 11))
    assert {p.total for p in seen} == {10}
    assert {p.last_user for p in seen} == set(ids)
    assert seen[-1].fraction == 1.0
    assert len(result.previewed) == 10


def test_rate_limits_are_waited_out_not_failed(make_sandbox):
    # The sandbox allows two authenticates a second and answers more with 429 + Retry-After;
    # the client neither paces nor retries here, so every 429 reaches the cohort, which must
    # wait it out instead of reporting the user as failed.
    running = make_sandbox(seed=2, users=8, rate_limit_scale=2 / 300, rate_limit_window_s=1.0)
    client = _client(running, limiter=RateLimiter.disabled(), max_retries=0)
    known = _known(client)
    seen: list[CohortProgress] = []
    result = run_cohort(client, sorted(known)[:6], known, None, progress=seen.append, workers=6)
    assert len(result.previewed) == 6 and not result.failures
    assert running.state.stats.status_count(429) >= 1
    assert max(p.waiting for p in seen) >= 1
    assert seen[-1].waiting == 0
    assert result.elapsed_s >= 2.0  # 6 authenticates, 2 a second


class _GatedClient:
    """The real client, with a test deciding when chosen users' requests return."""

    def __init__(self, client: RecallClient, gates: dict, timeout: float = 30) -> None:
        self._client, self._gates, self._timeout = client, gates, timeout

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def get_user(self, user_id: str):
        before, after = self._gates.get(("get_user", user_id), (None, None))
        if before is not None:
            assert before(), f"get_user({user_id}) was never released"
        user = self._client.get_user(user_id)
        if after is not None:
            assert after(), f"get_user({user_id}) was never released"
        return user

    def list_meetings(self, user_id: str, **options):
        gate = self._gates.get(("list_meetings", user_id))
        if gate is not None:
            gate()
        return self._client.list_meetings(user_id, **options)


def test_a_stop_skips_the_users_not_started_and_lets_the_started_ones_finish(make_sandbox):
    # The second user is between its two requests (its calendar token already minted) when
    # the stop comes: it finishes and is previewed; everyone not started is skipped, and no
    # token is minted for them. Events fix the order, so a busy machine cannot change it.
    running = make_sandbox(seed=2, users=8)
    client = _client(running)
    known = _known(client)
    ids = sorted(known)
    first, second = ids[0], ids[1]
    second_started, stop = threading.Event(), threading.Event()

    def second_has_started() -> bool:
        second_started.set()
        return stop.wait(30)

    gated = _GatedClient(
        client,
        {
            ("get_user", first): (lambda: second_started.wait(30), None),
            ("get_user", second): (None, second_has_started),
        },
    )

    def stop_after_the_first(progress: CohortProgress) -> None:
        if progress.done >= 1:
            stop.set()

    result = run_cohort(
        gated, ids, known, None, progress=stop_after_the_first, stop=stop, workers=2
    )
    assert result.stopped
    assert result.previewed == (first, second)
    assert result.skipped == tuple(ids[2:])
    assert result.interrupted == () and not result.failures
    # Every user a token was minted for is previewed; the skipped ones were never asked for.
    assert running.state.stats.endpoint_count("authenticate") == 2
    assert set(result.meetings["user_id"]) <= {first, second}


def test_a_user_waiting_out_a_rate_limit_is_in_flight_when_stopped(make_sandbox):
    # A stop ends a rate-limit wait (which may last a minute): that user was started, so it is
    # neither previewed nor skipped, but reported as in flight when stopped.
    running = make_sandbox(seed=2, users=5)
    client = _client(running)
    known = _known(client)
    ids = sorted(known)[:3]
    stop = threading.Event()

    def limited() -> None:
        raise RateLimitedError(retry_after=60, endpoint="calendar_meetings")

    gated = _GatedClient(client, {("list_meetings", ids[1]): limited})

    def stop_while_waiting(progress: CohortProgress) -> None:
        if progress.waiting:
            stop.set()

    result = run_cohort(gated, ids, known, None, progress=stop_while_waiting, stop=stop, workers=1)
    assert result.previewed == (ids[0],)
    assert result.interrupted == (ids[1],)
    assert result.skipped == (ids[2],)
    assert not result.failures
    assert running.state.stats.endpoint_count("authenticate") == 2
    assert ids[1] not in set(result.meetings["user_id"])


def test_a_stop_before_the_start_fetches_nothing(make_sandbox):
    running = make_sandbox(seed=2, users=5)
    client = _client(running)
    known = _known(client)
    stop = threading.Event()
    stop.set()
    result = run_cohort(client, sorted(known), known, None, stop=stop)
    assert result.previewed == () and result.skipped == tuple(sorted(known))
    assert running.state.stats.endpoint_count("authenticate") == 0
    assert len(result.meetings) == 0 and result.counts().meetings == 0


def test_failures_are_reported_per_user_in_words(make_sandbox):
    running = make_sandbox(seed=2, users=6, fault_rate=1.0, fault_kinds=("503",))
    client = _client(running, max_retries=0)
    known = {"nw-000001", "nw-000002"}
    result = run_cohort(client, sorted(known), known, None)
    assert result.previewed == ()
    assert set(result.failures) == known
    assert all("Recall" in message for message in result.failures.values())
    assert result.per_user().empty
    assert result.users_affected == 0


def test_a_background_run_can_be_polled_and_stopped(make_sandbox):
    running = make_sandbox(seed=2, users=30, latency_ms=60)
    client = _client(running)
    known = _known(client)
    run = CohortRun(client, sorted(known), known, PRESETS["record all"], workers=2)
    assert not run.done and run.progress.total == len(known)
    run.start()
    run.stop()
    assert run.wait(timeout=30)
    assert run.done and run.error is None
    result = run.result
    assert result is not None and result.stopped and result.skipped
    assert run.progress.done == len(result.previewed) + len(result.failures)


def test_a_background_run_finishes_with_the_full_result(sandbox):
    client = _client(sandbox)
    ids = ["nw-000001", "nw-000003", "ghost"]
    run = CohortRun(client, ids, _known(client), PRESETS["only external"]).start()
    assert run.wait(timeout=60)
    result = run.result
    assert result is not None and not result.stopped
    assert result.previewed == ("nw-000001", "nw-000003") and result.unknown == ("ghost",)
    assert run.progress.done == run.progress.total == 2
    days = local_days(datetime.now(UTC), UTC)
    assert result.meetings["start_time"].dt.date.max() <= days[-1]


def test_worker_count_does_not_change_the_result(sandbox):
    client = _client(sandbox)
    ids = [f"nw-{i:06d}" for i in range(3, 11)]
    known = _known(client)
    now = datetime.now(UTC)
    parallel = run_cohort(client, ids, known, PRESETS["record all"], now=now, workers=8)
    serial = run_cohort(client, ids, known, PRESETS["record all"], now=now, workers=1)
    assert parallel.previewed == serial.previewed == tuple(ids)
    assert parallel.per_user().equals(serial.per_user())
    assert parallel.meetings["record_after"].tolist() == serial.meetings["record_after"].tolist()
