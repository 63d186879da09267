"""Where the bench runs: its database, its settings, its targets."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
TARGETS = {"list": ("p95", 50.0), "detail": ("p95", 50.0), "create": ("rps", 250.0), "scan": ("s", 2.0)}
HOME_SCENARIOS = ["home-department", "home-hospital", "home-manager", "home-engineer", "home-auditor"]
TARGETS.update({s: ("p95", 150.0) for s in HOME_SCENARIOS})
PEER = {  # django-helpdesk 2.6.1, SQLite, 100,000 tickets, same machine kind (shared/FACTS.md)
    "list": "14 req/s, p95 682 ms",
    "detail": "31 req/s, p95 326 ms",
    "create": "66 req/s, p95 153 ms",
    "scan": "— (no business-hours SLA)",
    **{s: "— (no role dashboards)" for s in HOME_SCENARIOS},
}
LABELS = {
    "list": "list: hospital + open, sort=risk, 25 rows",
    "detail": "detail: ticket + timeline + clocks",
    "create": "create: clocks, timeline, audit, notifications",
    "scan": "breach scan",
    "home-department": "home: department user (report, my reports, awaiting confirmation)",
    "home-hospital": "home: hospital admin (figures, compliance, 12-week chart)",
    "home-manager": "home: vendor manager over 200 contracts",
    "home-engineer": "home: engineer (my day by due)",
    "home-auditor": "home: auditor (contracts, compliance, audit)",
}
BATCH = 5000


def configure() -> str:
    """Point the settings at the bench database before Django is imported; returns the URL."""
    var = Path(os.environ.get("WEIBAO_VAR_DIR") or REPO / "var" / "bench").resolve()
    var.mkdir(parents=True, exist_ok=True)
    os.environ["WEIBAO_VAR_DIR"] = str(var)
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{var / 'weibao_bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "weibao.settings"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return os.environ["DATABASE_URL"]


def is_postgres(url: str) -> bool:
    return url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql", "postgis"}


def redacted(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def prepare_database(url: str, fresh: bool) -> None:
    """Create the PostgreSQL database if missing; with ``fresh``, start from an empty one."""
    import dj_database_url

    cfg = dj_database_url.parse(url)
    name = str(cfg["NAME"])
    if fresh and "bench" not in Path(name).name:
        sys.exit(f"refusing to drop {name!r}: --fresh only drops databases whose name contains 'bench'")
    if not is_postgres(url):
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if fresh or not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def django_setup() -> None:
    """Set Django up and import every module the URLconf reaches now: other people edit the code
    while benches run, and a module imported lazily halfway through could be caught mid-edit."""
    import django
    from django.urls import get_resolver

    django.setup()
    get_resolver().url_patterns  # noqa: B018
