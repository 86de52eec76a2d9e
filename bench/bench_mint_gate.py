"""What the check before a first calendar token costs (lib/mint_gate.py).

Before minting for a user id the console reads its delete marks (one database read) and, when
its user list is older than ``user_check_seconds``, the workspace's user list again. Measured
against the sandbox with a SQLite database: a check that re-reads the list, and one within the
window (database read only).

    python -m bench.bench_mint_gate [--users 150 2000 20000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.deletions import UserDeletions
from lib.mint_gate import MintGate
from lib.recall import RecallClient
from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import start_in_thread


def _ids(client: RecallClient) -> list[str]:
    return [str(u.get("external_id") or "") for u in client.list_users_v1()]


def _median_ms(gate: MintGate, user_id: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        gate.check(user_id)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[150, 2000, 20000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for users in args.users:
        sandbox = start_in_thread(
            SandboxConfig(seed=1, users=users, rate_limit_scale=0, heavy_user_meetings=0)
        )
        client = RecallClient(sandbox.base_url, sandbox.api_key)
        with tempfile.TemporaryDirectory() as tmp:
            deletions = UserDeletions(f"sqlite:///{tmp}/console.db")
            user_id = _ids(client)[0]
            reread = MintGate(
                workspace=client.base_url,
                list_ids=lambda c=client: _ids(c),
                deletions=deletions,
                max_list_age_s=0,
            )
            within = MintGate(
                workspace=client.base_url,
                list_ids=lambda c=client: _ids(c),
                deletions=deletions,
                max_list_age_s=3600,
            )
            within.check(user_id)
            fresh = _median_ms(reread, user_id, args.repeat)
            kept = _median_ms(within, user_id, args.repeat * 10)
            print(
                f"{users:>7,} users: check re-reading the list {fresh:.1f} ms; "
                f"within the window {kept:.2f} ms"
            )
            deletions.close()
        client.close()
        sandbox.stop()


if __name__ == "__main__":
    main()
