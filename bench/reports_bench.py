"""Benchmark of the quarter's 记录单 XLSX: every ticket of one contract's quarter, streamed.

Subcommands::

    load   migrate, load the demo data, bulk-insert N tickets with their clocks and timelines (the
           service desk bench's generator, COPY on PostgreSQL), then move them all into one demo
           contract and spread their report times over 2026Q3 (Beijing), then ANALYZE
    run    build the 记录单 rows (:func:`weibao.reports.builders.service_record_rows`) into the
           XLSX (:func:`weibao.documents.render.render_xlsx`) as ``deliverable_produce`` does,
           best of ``--repeat``; prints the time, the rows, the file size and the peak memory
    facts  compute the quarter's assessment facts and deductions as ``weibao assess`` does
           (:func:`weibao.assessments.computing.assessment_preview`), best of ``--repeat``; prints
           the time, the queries and the counts
    load-contracts
           give the demo vendor (DEMOPACS, whose manager is ``demo-manager``) ``--contracts`` contracts
           in force in all, from the shipped templates in turn (each with the milestones, calendars
           and terms its template makes) over hospitals of ``--per-hospital`` contracts, and
           ``--tickets`` generated tickets on each new contract (the service desk bench's
           generator, restricted to them)
    dashboard
           the vendor manager's home page (我的工作台, with the 合同款项 panel) and the full money
           table ``/money/``: ``--requests`` GETs of each, in-process (``django.test.Client``) and,
           with ``--base``, over HTTP with a session cookie; the first request after the cache is
           emptied is reported on its own (cold), then p50 / p95 / max of the rest, the queries
           per request, the CPU time of the process and the load average

The database is ``DATABASE_URL`` (``load --fresh`` drops only a database whose name contains
"bench"); ``WEIBAO_VAR_DIR`` defaults to ``var/bench``. Example::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_deliver_bench REDIS_URL=redis://127.0.0.1:6379/3
    .venv/bin/python bench/reports_bench.py load --fresh --tickets 100000
    .venv/bin/python bench/reports_bench.py run
    .venv/bin/python bench/reports_bench.py facts
    .venv/bin/python bench/reports_bench.py load-contracts --contracts 200
    .venv/bin/python bench/reports_bench.py dashboard --requests 50 [--base http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashbench import cmd_dashboard, cmd_load_contracts
from sdbench.env import configure, django_setup, is_postgres, prepare_database, redacted

PERIOD = "2026Q3"


def _target():
    from weibao.contracts.models import Contract

    return Contract.objects.select_related("hospital").order_by("pk").first()


def cmd_load(args) -> int:
    url = configure()
    prepare_database(url, args.fresh)
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from sdbench.data import Generator
    from sdbench.load import analyze, insert_tickets

    from weibao.servicedesk.models import Ticket

    print(f"database: {redacted(url)}")
    call_command("migrate", interactive=False, verbosity=0)
    if Ticket.objects.exists() and not args.fresh:
        print("the database already holds tickets: use --fresh to start over")
        return 1
    call_command("demo", stdout=io.StringIO())
    t0 = time.perf_counter()
    totals = insert_tickets(Generator(now=timezone.now(), seed=args.seed, open_fraction=0.1), args.tickets)
    contract = _target()
    quarter_seconds = 92 * 86400
    with connection.cursor() as cur:
        # Every ticket into one contract's quarter: the report reads by contract and report time.
        if connection.vendor == "postgresql":
            cur.execute(
                "UPDATE servicedesk_ticket SET contract_id = %s, hospital_id = %s, "
                "created_at = TIMESTAMPTZ '2026-07-01 00:00:00+08' + ((id * 7919) %% %s) * INTERVAL '1 second'",
                [contract.pk, contract.hospital_id, quarter_seconds],
            )
        else:
            cur.execute(
                "UPDATE servicedesk_ticket SET contract_id = %s, hospital_id = %s, "
                "created_at = datetime('2026-06-30 16:00:00', '+' || ((id * 7919) %% %s) || ' seconds')",
                [contract.pk, contract.hospital_id, quarter_seconds],
            )
    if is_postgres(url):
        print(f"ANALYZE: {analyze():.1f} s")
    print(
        f"loaded {totals['tickets']:,} tickets, {totals['events']:,} events into {contract.code} "
        f"{PERIOD} in {time.perf_counter() - t0:,.0f} s"
    )
    return 0


def cmd_run(args) -> int:
    url = configure()
    django_setup()
    from django.db import connection

    from weibao.documents.render import Sheet, render_xlsx
    from weibao.reports.builders import period_tickets, service_record_rows
    from weibao.reports.kinds import COLUMNS
    from weibao.reports.periods import parse_period

    contract, period = _target(), parse_period(PERIOD)
    expected = period_tickets(contract, period).count()
    columns = COLUMNS["service_record"]
    print(f"database: {redacted(url)}; {contract.code} {PERIOD}: {expected:,} tickets")
    times = []
    for i in range(args.repeat):
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counted = 0

        def rows():
            nonlocal counted
            for row in service_record_rows(contract, period):
                counted += 1
                yield [row[k] for _h, k in columns]

        queries = {"count": 0, "seconds": 0.0}

        def timed(execute, sql, params, many, context, queries=queries):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries["count"] += 1
                queries["seconds"] += time.perf_counter() - t

        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        with connection.execute_wrapper(timed):
            content = render_xlsx(
                [Sheet(title="季度维保服务记录单", header=[h for h, _k in columns], rows=rows())]
            )
        elapsed = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        rss1 = cpu1.ru_maxrss
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        times.append(elapsed)
        print(
            f"run {i + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU of this process, "
            f"{queries['count']} queries ({queries['seconds']:.2f} s waiting on the database), "
            f"load average {os.getloadavg()[0]:.1f}, {counted:,} rows, {len(content) / 1e6:.1f} MB XLSX, "
            f"peak RSS {rss1 / 1024:.0f} MiB (+{(rss1 - rss0) / 1024:.0f} MiB)",
            flush=True,
        )
        assert counted == expected, (counted, expected)
    print(f"best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s (target ≤ 15 s)")
    return 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cmd_facts(args) -> int:
    url = configure()
    django_setup()
    from django.db import connection

    from weibao.assessments.computing import assessment_preview
    from weibao.contracts.models import Contract

    contract = _target()
    # The same tickets under seed 003's quarterly rules too (a late-response rule of 1 h on 7x24,
    # vendor faults): the late rule measures tickets on a calendar, the costly part.
    seed_003 = Contract.objects.filter(template_code="drg-wuhan").first()
    cases = [("its own rules", contract)]
    if seed_003 is not None:
        borrowed = Contract.objects.select_related("hospital").get(pk=contract.pk)
        borrowed.assessments = seed_003.assessments
        cases.append(("seed 003's rules (drg-wuhan)", borrowed))
    print(f"database: {redacted(url)}; {contract.code} {PERIOD}")
    for label, subject in cases:
        times = []
        for i in range(args.repeat):
            queries = {"count": 0, "seconds": 0.0}

            def timed(execute, sql, params, many, context, queries=queries):
                t = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    queries["count"] += 1
                    queries["seconds"] += time.perf_counter() - t

            cpu0, t0 = _cpu(), time.perf_counter()
            with connection.execute_wrapper(timed):
                result = assessment_preview(contract=subject, period=PERIOD)
            elapsed, cpu = time.perf_counter() - t0, _cpu() - cpu0
            times.append(elapsed)
            print(
                f"{label}, run {i + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU of this process, "
                f"{queries['count']} queries ({queries['seconds']:.2f} s waiting on the database), "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        facts = result["facts"]
        shown = {k: v for k, v in facts.items() if not k.startswith(("category:", "severity:"))}
        print(f"  facts: {shown}")
        print(f"  deductions: {len(result['deductions'])} lines, total {result['deduction_total']} yuan")
        print(f"  best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s (target ≤ 3 s)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load", help="migrate, demo data, N tickets in one contract's 2026Q3")
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--fresh", action="store_true")
    p = sub.add_parser("run", help="time the 记录单 XLSX")
    p.add_argument("--repeat", type=int, default=3)
    p = sub.add_parser("facts", help="time the quarter's assessment facts (weibao assess)")
    p.add_argument("--repeat", type=int, default=3)
    p = sub.add_parser("load-contracts", help="the demo vendor with N contracts in force, tickets on each")
    p.add_argument("--contracts", type=int, default=200)
    p.add_argument("--per-hospital", type=int, default=10)
    p.add_argument("--tickets", type=int, default=5, help="tickets per new contract")
    p.add_argument("--seed", type=int, default=11)
    p = sub.add_parser("dashboard", help="time the vendor manager's home page and /money/")
    p.add_argument("--requests", type=int, default=50)
    p.add_argument("--base", default="", help="also over HTTP against a running server at this URL")
    p.add_argument("--warmup", type=int, default=20, help="HTTP requests before the measured ones")
    p.add_argument("--user", default="demo-manager")
    args = parser.parse_args()
    commands = {
        "load": cmd_load,
        "run": cmd_run,
        "facts": cmd_facts,
        "load-contracts": cmd_load_contracts,
        "dashboard": cmd_dashboard,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
