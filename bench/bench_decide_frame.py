"""Throughput of the auto-record rules over a large set of meetings.

Run from the repository root, either way:

    python -m bench.bench_decide_frame
    python bench/bench_decide_frame.py [--meetings 200000] [--runs 5]

It generates meetings in the documented Calendar V1 shape (nested invites and attendee rows,
ISO 8601 times), then reports separately:

- frame building: ``meetings_frame`` walking the nested objects once (what the console does per
  API response);
- deciding: ``decide_frame`` on that frame, for several preference sets (what a preview does per
  set of preferences), as the median of several runs, in meetings per second.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Running as a script puts bench/ first on sys.path; the rules live under the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.autorecord import PRESETS, decide, decide_frame, meetings_frame

TARGET_PER_SECOND = 500_000
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ME = "me@acme.example"
STATUSES = ("accepted", "accepted", "tentative", "declined", "not_available")
DOMAINS = ("acme.example", "acme.example", "acme.example", "customer.example", "vendor.example")


def _invites(rng: random.Random) -> dict[str, Any]:
    invites: dict[str, Any] = {
        "zoom_invite": None,
        "teams_invite": None,
        "meet_invite": None,
        "webex_invite": None,
        "goto_meeting_invite": None,
    }
    kind = rng.random()
    if kind < 0.35:
        invites["zoom_invite"] = {
            "meeting_id": str(rng.randrange(10**9, 10**10)),
            "meeting_password": "pw",
        }
    elif kind < 0.65:
        invites["meet_invite"] = {"meeting_id": f"abc-{rng.randrange(1000, 9999)}-xyz"}
    elif kind < 0.85:
        invites["teams_invite"] = {
            "organizer_id": "org",
            "tenant_id": "tenant",
            "message_id": "0",
            "thread_id": f"19:meeting_{rng.randrange(10**6)}@thread.v2",
        }
    elif kind < 0.9:
        invites["webex_invite"] = {"meeting_subdomain": "acme", "meeting_mtid": "m123"}
    elif kind < 0.95:
        invites["zoom_invite"] = {"meeting_id": ""}  # present but unusable
    return invites


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` meeting objects in the documented shape, spread over Recall's sync window."""
    rng = random.Random(seed)
    meetings = []
    for number in range(count):
        start = NOW + timedelta(minutes=rng.randrange(-60 * 24 * 60, 28 * 24 * 60, 15))
        hosted = rng.random() < 0.4
        organizer = ME if hosted else f"host{rng.randrange(50)}@{rng.choice(DOMAINS)}"
        attendees = [{"name": None, "email": organizer, "is_organizer": True, "status": "accepted"}]
        if not hosted or rng.random() < 0.7:
            attendees.append(
                {
                    "name": "Me",
                    "email": ME.upper(),
                    "is_organizer": False,
                    "status": rng.choice(STATUSES),
                }
            )
        for _ in range(rng.randrange(0, 5)):
            attendees.append(
                {
                    "name": None,
                    "email": f"p{rng.randrange(500)}@{rng.choice(DOMAINS)}",
                    "is_organizer": False,
                    "status": rng.choice(STATUSES),
                }
            )
        org_domain = organizer.rsplit("@", 1)[1]
        external = any(a["email"].rsplit("@", 1)[1].lower() != org_domain for a in attendees)
        all_day = rng.random() < 0.03
        meetings.append(
            {
                "id": f"00000000-0000-0000-0000-{number:012d}",
                "override_should_record": rng.choice((None,) * 18 + (True, False)),
                "title": f"Meeting {number}",
                "description": "",
                "will_record": rng.random() < 0.5,
                "will_record_reason": "",
                "start_time": (start.replace(hour=0, minute=0) if all_day else start)
                .isoformat()
                .replace("+00:00", "Z"),
                "end_time": None if all_day else (start + timedelta(minutes=30)).isoformat(),
                "platform": None,
                "platform_id": f"event{number}",
                "meeting_platform": None,
                "calendar_platform": "google",
                **_invites(rng),
                "bot_id": None,
                "is_external": external,
                "is_hosted_by_me": hosted,
                "is_recurring": rng.random() < 0.3,
                "organizer_email": organizer,
                "attendee_emails": [a["email"] for a in attendees],
                "attendees": attendees,
                "ical_uid": f"event{number}@example.com",
                "visibility": "default",
            }
        )
    return meetings


def _median_seconds(action: Any, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    meetings = generate(args.meetings, args.seed)
    print(f"generated {len(meetings):,} meetings in {time.perf_counter() - started:.1f} s")

    build = _median_seconds(lambda: meetings_frame(meetings), args.build_runs)
    frame = meetings_frame(meetings)
    print(
        f"meetings_frame (nested objects -> frame): {build:.3f} s median of {args.build_runs}, "
        f"{len(meetings) / build:,.0f} meetings/s"
    )

    preference_sets = {
        **{f"preset '{name}'": dict(flags) for name, flags in PRESETS.items()},
        "custom non_host+recurring+confirmed+only_host": {
            "record_non_host": True,
            "record_recurring": True,
            "record_confirmed": True,
            "record_only_host": True,
        },
    }
    slowest = float("inf")
    for label, preferences in preference_sets.items():
        seconds = _median_seconds(
            lambda p=preferences: decide_frame(frame, p, now=NOW, connected_email=ME), args.runs
        )
        rate = len(meetings) / seconds
        slowest = min(slowest, rate)
        print(
            f"decide_frame {label}: {seconds:.3f} s median of {args.runs}, {rate:,.0f} meetings/s"
        )

    # Per-meeting decide over a sample, for scale.
    sample = meetings[:20_000]
    seconds = _median_seconds(
        lambda: [decide(m, PRESETS["record all"], now=NOW, connected_email=ME) for m in sample], 1
    )
    print(f"decide (one meeting at a time): {len(sample) / seconds:,.0f} meetings/s")

    verdict = "meets" if slowest >= TARGET_PER_SECOND else "misses"
    print(
        f"slowest decide_frame: {slowest:,.0f} meetings/s "
        f"({verdict} the {TARGET_PER_SECOND:,}/s target)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
