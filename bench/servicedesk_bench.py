"""Benchmark of the service desk: its API under load, and the breach scan (run on demand).

Subcommands::

    load     migrate, load the demo data (``weibao demo``), then bulk-insert N tickets with their
             SLA clocks and timelines (SQLite: executemany; PostgreSQL: COPY), then ANALYZE
    run      serve with gunicorn (2 workers) on a free 127.0.0.1 port, drive each scenario with wrk
             at concurrency 8 (warm-up, then a fixed duration), then time the breach scan in-process
    profile  one scenario in-process (Django test client) under cProfile, with the SQL it runs

The database is ``DATABASE_URL``; without it a dedicated SQLite file ``var/bench/weibao_bench.sqlite3``
(``WEIBAO_VAR_DIR`` defaults to ``var/bench`` either way, so the bench never touches ``var/``).
PostgreSQL databases are created if missing; ``load --fresh`` drops and recreates only a database (or
SQLite file) whose name contains "bench".

Examples::

    .venv/bin/python bench/servicedesk_bench.py load --fresh              # SQLite, 100,000 tickets
    .venv/bin/python bench/servicedesk_bench.py run
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_bench REDIS_URL=redis://127.0.0.1:6379/14
    .venv/bin/python bench/servicedesk_bench.py load --fresh              # PostgreSQL, 1,000,000 tickets
    .venv/bin/python bench/servicedesk_bench.py run --threads 1 --threads 4
    .venv/bin/python bench/servicedesk_bench.py profile --scenario list

The code is in ``bench/sdbench/`` (data, load, wrk scenarios, CPU accounting, scan, run, profile).

Needs Debian's ``wrk`` (``apt-get install -y wrk``) for ``run``. The load generator shares the
machine's cores with gunicorn and the database; ``run`` reports how much CPU it used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sdbench.env import HOME_SCENARIOS
from sdbench.load import cmd_load
from sdbench.profiling import cmd_profile
from sdbench.run import cmd_run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load", help="migrate, demo data, bulk-insert tickets")
    p.add_argument("--tickets", type=int, default=0, help="default 100,000 (SQLite) / 1,000,000 (PostgreSQL)")
    p.add_argument("--open-fraction", type=float, default=0.10)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    p.add_argument("--append", action="store_true", help="add tickets to a database that has some")
    p.add_argument("--analyze", action="store_true", help="also ANALYZE on SQLite (always on PostgreSQL)")
    p.add_argument(
        "--manager-contracts",
        type=int,
        default=200,
        help="contracts of the bench vendor manager (home pages)",
    )
    p.set_defaults(fn=cmd_load)
    p = sub.add_parser("run", help="gunicorn + wrk scenarios, then the breach scan")
    p.add_argument(
        "--scenarios",
        nargs="+",
        default=["list", "detail", "create", "scan", *HOME_SCENARIOS],
        help="list detail create scan " + " ".join(HOME_SCENARIOS),
    )
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, action="append", help="gunicorn --threads; repeat to compare")
    p.add_argument(
        "--no-vacuum", action="store_true", help="PostgreSQL: skip the VACUUM (ANALYZE) before the run"
    )
    p.add_argument("--user", default="demo-hospital", help="whose token drives the API")
    p.add_argument("--sample", type=int, default=10000, help="ticket ids the detail scenario picks from")
    p.add_argument("--scan-tickets", type=int, default=100_000)
    p.add_argument("--scan-drain", type=int, default=1, help="further scan() calls timed after the first")
    p.add_argument("--quiet-wait", type=float, default=900, help="seconds to wait for other load to stop")
    p.add_argument("--quiet-threshold", type=float, default=0.15, help="cores others may use (of 2)")
    p.add_argument("--retries", type=int, default=2, help="re-measure a disturbed scenario this often")
    p.add_argument(
        "--keep-scan-tickets", action="store_true", help="keep the overdue tickets the scan step adds"
    )
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("profile", help="one scenario in-process under cProfile, with its SQL")
    p.add_argument("--scenario", choices=["list", "detail", "create", *HOME_SCENARIOS], required=True)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--user", default="demo-hospital")
    p.set_defaults(fn=cmd_profile)
    args = parser.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
