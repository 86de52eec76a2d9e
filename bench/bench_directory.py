"""Loading and searching the directory of a 100,000-user workspace.

Run from the repository root, either way:

    python -m bench.bench_directory
    python bench/bench_directory.py [--users 100000] [--loads 3] [--in-process]
    python -m bench.bench_directory --paged [--users 300000] [--paced] [--users-pagination page]

It serves a seeded sandbox workspace (in its own process by default, as Recall is another
server; ``--in-process`` runs it on a thread of this process, as the embedded console does), then
reports:

- load: ``RecallClient.list_users_v1`` (one request, JSON parsing, shape check) plus
  ``users_frame_from_v1``, which is what the directory page's cache does on a miss; median and
  worst of ``--loads`` runs against the 5 s target;
- search: ``run_query`` (search, filters, sort, one page) over varied queries, median and p95 in
  milliseconds against the 200 ms target.

With ``--paged`` the load is what the directory page does today: ``users/`` read page by page
(``paginate=true``, 1,000 users a page, following ``next``) through ``DirectoryLoad``, then the
table. Without ``--paced`` the client's rate limiter is off, which measures the console's own
cost; with it, the documented 60 requests a minute for ``users/`` applies, as against Recall.
Peak memory is the Python heap's peak during one extra load under ``tracemalloc`` (numpy and
pandas report their buffers to it), beside the process's peak resident size.

The last line is a Markdown table row for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd

# Running as a script puts bench/ first on sys.path; the code under test lives under the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.directory import DirectoryQuery, run_query, users_frame_from_v1
from lib.directory_load import PAGE_SIZE, DirectoryLoad
from lib.recall import RateLimiter, RecallClient
from lib.sandbox.config import DEFAULT_SANDBOX_API_KEY, SandboxConfig
from lib.sandbox.server import start_in_thread

REPO = Path(__file__).resolve().parents[1]
LOAD_TARGET_S = 5.0
SEARCH_TARGET_MS = 200.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def sandbox_process(users: int, seed: int, pagination: str) -> Iterator[tuple[str, str]]:
    """A sandbox in its own process; yields (base URL, API key)."""
    port = _free_port()
    env = {**os.environ, "SANDBOX_API_KEY": DEFAULT_SANDBOX_API_KEY}
    command = [
        sys.executable,
        "-m",
        "lib.sandbox",
        "--port",
        str(port),
        "--users",
        str(users),
        "--seed",
        str(seed),
        "--rate-limit-scale",
        "0",
        "--users-pagination",
        pagination,
    ]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the sandbox exited early:\n{process.stderr.read()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}/_sandbox/info", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start within 120 s")
            time.sleep(0.2)
        yield base_url, DEFAULT_SANDBOX_API_KEY
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def sandbox_thread(users: int, seed: int, pagination: str) -> Iterator[tuple[str, str]]:
    running = start_in_thread(
        SandboxConfig(seed=seed, users=users, rate_limit_scale=0, users_pagination=pagination)
    )
    try:
        yield running.base_url, running.api_key
    finally:
        running.stop()


def queries(frame: pd.DataFrame) -> list[DirectoryQuery]:
    """Searches staff make: exact ids, id prefixes, emails, names, domains, misses, filters and
    other sort orders, spread over the workspace."""
    ids = frame["user_id"].tolist()
    emails = frame["google_email"].dropna().tolist() + frame["microsoft_email"].dropna().tolist()
    step = max(1, len(ids) // 10)
    picked_ids = ids[::step][:10]
    picked_emails = emails[:: max(1, len(emails) // 10)][:10]
    texts = [
        *picked_ids,
        *(uid[:-2] for uid in picked_ids[:5]),
        *picked_emails,
        *(email.split("@")[0] for email in picked_emails[:5]),
        *(email.split("@")[0].split(".")[0] for email in picked_emails[:5]),
        "northwind",
        "labs",
        "nobody-by-this-name",
        "zzzz@nowhere.invalid",
        "",
    ]
    found = [DirectoryQuery(text=text) for text in texts]
    found += [
        DirectoryQuery(states=("Disconnected",)),
        DirectoryQuery(states=("No calendar",), sort_by="bot_name"),
        DirectoryQuery(states=("Google connected", "Microsoft connected"), page=40),
        DirectoryQuery(text="northwind", sort_by="google_email", descending=True),
        DirectoryQuery(text="", sort_by="preferences", page=1000, page_size=100),
        DirectoryQuery(duplicates_only=True),
        DirectoryQuery(text="a", sort_by="microsoft_email", page_size=25),
    ]
    return found


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _one_request_load(client: RecallClient) -> tuple[float, pd.DataFrame]:
    began, cpu_began = time.perf_counter(), time.process_time()
    users = client.list_users_v1()
    listed = time.perf_counter()
    frame = users_frame_from_v1(users)
    done, cpu_done = time.perf_counter(), time.process_time()
    print(
        f"load: list_users_v1 {listed - began:.2f} s + frame {done - listed:.2f} s"
        f" = {done - began:.2f} s ({len(frame):,} rows; this process used "
        f"{cpu_done - cpu_began:.2f} s of CPU)"
    )
    return done - began, frame


def _paged_load(client: RecallClient) -> tuple[float, pd.DataFrame]:
    began, cpu_began = time.perf_counter(), time.process_time()
    load = DirectoryLoad(lambda link: client.list_users_page(link, page_size=PAGE_SIZE))
    first_page: float | None = None
    while load.load_page():
        if first_page is None:
            first_page = time.perf_counter() - began
    progress = load.progress()
    if not progress.complete:
        raise RuntimeError(progress.label)
    listed = time.perf_counter()
    frame = load.frame()
    done, cpu_done = time.perf_counter(), time.process_time()
    print(
        f"load: {progress.pages} pages {listed - began:.2f} s (first page on screen after "
        f"{first_page or listed - began:.2f} s) + frame {done - listed:.2f} s = "
        f"{done - began:.2f} s ({len(frame):,} rows; this process used "
        f"{cpu_done - cpu_began:.2f} s of CPU)"
    )
    return done - began, frame


def _peak_heap_mib(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="times each query runs")
    parser.add_argument(
        "--in-process", action="store_true", help="serve the sandbox on a thread of this process"
    )
    parser.add_argument(
        "--paged", action="store_true", help="read users/ page by page, as the directory page does"
    )
    parser.add_argument(
        "--paced",
        action="store_true",
        help="keep the client's limiter on (60 users/ requests a minute, as against Recall)",
    )
    parser.add_argument(
        "--users-pagination",
        choices=("cursor", "page"),
        default="cursor",
        help="how the sandbox pages users/ (with --paged)",
    )
    args = parser.parse_args(argv)

    serve = sandbox_thread if args.in_process else sandbox_process
    where = "in-process thread" if args.in_process else "own process"
    started = time.perf_counter()
    with serve(args.users, args.seed, args.users_pagination) as (base_url, api_key):
        took = time.perf_counter() - started
        print(f"sandbox with {args.users:,} users ({where}) up in {took:.1f} s")
        loads: list[float] = []
        frame = pd.DataFrame()
        limiter = RateLimiter() if args.paced else RateLimiter.disabled()
        with RecallClient(base_url, api_key, deadline=120, timeout=60, limiter=limiter) as client:
            load = _paged_load if args.paged else _one_request_load
            for _ in range(args.loads):
                took, frame = load(client)
                loads.append(took)
            # Paced loads are mostly waiting; their memory is the unpaced figure.
            peak_mib = None if args.paced else _peak_heap_mib(lambda: load(client))
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = "n/a" if peak_mib is None else f"{peak_mib:.0f}"
    print(f"peak Python heap during one load: {peak} MiB; process peak RSS {rss_mib:.0f} MiB")
    if len(frame) != args.users:
        print(f"expected {args.users:,} users, listed {len(frame):,}")
        return 1

    timings: list[float] = []
    workload = queries(frame)
    for query in workload:
        run_query(frame, query)  # warm-up
    for _ in range(args.rounds):
        for query in workload:
            timings.append(_timed(lambda q=query: run_query(frame, q)) * 1000)
    load_median, load_worst = statistics.median(loads), max(loads)
    search_median, search_p95 = statistics.median(timings), _p95(timings)
    print(
        f"search: {len(workload)} queries x {args.rounds}: median {search_median:.1f} ms, "
        f"p95 {search_p95:.1f} ms, slowest {max(timings):.1f} ms"
    )
    # Wall-clock figures depend on what else the machine runs; say how busy it was.
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    load_ok = load_median <= LOAD_TARGET_S
    search_ok = search_median <= SEARCH_TARGET_MS and search_p95 <= SEARCH_TARGET_MS
    print()
    mode = (
        f"paged ({args.users_pagination}), paced at 60 requests/min"
        if args.paged and args.paced
        else f"paged ({args.users_pagination})"
        if args.paged
        else "one request"
    )
    print(
        "| benchmark | workspace | load median (worst) | peak heap / RSS | search median "
        "| search p95 | verdict |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    verdict = (
        "meets both targets"
        if load_ok and search_ok
        else "misses "
        + " and ".join(
            name for name, ok in (("load ≤ 5 s", load_ok), ("search ≤ 200 ms", search_ok)) if not ok
        )
    )
    print(
        f"| bench_directory | {args.users:,} users, {mode}, sandbox in {where} | "
        f"{load_median:.2f} s ({load_worst:.2f} s) | {peak} / {rss_mib:.0f} MiB | "
        f"{search_median:.1f} ms | "
        f"{search_p95:.1f} ms | {verdict} |"
    )
    return 0 if load_ok and search_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
