"""Benchmark of the SLA calendar arithmetic (no Django).

Run: ``.venv/bin/python bench/sla_bench.py [--calls 200000] [--bulk 1000000]``

Times single ``Schedule.add`` and ``Schedule.elapsed`` calls on the 5x8 statutory calendar with
random starts across 2026 (median and p95 per call, each call timed on its own), and one bulk
``add_many`` over 1,000,000 (start, duration) pairs, checked against the scalar path on a sample.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weibao.calendars.schedule import Schedule, five_by_eight
from weibao.calendars.statutory import from_chinese_calendar

ZONE = ZoneInfo("Asia/Shanghai")
YEAR_START = int(datetime(2026, 1, 1, tzinfo=ZONE).timestamp())
YEAR_END = int(datetime(2027, 1, 1, tzinfo=ZONE).timestamp())
TARGET_SINGLE_US = 20.0
TARGET_BULK_S = 1.5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_calls(fn, args: list[tuple]) -> list[float]:
    clock = time.perf_counter_ns
    out = []
    for a in args:
        t0 = clock()
        fn(*a)
        out.append((clock() - t0) / 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--bulk", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    opts = parser.parse_args()

    rng = random.Random(opts.seed)
    data = from_chinese_calendar([2026])
    schedule = Schedule(five_by_eight(data.exceptions, data.years))
    durations = [15 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 48 * 3600]
    starts = [datetime.fromtimestamp(rng.randrange(YEAR_START, YEAR_END), ZONE) for _ in range(opts.calls)]
    add_args = [(s, rng.choice(durations)) for s in starts]
    ends = [datetime.fromtimestamp(int(s.timestamp()) + rng.randrange(0, 10 * 86400), ZONE) for s in starts]
    elapsed_args = list(zip(starts, ends, strict=True))

    # Cold start: a new schedule builds its years on the first call.
    t0 = time.perf_counter()
    Schedule(schedule.spec).add(starts[0], 3600)
    cold_ms = (time.perf_counter() - t0) * 1000
    # Warm up: build the years once, as a long-running process would have.
    for a in add_args[:1000]:
        schedule.add(*a)
    add_us = time_calls(schedule.add, add_args)
    elapsed_us = time_calls(schedule.elapsed, elapsed_args)

    nrng = np.random.default_rng(opts.seed)
    bulk_starts = nrng.integers(YEAR_START, YEAR_END, opts.bulk, dtype=np.int64)
    bulk_secs = nrng.choice(np.array(durations, dtype=np.int64), opts.bulk)
    schedule.add_many(bulk_starts[:10], bulk_secs[:10])  # warm the numpy arrays
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        dues, provisional = schedule.add_many(bulk_starts, bulk_secs)
        runs.append(time.perf_counter() - t0)
    bulk_s = min(runs)
    for k in nrng.integers(0, opts.bulk, 2000):
        due, prov = schedule.add(datetime.fromtimestamp(int(bulk_starts[k]), ZONE), int(bulk_secs[k]))
        assert int(due.timestamp()) == int(dues[k]) and prov == bool(provisional[k]), "bulk != scalar"

    rows = [
        ("add (single, 5x8)", f"{statistics.median(add_us):.2f} µs", f"{percentile(add_us, 0.95):.2f} µs",
         f"≤ {TARGET_SINGLE_US:.0f} µs median", statistics.median(add_us) <= TARGET_SINGLE_US),
        ("elapsed (single, 5x8)", f"{statistics.median(elapsed_us):.2f} µs",
         f"{percentile(elapsed_us, 0.95):.2f} µs", f"≤ {TARGET_SINGLE_US:.0f} µs median",
         statistics.median(elapsed_us) <= TARGET_SINGLE_US),
        (f"add_many ({opts.bulk:,} on 5x8)", f"{bulk_s:.3f} s (best of 3)",
         f"{bulk_s / opts.bulk * 1e9:.0f} ns/item", f"≤ {TARGET_BULK_S} s", bulk_s <= TARGET_BULK_S),
    ]  # fmt: skip
    print(f"python {platform.python_version()} on {platform.machine()}, {opts.calls:,} single calls each")
    header = ("operation", "median / total", "p95 / per item", "target", "met")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(header, [*widths, 3], strict=True)))
    for row in rows:
        cells = [str(c).ljust(w) for c, w in zip(row[:4], widths, strict=True)]
        print("  ".join([*cells, "yes" if row[4] else "NO"]))
    print(
        f"bulk results checked against the scalar path on 2,000 samples; {int(provisional.sum())} provisional"
    )
    print(f"cold start (new Schedule, first add builds its years): {cold_ms:.1f} ms")
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
