"""Time to validate hostile preset documents (the preset box and upload accept anything).

    python -m bench.bench_presets_hostile [--runs 5]

Each document is small enough to pass the size cap, or exactly the kind the caps exist for; the
validator must answer each in well under a second so a pasted document never stalls a session.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.presets import validate

TARGET_SECONDS = 3.0

DOCUMENTS = {
    "1,000,000 escaped quotes, unterminated": '{"bot_name": "' + '\\"' * 1_000_000,
    "300,000 small objects": '{"metadata": {"k": null}, "webex": {"x": ['
    + ",".join(["{}"] * 300_000)
    + "]}}",
    "300,000 shallow arrays": '{"webex": {"x": [' + ",".join(["[]"] * 300_000) + "]}}",
    "20 MB string (over the size cap)": '{"bot_name": "' + "x" * 20_000_000 + '"}',
    "10,000 levels of nesting": "[" * 10_000 + "]" * 10_000,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    worst_median = 0.0
    for name, text in DOCUMENTS.items():
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            validate(text)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        worst_median = max(worst_median, median)
        print(f"| {name} | median {median * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms |")
    verdict = "met" if worst_median <= TARGET_SECONDS else "NOT met"
    print(f"| slowest median | {worst_median:.2f} s | target <= {TARGET_SECONDS} s | {verdict} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
