"""The run subcommand: every scenario, the results table, the JSON record."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from .data import OPEN_STATE_WEIGHTS
from .env import LABELS, PEER, REPO, TARGETS, configure, django_setup, redacted
from .load import analyze, prewarm
from .scan import run_scan
from .wrk import Server, http_info, preflight, run_wrk


def revision() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "weibao"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    return head.stdout.strip() + (" (+ uncommitted changes under weibao/)" if dirty.stdout.strip() else "")


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem, "python": platform.python_version()}


def dataset() -> dict:
    from django.db import connection

    from weibao.servicedesk.models import Ticket, TicketClock, TicketEvent

    out = {
        "vendor": connection.vendor,
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(state__in=list(OPEN_STATE_WEIGHTS)).count(),
        "clocks": TicketClock.objects.count(),
        "events": TicketEvent.objects.count(),
    }
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT split_part(version(), ' ', 2), current_setting('shared_buffers')")
            out["server"] = "PostgreSQL {} (shared_buffers {})".format(*cur.fetchone())
        else:
            cur.execute("SELECT sqlite_version()")
            out["server"] = f"SQLite {cur.fetchone()[0]}"
    return out


def fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def table(results: list[dict], scan: dict | None, ds: dict, threads: int, workers: int) -> str:
    lines = [
        f"{ds['server']}, {ds['tickets']:,} tickets ({ds['open']:,} open), {ds['clocks']:,} clocks, "
        f"{ds['events']:,} events; gunicorn --workers {workers} --threads {threads}"
        + (" (sync worker)" if threads == 1 else " (gthread)"),
        "",
        "| scenario | target | req/s | p50 ms | p95 ms | p99 ms | errors | target met | django-helpdesk "
        "| CPU cores: bench (wrk) / others |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        kind, goal = TARGETS[r["scenario"]]
        met = r["p95"] <= goal if kind == "p95" else r["rps"] >= goal
        met = met and r["errors"] == 0
        target = f"p95 ≤ {goal:.0f} ms" if kind == "p95" else f"≥ {goal:.0f} req/s"
        errors = f"{r['errors']}" + (f" ({r['codes']})" if r["codes"] else "")
        lines.append(
            f"| {LABELS[r['scenario']]} | {target} | {r['rps']:,.0f} | {fmt_ms(r['p50'])} | "
            f"{fmt_ms(r['p95'])} | {fmt_ms(r['p99'])} | {errors} | {'yes' if met else '**no**'} | "
            f"{PEER[r['scenario']]} | {r['bench_cores']:.2f} ({r['client_cpu_cores']:.2f}) / "
            f"{r['foreign_cores']:.2f} |"
        )
    if scan:
        met = scan["seconds"] <= TARGETS["scan"][1]
        t = scan["totals"]
        what = ", ".join(f"{k} {v:,}" for k, v in t.items())
        lines.append(
            f"| {LABELS['scan']}: {scan['prepare']['tickets']:,} open tickets overdue, one `scan()` call "
            f"({what}) | ≤ 2 s | — | — | — | — | — | "
            f"{'yes' if met else '**no**'}: {scan['seconds']:.2f} s | {PEER['scan']} | — / "
            f"{scan['foreign_cores']:.2f} |"
        )
    return "\n".join(lines)


def cmd_run(args) -> int:
    url = configure()
    if shutil.which("wrk") is None and set(args.scenarios) - {"scan"}:
        sys.exit("wrk is missing: apt-get install -y wrk")
    django_setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)  # the code may have moved since the load
    ds = dataset()
    if not ds["tickets"]:
        sys.exit("no tickets: run the load subcommand first")
    info = http_info(args.user, args.sample)
    from django.db import connection

    if connection.vendor == "postgresql" and not args.no_vacuum:
        # Earlier runs left dead rows (creates, the scan's set-up and clean-up); autovacuum, on in
        # any real installation, is off on this machine's server: vacuum as it would have.
        print(f"vacuum (analyze) of the service desk tables: {analyze(vacuum=True):.1f} s", flush=True)
    connections.close_all()
    rev = revision()
    print(
        f"code: {rev}; database: {redacted(url)}; {ds['server']}; {ds['tickets']:,} tickets, {ds['open']:,} open"
    )
    print(
        f"user {info['user']} ({info['hospital']}: {info['tickets_of_hospital']:,} tickets); "
        f"wrk -t2 -c{args.connections}, warm-up {args.warmup} s, {args.duration} s per scenario"
    )
    runs = []
    http_scenarios = [s for s in args.scenarios if s != "scan"]
    for threads in args.threads or [4]:
        results = []
        if http_scenarios:
            log = Path(os.environ["WEIBAO_VAR_DIR"]) / "gunicorn-bench.log"
            with Server(args.workers, threads, log) as server:
                notes = preflight(server.url, info)
                if any(s.startswith("home-") for s in http_scenarios):
                    from .home import check_home

                    notes["home_bytes"] = check_home(server.url, info["home_cookies"])
                print(f"gunicorn {' '.join(server.cmd[3:])}: preflight ok {notes}", flush=True)
                for scenario in http_scenarios:
                    seconds, size = prewarm()
                    print(
                        f"  read the database into the OS cache: {size / 2**20:,.0f} MiB, {seconds:.1f} s",
                        flush=True,
                    )
                    r = run_wrk(
                        scenario,
                        info,
                        server,
                        duration=args.duration,
                        warmup=args.warmup,
                        connections=args.connections,
                        quiet=(args.quiet_wait, args.quiet_threshold, args.retries),
                    )
                    print(
                        f"  {scenario:<7} {r['rps']:8,.1f} req/s  p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  "
                        f"p99 {r['p99']:7.1f} ms  errors {r['errors']} {r['codes']}  (cores busy "
                        f"{r['machine_busy_cores']:.2f}: bench {r['bench_cores']:.2f} of which wrk "
                        f"{r['client_cpu_cores']:.2f}, gunicorn workers {r['worker_cores']}; "
                        f"others {r['foreign_cores']:.2f}; stolen {r.get('steal_cores', 0):.2f})",
                        flush=True,
                    )
                    results.append(r)
        runs.append({"threads": threads, "results": results})
    scan = None
    if "scan" in args.scenarios:
        scan = run_scan(
            args.scan_tickets,
            args.seed,
            args.scan_drain,
            (args.quiet_wait, args.quiet_threshold, args.retries),
            keep=args.keep_scan_tickets,
        )
    connections.close_all()
    ds = dataset()
    end_rev = revision()
    if end_rev != rev:
        print(f"WARNING: the code changed during the run: {rev} at the start, {end_rev} at the end")
    print()
    for run in runs:
        print(table(run["results"], scan if run is runs[-1] else None, ds, run["threads"], args.workers))
        print()
    if scan:
        b = scan["breakdown"]
        parts = [
            f"{label} {b[key]:.2f} s"
            for label, key in (
                ("mark UPDATE", "mark_update_s"),
                ("flag tickets UPDATE", "flag_tickets_update_s"),
            )
            if b[key]
        ]
        print(
            f"scan breakdown (second run, from a fresh start): total {b['total_s']:.2f} s"
            + "".join(f"; {p}" for p in parts)
            + "; further scan() calls (the batches still queued) "
            + ", ".join(f"{s:.2f} s" for s in scan["drain_s"])
        )
        w = scan.get("worker_batch")
        if w:
            print(
                f"worker side: one batch of {w['tickets']} tickets (check_many) {w['seconds']:.2f} s, "
                f"{w['per_ticket_ms']:.1f} ms and {w['queries'] / max(1, w['tickets']):.0f} queries per ticket; "
                f"{scan['prepare']['tickets']:,} tickets ≈ "
                f"{w['per_ticket_ms'] * scan['prepare']['tickets'] / 1000:,.0f} s of one worker thread"
            )
        print(f"scan preparation: {scan['prepare']}")
    print()
    print("reproduce:")
    env = f"DATABASE_URL={redacted(url)}" + (
        f" REDIS_URL={os.environ['REDIS_URL']}" if os.environ.get("REDIS_URL") else ""
    )
    print(f"  {env} .venv/bin/python bench/servicedesk_bench.py load --fresh")
    threads = " ".join(f"--threads {t}" for t in (args.threads or [4]))
    print(f"  {env} .venv/bin/python bench/servicedesk_bench.py run {threads}")
    out = Path(os.environ["WEIBAO_VAR_DIR"]) / f"results-{ds['vendor']}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "machine": machine(),
                "revision": rev,
                "revision_at_end": end_rev,
                "dataset": ds,
                "runs": runs,
                "scan": scan,
                "date": datetime.now(UTC).isoformat(),
            },
            indent=2,
            default=str,
        )
    )
    print(f"  results: {out}")
    return 0
