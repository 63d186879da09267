"""The profile subcommand: one scenario in-process under cProfile, with its SQL."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

from .env import configure, django_setup
from .scan import QueryLog
from .wrk import http_info


def normalise_sql(statement: str) -> str:
    statement = re.sub(r"'[^']*'", "?", statement)
    statement = re.sub(r"\b\d+(\.\d+)?\b", "?", statement)
    statement = re.sub(r"(\?, )+\?", "?…", statement)
    return statement[:220]


def cmd_profile(args) -> int:
    configure()
    django_setup()
    from django.test import Client

    if args.scenario.startswith("home-"):
        from .home import home_cookies

        info = {}
        client = Client(HTTP_COOKIE=home_cookies()[args.scenario])
    else:
        info = http_info(args.user, 2000)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {info['token']}")
    rng = random.Random(3)
    n = 0

    def one() -> int:
        nonlocal n
        n += 1
        if args.scenario.startswith("home-"):
            return client.get("/").status_code
        if args.scenario == "list":
            return client.get(info["list_path"]).status_code
        if args.scenario == "detail":
            return client.get(f"/api/v1/tickets/{rng.choice(info['detail_ids'])}").status_code
        body = {
            "contract_id": info["create_contract"],
            "term_id": rng.choice(info["create_terms"]),
            "title": f"profile {n}",
            "description": "基准测试：影像调阅缓慢",
        }
        return client.post("/api/v1/tickets", body, content_type="application/json").status_code

    for _ in range(args.warmup):
        one()
    with QueryLog().capture() as log:
        t0 = time.perf_counter()
        status = one()
        wall = time.perf_counter() - t0
    print(
        f"{args.scenario}: status {status}, {wall * 1000:.1f} ms, {len(log.queries)} queries in one request:"
    )
    for statement, seconds in log.queries:
        print(f"  {seconds * 1000:7.2f} ms  {statement[:300]}")
    t0 = time.perf_counter()
    for _ in range(args.requests):
        one()
    plain = (time.perf_counter() - t0) / args.requests
    print(f"\n{args.requests} requests without profiler: {plain * 1000:.2f} ms each (in-process, one thread)")
    profiler = cProfile.Profile()
    by_sql: dict[str, list[float]] = defaultdict(list)
    statuses = Counter()
    t0 = time.perf_counter()
    with QueryLog().capture() as log:
        profiler.enable()
        for _ in range(args.requests):
            statuses[one()] += 1
        profiler.disable()
    wall = time.perf_counter() - t0
    for statement, seconds in log.queries:
        by_sql[normalise_sql(statement)].append(seconds)
    sql_total = sum(sum(v) for v in by_sql.values())
    print(
        f"\n{args.requests} requests in {wall:.2f} s ({wall / args.requests * 1000:.1f} ms each, "
        f"profiler on); statuses {dict(statuses)}; SQL {sql_total / args.requests * 1000:.1f} ms per request"
    )
    print("\nSQL by total time (normalised):")
    for statement, times in sorted(by_sql.items(), key=lambda kv: -sum(kv[1]))[:15]:
        print(f"  {sum(times) * 1000:9.1f} ms  {len(times):6} ×  {statement}")
    out = Path(os.environ["WEIBAO_VAR_DIR"]) / f"profile-{args.scenario}.prof"
    profiler.dump_stats(out)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("cumulative")
    stats.print_stats(args.top)
    print(stream.getvalue())
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime").print_stats(args.top)
    print(stream.getvalue())
    print(f"profile written to {out}")
    return 0
