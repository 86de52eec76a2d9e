"""Questions over a 1,000,000-meeting snapshot (100,000 users) on PostgreSQL: meeting search
(p50/p95 over varied queries), coverage and bots per day.

The snapshot is generated in SQL in a private schema of ``CONSOLE_TEST_POSTGRES_URL``:

    python -m bench.bench_snapshot_search [--meetings 1000000] [--users 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

from sqlalchemy import text

from lib.db import make_engine
from lib.snapshot.queries import bots_per_day, coverage, search_meetings
from tests.snapshot_db import migrated_postgres_url

_FILL_USERS = """
INSERT INTO snapshot_users (user_id, status, synced_at, upcoming_meetings, listed_at)
SELECT 'user-' || i, CASE WHEN i % 97 = 0 THEN 'failing' ELSE 'ok' END,
       now() - (i % 600) * interval '1 minute', 10, now()
FROM generate_series(0, :users - 1) AS i
"""
_FILL_MEETINGS = """
INSERT INTO snapshot_meetings (user_id, meeting_id, title, start_time, end_time, ical_uid, bot_id,
    will_record, is_external, is_hosted_by_me, is_recurring, organizer_email, attendee_emails,
    meeting_url, raw, synced_at)
SELECT 'user-' || (i % :users), 'm' || i,
       (ARRAY['Weekly sync', 'Quarterly review', 'Design crit', 'Customer call', '1:1'])[1 + i % 5]
           || ' ' || i,
       date_trunc('hour', now()) + (i % (28 * 24)) * interval '1 hour',
       date_trunc('hour', now()) + (i % (28 * 24)) * interval '1 hour' + interval '30 minutes',
       'uid-' || md5(i::text) || '@calendar.example',
       CASE WHEN i % 3 = 0 THEN 'bot-' || md5((i / 2)::text) END,
       i % 3 = 0, i % 2 = 0, i % 4 = 0, i % 5 = 0,
       'host' || (i % 20000) || '@company.example',
       json_build_array('person' || (i % 50000) || '@client.example'),
       'https://meet.example/' || md5((i + 7)::text),
       '{}'::json, now()
FROM generate_series(0, :meetings - 1) AS i
"""


def timed(fn, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    base = os.environ.get("CONSOLE_TEST_POSTGRES_URL")
    if not base:
        print("set CONSOLE_TEST_POSTGRES_URL to a PostgreSQL the benchmark may use")
        return 2
    with migrated_postgres_url(base) as url:
        engine = make_engine(url)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text(_FILL_USERS), {"users": args.users})
            conn.execute(text(_FILL_MEETINGS), {"users": args.users, "meetings": args.meetings})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        print(f"generated in {time.perf_counter() - started:.1f} s")
        queries = [
            "quarterly review 4",
            "customer call 99",
            "uid-" + "c4ca4238a0b923820dcc509a6f75849b"[:12],
            "uid-" + "eccbc87e4b5ce2fe28308fd9f2a7baf3"[:10],
            "bot-" + "cfcd208495d565ef66e7dff9f98764da"[:12],
            "person123@client.example",
            "host77@company.example",
            "https://meet.example/" + "8f14e45fceea167a5a36dedd4bea2543"[:8],
            "design crit 12345",
            "nothing matches this",
        ]
        times: list[float] = []
        for query in queries:
            times += timed(lambda q=query: search_meetings(engine, q, limit=200), repeat=3)
        now = dt.datetime.now(dt.UTC)
        cov = timed(lambda: coverage(engine, now=now, stale_after=dt.timedelta(hours=6)), 3)
        bots = timed(lambda: bots_per_day(engine, now=now, days=28), 3)
        engine.dispose()
    quantiles = statistics.quantiles(times, n=20)
    print("| Question | Median | p95 | Worst |")
    print("| --- | --- | --- | --- |")
    print(
        f"| meeting search ({len(queries)} queries x 3) | {statistics.median(times):.0f} ms "
        f"| {quantiles[18]:.0f} ms | {max(times):.0f} ms |"
    )
    print(f"| coverage | {statistics.median(cov):.0f} ms | - | {max(cov):.0f} ms |")
    print(f"| bots per day (28 days) | {statistics.median(bots):.0f} ms | - | {max(bots):.0f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
