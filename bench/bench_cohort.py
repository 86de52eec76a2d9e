"""Wall time of the cohort preview for 100 users against the sandbox, next to the bound that
Recall's documented rate limits set.

Run from the repository root, either way:

    python -m bench.bench_cohort
    python bench/bench_cohort.py [--users 100] [--workers 16] [--latency-ms 100]

The sandbox runs as its own process (as Recall is a remote service, it must not share this
process's interpreter lock) with the documented rate limits enforced. Its calendars are built
on first access, so they are built once before timing; that step uses its own client, so the
timed client still starts with no tokens cached.

Two runs are timed:

- cold: a fresh client (no cached calendar tokens), so every user costs an authenticate, a
  user read and a meetings read. Recall allows 300 authenticates a minute per workspace, so a
  steady stream of N users takes at least N / 300 minutes: 20 s for 100 users. The target is
  1.25 times that bound.
- warm: the same client with its tokens cached, and 100 ms of latency added by the sandbox to
  every request; the target is under 5 s (the median of ``--runs`` runs is reported).

Both rows also give the CPU time the console and the sandbox spent, and the first line the load
average: on a shared machine, wall time says as much about the neighbours as about the code.

Prints a Markdown table (one row per run) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

# Running as a script puts bench/ first on sys.path; the console's code lives under the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.autorecord import PRESETS
from lib.cohort import DEFAULT_WORKERS, run_cohort
from lib.recall import RecallClient
from lib.sandbox.config import DEFAULT_SANDBOX_API_KEY

ROOT = Path(__file__).resolve().parents[1]
AUTHENTICATE_PER_MINUTE = 300
COLD_FACTOR = 1.25
WARM_TARGET_S = 5.0
_URL_LINE = re.compile(r"sandbox at (http://\S+)")


def start_sandbox(users: int, seed: int) -> tuple[subprocess.Popen[str], str]:
    """``python -m lib.sandbox`` on a free loopback port with the documented limits."""
    command = [
        sys.executable,
        "-m",
        "lib.sandbox",
        "--port",
        "0",
        "--users",
        str(users),
        "--seed",
        str(seed),
        "--rate-limit-scale",
        "1",
    ]
    env = {**os.environ, "SANDBOX_API_KEY": DEFAULT_SANDBOX_API_KEY}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        found = _URL_LINE.search(line)
        if found:
            return process, found.group(1)
    process.kill()
    raise RuntimeError("the sandbox did not start")


def set_latency(base_url: str, latency_ms: float) -> None:
    response = httpx.post(
        f"{base_url}/_sandbox/config",
        json={"latency_ms": latency_ms},
        headers={"Authorization": f"Token {DEFAULT_SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()


def process_cpu_s(pid: int) -> float:
    """CPU seconds a process has used so far (Linux /proc), or NaN where that is unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stats(base_url: str) -> dict:
    return httpx.get(f"{base_url}/_sandbox/stats", timeout=10).json()


def row(label: str, seconds: float, bound: str, target_s: float, note: str) -> str:
    verdict = "meets" if seconds <= target_s else "misses"
    return f"| {label} | {seconds:.2f} s | {bound} | {verdict} (≤ {target_s:g} s) | {note} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100, help="cohort size")
    parser.add_argument("--workspace-users", type=int, default=150)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="warm runs (the median is shown)")
    args = parser.parse_args(argv)

    process, base_url = start_sandbox(args.workspace_users, args.seed)
    try:
        with RecallClient(base_url, DEFAULT_SANDBOX_API_KEY) as setup:
            ids = [u.external_id or "" for u in setup.list_users()][: args.users]
            known = set(ids)
            # Build the sandbox's calendars before timing (the emulator makes them lazily).
            for user_id in ids:
                setup.list_meetings(user_id)
        candidate = PRESETS["record all"]
        before = stats(base_url)["by_endpoint"]
        load = os.getloadavg()[0]
        with RecallClient(base_url, DEFAULT_SANDBOX_API_KEY) as client:
            cpu, server = time.process_time(), process_cpu_s(process.pid)
            cold = run_cohort(client, ids, known, candidate, workers=args.workers)
            cold_cpu = time.process_time() - cpu
            cold_server = process_cpu_s(process.pid) - server
            after = stats(base_url)["by_endpoint"]
            authenticates = after["authenticate"] - before["authenticate"]
            set_latency(base_url, args.latency_ms)
            cpu, server = time.process_time(), process_cpu_s(process.pid)
            warm_runs = [
                run_cohort(client, ids, known, candidate, workers=args.workers)
                for _ in range(args.runs)
            ]
            warm_cpu = (time.process_time() - cpu) / args.runs
            warm_server = (process_cpu_s(process.pid) - server) / args.runs
            set_latency(base_url, 0)
        warm_s = statistics.median(run.elapsed_s for run in warm_runs)
        failures = len(cold.failures) + sum(len(run.failures) for run in warm_runs)
        bound_s = len(ids) / AUTHENTICATE_PER_MINUTE * 60
        # Two reads per user, each paying the added latency, spread over the workers.
        latency_floor = len(ids) * 2 * args.latency_ms / 1000 / args.workers
        print(
            f"cohort of {len(ids)} users, {args.workers} workers, {len(cold.meetings):,} upcoming "
            f"meetings; cold run made {authenticates} authenticate requests; "
            f"{failures} user failures; load average {load:.1f} on {os.cpu_count()} CPUs "
            "when timing began"
        )
        print()
        print("| Benchmark | Wall time | Bound from rate limits | Target | Note |")
        print("| --- | --- | --- | --- | --- |")
        print(
            row(
                f"Cohort preview, {len(ids)} users, cold (no cached tokens, documented limits)",
                cold.elapsed_s,
                f"{bound_s:.0f} s ({len(ids)} authenticates at {AUTHENTICATE_PER_MINUTE}/min)",
                bound_s * COLD_FACTOR,
                f"CPU: console {cold_cpu:.2f} s, sandbox {cold_server:.2f} s. The sandbox's "
                f"window slides over 60 s, so all {authenticates} authenticates fit in one "
                "window and none waits; the bound holds for a steady stream (e.g. a second "
                "cohort within the minute)",
            )
        )
        print(
            row(
                f"Cohort preview, {len(ids)} users, warm (tokens cached, "
                f"+{args.latency_ms:g} ms per request; median of {args.runs})",
                warm_s,
                f"none binding (2 reads per user at 120/min per user; "
                f"{len(ids) * 2} requests over {args.workers} workers)",
                WARM_TARGET_S,
                f"CPU: console {warm_cpu:.2f} s, sandbox {warm_server:.2f} s; latency alone is "
                f"about {latency_floor:.1f} s at this worker count",
            )
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
