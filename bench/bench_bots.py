"""Following bots: time to the "What happened" answer in a real browser (cold and warm), and
the cohort outcome view for 100 users over 7 days with its List Bots request count.

    python -m bench.bench_bots [--rounds 5] [--users 100] [--latency-ms 100]

"What happened": a console against a sandbox laid out so that the last days hold finished bots;
an editor opens the account of a user with several bots, narrows the meetings to one bot by its
id, and clicks "Why did (or didn't) the bot join?". Timed from the click until the answer is on
screen and the app is idle. Cold: that bot was never asked for (Retrieve Bot goes to the
sandbox). Warm: the page is reloaded (a new session) and the same bot asked for again within the
cache time.

Cohort: one List Bots pass over a 7-day ``join_at`` window (following every page), then the
failure rates by sub code for 100 users' bots, against a sandbox that enforces the documented
limits (List Bots 60/min per workspace) and adds ``--latency-ms`` to every request. The sandbox
runs in a thread of this process here (it needs a past anchor, which its command line does not
take), so both share one interpreter.

Prints Markdown table rows for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from playwright.sync_api import sync_playwright

from lib.bots.rates import outcome_rates
from lib.recall import RecallClient
from lib.recall.bot_api import BotApi
from lib.recall.ratelimit import DEFAULT_LIMITS
from lib.sandbox.clock import floor_to_hour
from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import start_in_thread
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    sign_in,
    start_console,
    stop_console,
    wait_for_app_run,
)

FOLLOW = "Why did (or didn't) the bot join?"
TARGET_SECONDS = 3.0


def _recent_bots(base_url: str, api_key: str) -> dict[str, list[str]]:
    """External id -> ids of its finished bots whose meetings the default date filter shows."""
    client = RecallClient(base_url, api_key)
    now = datetime.now(UTC)
    since = datetime.combine(now.date() - timedelta(days=1), datetime.min.time(), UTC)
    page = BotApi(client).list_bots(join_at_after=since, join_at_before=now - timedelta(hours=1))
    by_user: dict[str, list[str]] = {}
    for bot in page.bots:
        if bot.last is not None and bot.last.code == "done" and len(bot.calendar_meetings) == 1:
            by_user.setdefault(bot.calendar_meetings[0].external_id or "", []).append(bot.id)
    return by_user


def bench_answer(rounds: int) -> None:
    sandbox = start_in_thread(SandboxConfig(seed=1, users=150, rate_limit_scale=1.0))
    console = start_console(
        Path(tempfile.mkdtemp(prefix="bench-bots-")),
        {"CONSOLE_SANDBOX_URL": sandbox.base_url, "CONSOLE_SANDBOX_API_KEY": sandbox.api_key},
    )
    cold: list[float] = []
    warm: list[float] = []
    try:
        by_user = _recent_bots(sandbox.base_url, sandbox.api_key)
        # Not the seeded heavy account (2,000 meetings): its page render is benchmarked apart.
        by_user.pop("nw-000002", None)
        user_id, bot_ids = max(by_user.items(), key=lambda item: len(item[1]))
        bot_ids = bot_ids[:rounds]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            sign_in(page, console, "editor")
            page.goto(f"{console.url}/account?user_id={user_id}")
            wait_for_app_run(page)

            def open_account() -> None:
                page.get_by_role("textbox", name="Reason").fill("Benchmark: what happened")
                page.get_by_role("button", name="Open account").click()
                wait_for_app_run(page, timeout=60_000)
                page.get_by_role("textbox", name="Search").wait_for(timeout=60_000)

            open_account()

            def ask(bot_id: str) -> float:
                page.get_by_role("textbox", name="Search").fill(bot_id)
                page.keyboard.press("Enter")
                wait_for_app_run(page, timeout=60_000)
                details = page.get_by_text("Meeting details")
                if not page.get_by_role("button", name=FOLLOW).is_visible():
                    details.click()
                    wait_for_app_run(page, timeout=60_000)
                started = time.perf_counter()
                page.get_by_role("button", name=FOLLOW).click()
                page.get_by_text("Recall scheduled a bot").first.wait_for(timeout=60_000)
                wait_for_app_run(page, timeout=60_000)
                return time.perf_counter() - started

            for bot_id in bot_ids:
                cold.append(ask(bot_id))
            for bot_id in bot_ids:
                # A new session: the view-as session (and its reason) starts again; the
                # console's bot cache is process-wide and still holds the bot.
                page.reload()
                wait_for_app_run(page, timeout=60_000)
                open_account()
                warm.append(ask(bot_id))
            browser.close()
    finally:
        stop_console(console)
        sandbox.stop()
    verdict = "met" if max(cold + warm) <= TARGET_SECONDS else "MISSED"
    print(
        f'| "What happened" answer in the browser, {len(cold)} bots of {user_id} | '
        f"cold median {statistics.median(cold):.2f} s (worst {max(cold):.2f} s); "
        f"warm median {statistics.median(warm):.2f} s (worst {max(warm):.2f} s) | "
        f"≤ {TARGET_SECONDS:.0f} s | {verdict} |"
    )


def bench_cohort(users: int, latency_ms: float) -> None:
    now = datetime.now(UTC)
    # Laid out six days ago, so the 7 days before now hold a week of finished bots.
    anchor = floor_to_hour(now) - timedelta(days=6)
    sandbox = start_in_thread(SandboxConfig(seed=1, users=150, anchor=anchor, rate_limit_scale=1.0))
    try:
        state = sandbox.state
        state.apply_settings({"latency_ms": latency_ms})
        key = {"Authorization": f"Token {sandbox.api_key}"}
        cohort = [
            u["external_id"]
            for u in httpx.get(f"{sandbox.base_url}/api/v1/calendar/users/", headers=key).json()
        ][:users]
        # Calendars are built on first access; build them before timing, like a warm Recall.
        httpx.get(f"{sandbox.base_url}/api/v1/bot/", headers=key, timeout=120)
        client = RecallClient(sandbox.base_url, sandbox.api_key, deadline=120.0)
        started = time.perf_counter()
        page = BotApi(client).list_bots(join_at_after=now - timedelta(days=7), join_at_before=now)
        rates = outcome_rates(page.bots, cohort)
        elapsed = time.perf_counter() - started
    finally:
        sandbox.stop()
    limit = DEFAULT_LIMITS["bot_list"]
    top = Counter(dict(zip(rates.by_reason["why"], rates.by_reason["bots"], strict=True)))
    print(f"cohort: {rates.headline()}; top reasons {top.most_common(3)}")
    print(
        f"| Cohort bot outcomes, {len(cohort)} users over 7 days (+{latency_ms:g} ms per "
        f"request) | {elapsed:.2f} s; {page.requests} List Bots requests of {limit}/min "
        f"({page.requests / limit:.0%} of a minute's allowance) for {len(page.bots)} bots, "
        f"{rates.bots} of them the cohort's | one List pass, within {limit}/min | "
        f"{'met' if page.requests <= limit else 'MISSED'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-cohort", action="store_true")
    args = parser.parse_args()
    if not args.skip_cohort:
        bench_cohort(args.users, args.latency_ms)
    if not args.skip_browser:
        bench_answer(args.rounds)


if __name__ == "__main__":
    main()
