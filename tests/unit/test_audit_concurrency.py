"""Several OS processes (console replicas) appending to one audit store at the same moment."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lib.audit import AuditStore
from tests.audit_key import TEST_AUDIT_KEY
from tests.unit.test_audit_store import BACKENDS, backend_database

REPO_ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 2
EVENTS_PER_PROCESS = 1000

# Each replica opens the store itself (so schema creation races too), reports ready, waits for
# the go signal on stdin so that all start appending together, then appends its share.
REPLICA = textwrap.dedent(
    """
    import sys
    from lib.audit import AuditStore, NewEvent
    from tests.audit_key import TEST_AUDIT_KEY

    url, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with AuditStore(url, key=TEST_AUDIT_KEY) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        for n in range(count):
            store.append(
                NewEvent(
                    actor_email=f"{tag}@example.com",
                    actor_role="support",
                    action="meetings.refresh",
                    user_id=f"user-{n % 7}",
                    request_id=f"{tag}-{n}",
                    after={"replica": tag, "n": n},
                )
            )
    print("done", flush=True)
    """
)


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    with backend_database(request, tmp_path) as url:
        yield url


def start_replica(url: str, tag: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", REPLICA, url, tag, str(EVENTS_PER_PROCESS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=env,
    )


@pytest.mark.timeout(180)
def test_replicas_appending_at_once_produce_one_valid_chain(store_url):
    replicas = [start_replica(store_url, f"replica{n}") for n in range(PROCESSES)]
    try:
        for replica in replicas:
            line = replica.stdout.readline()
            assert line.strip() == "ready", replica.stderr.read()
        for replica in replicas:
            replica.stdin.write("go\n")
            replica.stdin.flush()
        for replica in replicas:
            out, err = replica.communicate(timeout=150)
            assert replica.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for replica in replicas:
            if replica.poll() is None:
                replica.kill()
                replica.wait()

    total = PROCESSES * EVENTS_PER_PROCESS
    with AuditStore(store_url, create=False, key=TEST_AUDIT_KEY) as store:
        assert store.count() == total
        events = store.query(limit=total, newest_first=False)
        assert [event.id for event in events] == list(range(1, total + 1))
        expected = {f"replica{p}-{n}" for p in range(PROCESSES) for n in range(EVENTS_PER_PROCESS)}
        request_ids = [event.request_id for event in events]
        assert len(set(request_ids)) == total
        assert set(request_ids) == expected
        # Interleaving proves the replicas really ran at the same time.
        switches = sum(a.actor_email != b.actor_email for a, b in itertools.pairwise(events))
        assert switches > 1
        result = store.verify()
        assert (result.ok, result.checked) == (True, total), result.summary()
