"""Run every benchmark in turn: ``python -m bench`` (or ``make bench``).

Each prints a Markdown table row; BENCHMARKS.md records them with the date and machine. Run them
on a quiet machine: they share its two cores with whatever else is running.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "bench.bench_decide_frame",
    "bench.bench_cohort",
    "bench.bench_directory",
    "bench.bench_account_render",
    "bench.bench_load",
    "bench.bench_presets_hostile",
    "bench.bench_bots",
)


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"\n## {module}", flush=True)
        failed += subprocess.call([sys.executable, "-m", module]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
