"""Load: concurrent staff sessions in one console process, each opening accounts.

Starts one console (embedded sandbox), then drives N browser sessions (Playwright
browser contexts in one headless Chromium), each signed in as a demo editor and, for the
duration, opening accounts one after another: load the account URL, give a reason, open it, wait
until the account's figures are on screen and the app is idle. Reports the median and p95 of those
page completion times, the number of pages completed, and the console process's memory: its
resident size before the sessions, at the peak, and the peak growth divided by the sessions.

    python -m bench.bench_load [--sessions 20] [--seconds 120]

Browser and console share this machine's two cores, so the figures include the browser's own
rendering work; they are an upper bound for what staff on their own machines would see.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORDS,
    SIGN_IN_COOKIE,
    start_console,
    stop_console,
)

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class MemoryWatch(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = rss_bytes(pid)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.peak = max(self.peak, rss_bytes(self.pid))


async def idle(page: Page) -> None:
    await page.wait_for_timeout(250)
    await page.wait_for_selector(IDLE)


async def sign_in(page: Page, url: str) -> None:
    await page.goto(url)
    await idle(page)
    await page.get_by_role("textbox", name="Username or email").fill("editor")
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS["editor"])
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Sign out").wait_for()
    # The sign-in cookie is written by a browser-side component just after sign-in.
    for _ in range(300):
        if any(c["name"] == SIGN_IN_COOKIE for c in await page.context.cookies()):
            return
        await page.wait_for_timeout(100)


RAMP_SECONDS_PER_SESSION = 2.0


async def session(
    browser: object,
    url: str,
    user_ids: list[str],
    deadline: float,
    times: list[float],
    failures: list[str],
    delay: float = 0.0,
) -> None:
    # Sessions arrive a couple of seconds apart, as staff do, rather than all in one instant.
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    # Overload should show as slow pages, not as a crashed benchmark.
    context.set_default_timeout(300_000)
    context.set_default_navigation_timeout(300_000)
    page = await context.new_page()
    try:
        await sign_in(page, url)
    except PlaywrightTimeoutError:
        failures.append("sign-in")
        await context.close()
        return
    rng = random.Random()
    first = True
    while first or time.monotonic() < deadline:
        first = False
        user_id = rng.choice(user_ids)
        started = time.perf_counter()
        try:
            await open_account(page, url, user_id)
        except PlaywrightTimeoutError:
            failures.append(user_id)
            continue
        times.append(time.perf_counter() - started)
    await context.close()


async def open_account(page: Page, url: str, user_id: str) -> None:
    """Load the account URL, give a reason, open it, wait for its figures and an idle app."""
    await page.goto(f"{url}/account?user_id={user_id}")
    await page.get_by_role("textbox", name="Reason").fill("Load benchmark: opening accounts")
    await page.get_by_role("button", name="Open account").click()
    # The metrics row is drawn once the account is loaded (users without a calendar have no
    # meetings table).
    await page.get_by_text("Rules disagree", exact=True).wait_for()
    await idle(page)


async def drive(
    url: str, sessions: int, seconds: float, user_ids: list[str]
) -> tuple[list[float], list[str]]:
    times: list[float] = []
    failures: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ramp = RAMP_SECONDS_PER_SESSION * (sessions - 1)
        deadline = time.monotonic() + ramp + seconds
        await asyncio.gather(
            *(
                session(
                    browser, url, user_ids, deadline, times, failures, RAMP_SECONDS_PER_SESSION * i
                )
                for i in range(sessions)
            )
        )
        await browser.close()
    return times, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    console = start_console(Path(tempfile.mkdtemp(prefix="bench-load-")))
    try:
        # Warm up: one session starts the embedded sandbox and loads every module, so the
        # baseline is the console ready to serve, not a bare interpreter.
        asyncio.run(drive(console.url, 1, 0, ["nw-000003"]))
        baseline = rss_bytes(console.process.pid)
        watch = MemoryWatch(console.process.pid)
        watch.start()
        # Ordinary accounts (not the 2,000-meeting one): what support opens all day.
        user_ids = [f"nw-{n:06d}" for n in range(3, 150)]
        times, failures = asyncio.run(drive(console.url, args.sessions, args.seconds, user_ids))
        watch.stopped.set()
        peak = watch.peak
    finally:
        stop_console(console)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    per_session = (peak - baseline) / args.sessions / 2**20
    print(
        f"| {args.sessions} concurrent sessions opening accounts for {args.seconds:.0f} s "
        f"(after a {RAMP_SECONDS_PER_SESSION * (args.sessions - 1):.0f} s ramp-up) "
        f"| {len(times)} pages ({len(failures)} timed out after 300 s); "
        f"median {statistics.median(times):.2f} s, p95 {p95:.2f} s; "
        f"console RSS {baseline / 2**20:.0f} MiB -> peak {peak / 2**20:.0f} MiB "
        f"({per_session:.1f} MiB per session) |"
    )


if __name__ == "__main__":
    main()
