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

Needs Debian's ``wrk`` (``apt-get install -y wrk``) for ``run``. The load generator shares the
machine's cores with gunicorn and the database; ``run`` reports how much CPU it used.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"list": ("p95", 50.0), "detail": ("p95", 50.0), "create": ("rps", 250.0), "scan": ("s", 2.0)}
PEER = {  # django-helpdesk 2.6.1, SQLite, 100,000 tickets, same machine kind (shared/FACTS.md)
    "list": "14 req/s, p95 682 ms",
    "detail": "31 req/s, p95 326 ms",
    "create": "66 req/s, p95 153 ms",
    "scan": "— (no business-hours SLA)",
}
LABELS = {
    "list": "list: hospital + open, sort=risk, 25 rows",
    "detail": "detail: ticket + timeline + clocks",
    "create": "create: clocks, timeline, audit, notifications",
    "scan": "breach scan",
}
BATCH = 5000


# --- environment --------------------------------------------------------------------------------


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


# --- the data -----------------------------------------------------------------------------------

TITLES = {
    "fault": [
        "影像调阅缓慢，打开检查需要一分钟以上",
        "工作站登录后白屏",
        "检查图像无法上传到 PACS",
        "报告打印乱码",
        "DICOM 传输中断，设备报错",
        "收费窗口无法结算",
        "医嘱无法提交",
        "接口消息积压，检查申请未到达",
    ],
    "consulting": ["如何批量导出某日检查列表", "报告模板字段含义咨询", "权限设置咨询"],
    "hotline": ["电话报修：系统无法打开", "电话咨询：打印机设置"],
    "emergency": ["全院系统无法登录", "核心数据库宕机"],
    "data_recovery": ["误删检查记录，需恢复", "报告内容丢失"],
    "data_adjustment": ["患者信息录入错误需调整", "检查项目收费错误需调整"],
    "change_request": ["新增报告模板", "检查申请单增加字段"],
    "routine_maintenance": ["月度例行维护", "数据库空间清理"],
}
SOLUTIONS = [
    "重启服务后恢复",
    "清理缓存后恢复",
    "更新配置并验证",
    "修复接口映射",
    "更换网络端口",
    "远程指导用户操作",
]
ROOT_CAUSES = ["配置错误", "网络故障", "软件缺陷", "用户操作", "硬件故障", "第三方系统异常"]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周婷", "吴刚"]
CHANNELS = ["phone", "phone", "phone", "wechat", "web", "web", "qr_form", "remote_desktop", "email", "api"]
CATEGORY_WEIGHT = {
    "fault": 30,
    "consulting": 12,
    "hotline": 10,
    "routine_maintenance": 8,
    "emergency": 3,
    "data_recovery": 4,
    "data_adjustment": 5,
    "change_request": 5,
    "interface_change": 3,
    "qa": 3,
}
OPEN_STATE_WEIGHTS = {
    "new": 22,
    "responded": 15,
    "in_progress": 30,
    "onsite_required": 5,
    "onsite": 4,
    "on_hold": 8,
    "waiting_hospital": 12,
    "reopened": 4,
}
PATHS = {  # the actions that lead from 新建 to each state
    "new": [],
    "responded": ["respond"],
    "in_progress": ["respond", "start"],
    "onsite_required": ["respond", "require_onsite"],
    "onsite": ["respond", "require_onsite", "arrive"],
    "on_hold": ["respond", "start", "hold"],
    "waiting_hospital": ["respond", "start", "wait_hospital"],
    "reopened": ["respond", "start", "resolve", "reopen"],
    "resolved": ["respond", "start", "resolve"],
    "closed": ["respond", "start", "resolve", "confirm"],
    "cancelled": ["cancel"],
}
ACTION_DELAY = {  # seconds after the previous step (uniform range)
    "start": (60, 1800),
    "require_onsite": (600, 4 * 3600),
    "arrive": (1800, 5 * 3600),
    "hold": (3600, 24 * 3600),
    "wait_hospital": (3600, 24 * 3600),
    "resolve": (1800, 30 * 3600),
    "confirm": (3600, 3 * 86400),
    "auto_close": (3 * 86400, 3 * 86400 + 3600),
    "reopen": (3600, 2 * 86400),
    "cancel": (300, 86400),
}


@dataclass
class Site:
    """One demo contract with what a ticket under it refers to."""

    hospital_id: int
    code: str
    contract_id: int
    terms: list[tuple[int, str, float]]  # (id, category, weight)
    severities: list[int]
    specs: dict[tuple[int, int | None], list[dict]]  # (term, severity) → clock specs
    departments: list[int]
    systems: list[int]
    reporters: list[int]
    engineers: list[int]


@dataclass
class Batch:
    tickets: list[dict] = field(default_factory=list)
    clocks: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


class Generator:
    """Tickets with realistic shapes: a life along the workflow, its timeline, and its clocks as
    the clock engine would have stored them when last evaluated (due dates from the real schedules)."""

    def __init__(self, *, now: datetime, seed: int, open_fraction: float) -> None:
        from zoneinfo import ZoneInfo

        from django.conf import settings
        from django.db.models import Max

        from weibao.accounts.models import Department, User
        from weibao.contracts.models import Contract, MaintainedSystem
        from weibao.servicedesk.models import Ticket, TicketClock, TicketEvent, TicketSequence
        from weibao.servicedesk.sla import snapshot_clocks

        self.now = now.replace(microsecond=0)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.rng = random.Random(seed)
        self.open_fraction = open_fraction
        users = {u.username: u.pk for u in User.objects.filter(username__startswith="demo-")}
        self.sites: list[Site] = []
        for contract in Contract.objects.select_related("hospital", "vendor").order_by("pk"):
            terms = list(contract.terms.order_by("pk"))
            severities = list(contract.severities.order_by("order"))
            specs = {}
            for term in terms:
                for severity in [None, *severities]:
                    specs[(term.pk, severity.pk if severity else None)] = snapshot_clocks(
                        contract=contract, term=term, severity=severity, start=self.now
                    )
            pacs = contract.vendor.short_code == "DEMOPACS"
            self.sites.append(
                Site(
                    hospital_id=contract.hospital_id,
                    code=contract.hospital.short_code,
                    contract_id=contract.pk,
                    terms=[(t.pk, t.category, CATEGORY_WEIGHT.get(t.category, 1)) for t in terms],
                    severities=[s.pk for s in severities],
                    specs=specs,
                    departments=list(
                        Department.objects.filter(hospital_id=contract.hospital_id).values_list(
                            "pk", flat=True
                        )
                    ),
                    systems=list(
                        MaintainedSystem.objects.filter(hospital_id=contract.hospital_id).values_list(
                            "pk", flat=True
                        )
                    ),
                    reporters=[users["demo-hospital"], users["demo-radiology"]]
                    if contract.hospital.short_code == "HZZD"
                    else [],
                    engineers=[users["demo-engineer"], users["demo-manager"]] if pacs else [],
                )
            )
        if not self.sites:
            sys.exit("no contracts: the demo data did not load")
        self.counters: dict[tuple[int, int], int] = {
            (s.hospital_id, s.year): s.last for s in TicketSequence.objects.all()
        }
        self.codes = {s.hospital_id: s.code for s in self.sites}
        self.next_ids = {
            model: (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
            for model in (Ticket, TicketClock, TicketEvent)
        }
        self.ticket_model, self.clock_model, self.event_model = Ticket, TicketClock, TicketEvent
        self._schedules: dict[str, Any] = {}

    # -- helpers

    def _schedule(self, code: str):
        from weibao.calendars.selectors import schedule_by_code

        if code not in self._schedules:
            self._schedules[code] = schedule_by_code(code)
        return self._schedules[code]

    def _due(self, target: dict, start: datetime) -> datetime:
        from weibao.calendars.durations import parse_duration

        schedule = self._schedule(target["calendar"])
        if target.get("within"):
            return schedule.add_duration(start, parse_duration(target["within"]))[0]
        return schedule.next_open(start)

    def _uniform(self, lo: float, hi: float) -> int:
        return int(self.rng.uniform(lo, hi))

    def _take_id(self, model) -> int:
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def sequences(self) -> dict[tuple[int, int], int]:
        return dict(self.counters)

    # -- one ticket

    def _pick_state(self, overdue: bool) -> str:
        if overdue:
            return "new"
        if self.rng.random() < self.open_fraction:
            return self.rng.choices(list(OPEN_STATE_WEIGHTS), list(OPEN_STATE_WEIGHTS.values()))[0]
        r = self.rng.random()
        return "closed" if r < 0.90 else "resolved" if r < 0.95 else "cancelled"

    def _pick_created(self, state: str, overdue: bool) -> datetime:
        day = 86400
        if overdue:
            offset = self._uniform(2 * day, 60 * day)
        elif state in ("closed", "cancelled"):
            offset = self._uniform(4 * day, 365 * day)
        elif state == "resolved":
            offset = self._uniform(2 * 3600, 3 * day)
        elif self.rng.random() < 0.3:
            offset = self._uniform(60, day)
        else:
            offset = self._uniform(day, 90 * day)
        return self.now - timedelta(seconds=offset)

    def ticket(self, batch: Batch, *, overdue: bool = False) -> None:
        rng = self.rng
        site = rng.choice(self.sites)
        state = self._pick_state(overdue)
        created = self._pick_created(state, overdue)
        terms = site.terms
        if overdue:  # a term whose clocks start at once, so the ticket really is overdue
            terms = [t for t in terms if any(not c["start_event"] for c in site.specs[(t[0], None)])]
        term_id, category, _w = rng.choices(terms, [t[2] for t in terms])[0]
        severity = rng.choice(site.severities) if site.severities and rng.random() < 0.8 else None
        specs = site.specs[(term_id, severity)]

        # the life: one instant per action
        response_target = next((s for s in specs if s["kind"] == "response"), None)
        path = list(PATHS[state])
        if state in ("closed", "resolved") and rng.random() < 0.1:
            path[2:2] = ["require_onsite", "arrive"]
        if state == "closed" and rng.random() < 0.3:
            path[-1] = "auto_close"
        if state == "cancelled" and rng.random() < 0.5:
            path.insert(0, "respond")
        steps: list[tuple[str, int]] = []
        offset = 0
        for action in path:
            if action == "respond":
                if response_target is not None:
                    budget = max(
                        60, int((self._due(response_target["target"], created) - created).total_seconds())
                    )
                    budget = min(budget, 3 * 86400)
                    offset += max(30, int(budget * rng.uniform(0.05, 1.15)))
                else:
                    offset += self._uniform(300, 7200)
            else:
                offset += self._uniform(*ACTION_DELAY[action])
            steps.append((action, offset))
        limit = int((self.now - created).total_seconds()) - 1
        if steps and steps[-1][1] > limit:  # squeeze the life into the time it has had
            scale = limit / steps[-1][1]
            steps = [(a, max(1, int(o * scale))) for a, o in steps]
        at = {a: created + timedelta(seconds=o) for a, o in steps}

        tid = self._take_id(self.ticket_model)
        year = created.astimezone(self.zone).year
        key = (site.hospital_id, year)
        self.counters[key] = self.counters.get(key, 0) + 1
        engineer = rng.choice(site.engineers) if site.engineers else None
        reporter = rng.choice(site.reporters) if site.reporters and rng.random() < 0.5 else None
        channel = rng.choice(CHANNELS)
        title = rng.choice(TITLES.get(category) or TITLES["fault"])

        events = [
            {
                "ticket_id": tid,
                "at": created,
                "actor_id": reporter,
                "kind": "created",
                "to_state": "new",
                "data": {"channel": channel},
            }
        ]
        current = "new"
        solution = root_cause = ""
        rating = None
        from weibao.servicedesk.workflow import TRANSITIONS

        for action, _o in steps:
            move = TRANSITIONS[action]
            body = ""
            data: dict[str, Any] = {}
            if action == "resolve":
                solution, root_cause = rng.choice(SOLUTIONS), rng.choice(ROOT_CAUSES)
                body, data = solution, {"root_cause": root_cause}
            elif action == "confirm":
                rating = rng.choices([5, 4, 3, 2, 1], [60, 25, 10, 3, 2])[0]
                data = {"rating": rating}
            elif action in ("hold", "wait_hospital", "cancel", "reopen"):
                body = rng.choice(["等待厂商补丁", "等待科室确认", "用户已自行解决", "问题复现"])
            events.append(
                {
                    "ticket_id": tid,
                    "at": at[action],
                    "actor_id": None if move.side == "system" else (engineer or reporter),
                    "kind": "transition",
                    "action": action,
                    "from_state": current,
                    "to_state": move.target,
                    "clock_event": move.event or "",
                    "body": body,
                    "data": data,
                }
            )
            current = move.target
        if steps and rng.random() < 0.4:  # a reply somewhere along the way
            first, last = created, at[steps[-1][0]]
            events.append(
                {
                    "ticket_id": tid,
                    "at": first + (last - first) * rng.random(),
                    "actor_id": engineer or reporter,
                    "kind": rng.choice(["reply", "note"]),
                    "body": rng.choice(["已远程连接查看", "请提供截图", "已联系厂商二线", "正在排查日志"]),
                    "internal": False,
                }
            )
        assert current == state, (current, state)

        # the clocks, as last evaluated
        is_open = state not in ("resolved", "closed", "cancelled")
        stops = {"responded": at.get("respond"), "arrived": at.get("arrive"), "resolved": at.get("resolve")}
        # a clock stops counting when the ticket is cancelled or enters a state that pauses it
        halted_at = at.get("cancel") or at.get("hold") or at.get("wait_hospital")
        clocks = []
        for spec in specs:
            schedule = self._schedule(spec["calendar"])
            started = created if not spec["start_event"] else at.get("require_onsite")
            stop = stops.get(spec["stop_event"])
            row: dict[str, Any] = {
                "ticket_id": tid,
                "kind": spec["kind"],
                "target": spec["target"],
                "calendar": spec["calendar"],
                "paused_in": spec["paused_in"],
                "start_event": spec["start_event"],
                "stop_event": spec["stop_event"],
                "evaluated_at": (at[steps[-1][0]] if steps else created) if not is_open else self.now,
            }
            if started is None:  # an escalation that never happened
                row["status"] = "not_applicable" if state == "cancelled" else "pending"
                clocks.append(row)
                continue
            due = self._due(spec["target"], started)
            # a remote fix never needed the on-site promise; a cancelled ticket's unbroken promises lapse
            onsite_unneeded = (
                spec["kind"] == "onsite" and not spec["start_event"] and not is_open and "arrive" not in at
            )
            cancelled_in_time = state == "cancelled" and stop is None and due > at["cancel"]
            if onsite_unneeded or cancelled_in_time:
                row["status"] = "not_applicable"
                clocks.append(row)
                continue
            end = stop or self.now
            budget = schedule.elapsed(started, due) if due > started else 0
            used = schedule.elapsed(started, end) if end > started else 0
            row.update(
                started_at=started,
                due_at=due,
                elapsed=used,
                target_seconds=budget or None,
                percent_used=round(100.0 * used / budget, 1) if budget else (100.0 if end >= due else 0.0),
            )
            if stop is not None:
                row["met_at"] = stop
                if stop <= due:
                    row["status"] = "met"
                else:
                    row.update(
                        status="breached", breached_at=due, breach_notified_at=due + timedelta(minutes=1)
                    )
            elif halted_at is not None and due <= halted_at:
                row.update(status="breached", breached_at=due, breach_notified_at=due + timedelta(minutes=1))
            elif state in spec["paused_in"]:
                # a paused clock's due is where it would fall if it ran again from now
                used = schedule.elapsed(started, halted_at) if halted_at and halted_at > started else 0
                row.update(
                    status="paused", elapsed=used, due_at=schedule.add(self.now, max(0, budget - used))[0]
                )
            elif due <= self.now:
                # the periodic scan noticed it
                row.update(status="breached", breached_at=due, breach_notified_at=due + timedelta(minutes=1))
            else:
                row["status"] = "running"
                warn = started + (due - started) * 0.75
                row["warn_at"] = warn
                if warn <= self.now:
                    row["warned_at"] = warn
            clocks.append(row)
        for row in clocks:
            row["id"] = self._take_id(self.clock_model)
        batch.clocks.extend(clocks)

        for event in sorted(events, key=lambda e: e["at"]):
            event["id"] = self._take_id(self.event_model)
            batch.events.append(event)
        pending = [c["due_at"] for c in clocks if c["status"] in ("running", "paused") and c.get("due_at")]
        transitions = len(steps)
        batch.tickets.append(
            {
                "id": tid,
                "number": f"{self.codes[site.hospital_id]}-{year}-{self.counters[key]:06d}",
                "hospital_id": site.hospital_id,
                "contract_id": site.contract_id,
                "term_id": term_id,
                "category": category,
                "severity_id": severity,
                "system_id": rng.choice(site.systems) if site.systems and rng.random() < 0.6 else None,
                "department_id": rng.choice(site.departments)
                if site.departments and rng.random() < 0.7
                else None,
                "title": title,
                "description": f"{title}。{rng.choice(NAMES)}报告，影响{rng.randint(1, 30)}台工作站。",
                "channel": channel,
                "reporter_id": reporter,
                "caller_name": rng.choice(NAMES),
                "caller_department": "",
                "caller_phone": f"0752-{rng.randint(2000000, 2999999)}",
                "location": f"{rng.randint(1, 12)} 号工作站",
                "assignee_id": engineer if state != "new" else None,
                "state": state,
                "version": 1 + transitions,
                "created_at": created,
                "updated_at": max(e["at"] for e in events),
                "responded_at": at.get("respond"),
                "resolved_at": at.get("resolve") if state in ("resolved", "closed") else None,
                "closed_at": at.get("confirm") or at.get("auto_close"),
                "solution": solution if state in ("resolved", "closed") else "",
                "root_cause": root_cause if state in ("resolved", "closed") else "",
                "rating": rating,
                "next_due_at": min(pending) if is_open and pending else None,
                "sla_breached": any(c["status"] == "breached" for c in clocks),
            }
        )


class Writer:
    """Raw inserts with explicit ids: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.meta: dict[Any, tuple] = {}

    def _prepare(self, model):
        if model in self.meta:
            return self.meta[model]
        fields = [f for f in model._meta.concrete_fields]
        names = [f.attname for f in fields]
        defaults = [None if f.primary_key else f.get_default() for f in fields]
        kinds = [f.get_internal_type() for f in fields]
        json_at = [i for i, k in enumerate(kinds) if k == "JSONField"]
        dt_at = [i for i, k in enumerate(kinds) if k == "DateTimeField"]
        columns = [f.column for f in fields]
        self.meta[model] = (names, defaults, json_at, dt_at, columns)
        return self.meta[model]

    def write(self, model, rows: list[dict]) -> None:
        names, defaults, json_at, dt_at, columns = self._prepare(model)
        table = model._meta.db_table
        prepared = []
        dumps = json.dumps
        for row in rows:
            values = [row.get(n, d) for n, d in zip(names, defaults, strict=True)]
            for i in json_at:
                values[i] = dumps(values[i], ensure_ascii=False)
            if not self.postgres:
                for i in dt_at:
                    v = values[i]
                    if v is not None:
                        values[i] = str(v.astimezone(UTC).replace(tzinfo=None))
            prepared.append(values)
        if self.postgres:
            from psycopg import sql

            self.connection.ensure_connection()
            raw = self.connection.connection
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
            )
            with raw.cursor() as cur, cur.copy(statement) as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            with self.connection.cursor() as cur:
                cur.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', prepared)


def insert_tickets(gen: Generator, count: int, *, overdue: bool = False, label: str = "tickets") -> dict:
    """Generate and insert ``count`` tickets in batches; returns row counts."""
    from django.db import connection, transaction

    writer = Writer()
    if writer.postgres:
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    done = 0
    totals = Counter()
    t0 = time.perf_counter()
    last_print = 0.0
    while done < count:
        n = min(BATCH, count - done)
        batch = Batch()
        for _ in range(n):
            gen.ticket(batch, overdue=overdue)
        with transaction.atomic():
            writer.write(gen.ticket_model, batch.tickets)
            writer.write(gen.clock_model, batch.clocks)
            writer.write(gen.event_model, batch.events)
        totals.update(tickets=len(batch.tickets), clocks=len(batch.clocks), events=len(batch.events))
        done += n
        elapsed = time.perf_counter() - t0
        if elapsed - last_print >= 10 or done == count:
            last_print = elapsed
            eta = elapsed / done * (count - done)
            print(
                f"  {label}: {done:,}/{count:,}  ({done / elapsed:,.0f}/s, "
                f"{totals['clocks']:,} clocks, {totals['events']:,} events, "
                f"{elapsed:,.0f} s, ~{eta:,.0f} s left)",
                flush=True,
            )
    finish_inserts(gen)
    return dict(totals)


def finish_inserts(gen: Generator) -> None:
    """Move the ticket number sequences and the id sequences past what was inserted."""
    from django.core.management.color import no_style
    from django.db import connection

    from weibao.servicedesk.models import TicketSequence

    for (hospital_id, year), last in gen.sequences().items():
        TicketSequence.objects.update_or_create(hospital_id=hospital_id, year=year, defaults={"last": last})
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [gen.ticket_model, gen.clock_model, gen.event_model]
            ):
                cur.execute(statement)


def analyze(vacuum: bool = True) -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            if vacuum:
                for table in ("servicedesk_ticket", "servicedesk_ticketclock", "servicedesk_ticketevent"):
                    cur.execute(f'VACUUM (ANALYZE) "{table}"')
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def prewarm() -> tuple[float, int]:
    """Read the database into the operating system's cache, as on a server that has been running:
    this machine gives back idle page cache within minutes, and a scenario measured right after
    would time the disk (the detail scenario's random tickets most). Returns seconds and bytes."""
    from django.db import connection

    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cur.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid, 'read') * current_setting('block_size')::bigint), 0) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't', 'm')"
            )
            size = int(cur.fetchone()[0])
    else:
        size = 0
        for path in (Path(connection.settings_dict["NAME"]), Path(f"{connection.settings_dict['NAME']}-wal")):
            if path.exists():
                with path.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        size += len(chunk)
    return time.perf_counter() - t0, size


def cmd_load(args) -> int:
    url = configure()
    prepare_database(url, args.fresh)
    django_setup()
    from django.core.management import call_command
    from django.utils import timezone

    from weibao.servicedesk.models import Ticket

    postgres = is_postgres(url)
    count = args.tickets or (1_000_000 if postgres else 100_000)
    print(f"database: {redacted(url)}  (WEIBAO_VAR_DIR={os.environ['WEIBAO_VAR_DIR']})")
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    existing = Ticket.objects.count()  # before the demo, which adds a few tickets of its own
    out = io.StringIO()  # the demo prints passwords; the bench logs in with a token instead
    call_command("demo", stdout=out)
    print(
        f"migrate + demo: {time.perf_counter() - t0:.1f} s ({Ticket.objects.count() - existing} demo tickets)"
    )
    if existing and not args.append:
        print(f"the database already holds {existing:,} tickets: use --fresh to start over or --append")
        return 1
    gen = Generator(now=timezone.now(), seed=args.seed, open_fraction=args.open_fraction)
    t1 = time.perf_counter()
    totals = insert_tickets(gen, count)
    t2 = time.perf_counter()
    if postgres or args.analyze:
        print(f"ANALYZE: {analyze():.1f} s")
    t3 = time.perf_counter()
    open_count = Ticket.objects.filter(state__in=list(OPEN_STATE_WEIGHTS)).count()
    print(
        f"loaded {totals['tickets']:,} tickets, {totals['clocks']:,} clocks, {totals['events']:,} events "
        f"in {t2 - t1:,.0f} s ({totals['tickets'] / (t2 - t1):,.0f} tickets/s); "
        f"{open_count:,} open; total {t3 - t0:,.0f} s"
    )
    return 0


# --- run: HTTP scenarios --------------------------------------------------------------------------

LUA_COMMON = r"""
local threads = {}
local counter = 1
function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end
function init(args)
   nonok = 0
   codes = ""
   seen = {}
   math.randomseed(os.time() * 100 + tid)
end
function response(status, headers, body)
   if status < 200 or status > 299 then
      nonok = nonok + 1
      if not seen[status] then
         seen[status] = true
         codes = codes .. status .. " "
      end
   end
end
function done(summary, latency, requests)
   local bad, all_codes = 0, ""
   for _, t in ipairs(threads) do
      bad = bad + t:get("nonok")
      all_codes = all_codes .. t:get("codes")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"codes":"%s","connect":%d,"read":%d,' ..
      '"write":%d,"timeout":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
      summary.requests, summary.duration, bad, all_codes, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean))
end
"""


LUA_LIST = """
request = function()
   return wrk.format("GET", "__PATH__")
end
"""
LUA_DETAIL = """
local ids = {__IDS__}
request = function()
   return wrk.format("GET", "/api/v1/tickets/" .. ids[math.random(#ids)])
end
"""
LUA_CREATE = """
wrk.headers["Content-Type"] = "application/json"
local terms = {__TERMS__}
local departments = {__DEPARTMENTS__}
local n = 0
request = function()
   n = n + 1
   local dept = ""
   if #departments > 0 and math.random() < 0.5 then
      dept = string.format(',"department_id":%d', departments[math.random(#departments)])
   end
   local body = string.format('{"contract_id":__CONTRACT__,"term_id":%d,"title":"压测工单 %d-%d",' ..
      '"description":"基准测试：影像调阅缓慢","caller_name":"张伟","caller_phone":"0752-2288000",' ..
      '"location":"3 号工作站"%s}', terms[math.random(#terms)], tid, n, dept)
   return wrk.format("POST", "/api/v1/tickets", wrk.headers, body)
end
"""


def lua_script(scenario: str, info: dict) -> str:
    """The wrk script of a scenario. Each defines ``request`` (wrk's own ``init`` is replaced)."""
    head = f'wrk.headers["Authorization"] = "Bearer {info["token"]}"\n'
    if scenario == "list":
        body = LUA_LIST.replace("__PATH__", info["list_path"])
    elif scenario == "detail":
        body = LUA_DETAIL.replace("__IDS__", ",".join(str(i) for i in info["detail_ids"]))
    elif scenario == "create":
        body = (
            LUA_CREATE.replace("__TERMS__", ",".join(str(i) for i in info["create_terms"]))
            .replace("__DEPARTMENTS__", ",".join(str(i) for i in info["create_departments"]))
            .replace("__CONTRACT__", str(info["create_contract"]))
        )
    else:
        raise ValueError(scenario)
    return head + body + LUA_COMMON


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TICK = os.sysconf("SC_CLK_TCK")
OURS = {"postgres", "redis-server", "wrk"}  # the database, the broker, the load generator


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), not counting steal."""
    return machine_times()[0]


def machine_times() -> tuple[float, float]:
    """CPU seconds busy (all cores, without steal) and stolen by the hypervisor so far: on a
    shared virtual machine the same run is slower when its cores are lent elsewhere."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    steal = parts[7] if len(parts) > 7 else 0
    return (sum(parts[:8]) - parts[3] - parts[4] - steal) / TICK, steal / TICK


def processes() -> dict[int, tuple[str, int, float]]:
    """pid → (command, parent pid, CPU seconds used so far)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(name)] = (comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return out


class CpuWatch:
    """How much CPU the bench's own processes (gunicorn, the database, Redis, wrk) used over an
    interval, and how much everything else on the machine did: other people's test runs share
    these two cores, and a scenario measured beside them measures nothing."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def _ours(self, procs: dict) -> set[int]:
        mine = {pid for pid, (comm, ppid, _t) in procs.items() if comm in OURS}
        if self.server_pid:
            mine |= {
                pid
                for pid, (_c, ppid, _t) in procs.items()
                if pid == self.server_pid or ppid == self.server_pid
            }
        return mine | {os.getpid()}

    def __enter__(self) -> CpuWatch:
        self.t0, (self.busy0, self.steal0), self.procs0 = time.monotonic(), machine_times(), processes()
        return self

    def __exit__(self, *exc) -> None:
        procs1, (busy1, steal1) = processes(), machine_times()
        self.wall = time.monotonic() - self.t0
        ours = 0.0
        for pid in self._ours(procs1):
            before = self.procs0.get(pid)
            ours += procs1[pid][2] - (before[2] if before and before[0] == procs1[pid][0] else 0.0)
        self.workers = sorted(
            (
                round((t - (self.procs0[pid][2] if pid in self.procs0 else 0.0)) / self.wall, 2)
                for pid, (_c, ppid, t) in procs1.items()
                if self.server_pid and ppid == self.server_pid
            ),
            reverse=True,
        )
        self.busy = (busy1 - self.busy0) / self.wall  # cores
        self.steal = (steal1 - self.steal0) / self.wall
        self.ours = ours / self.wall
        self.foreign = max(0.0, self.busy - self.ours)
        totals: Counter = Counter()
        for pid, (comm, _ppid, t) in procs1.items():
            before = self.procs0.get(pid)
            if pid not in self._ours(procs1):
                totals[comm] += t - (before[2] if before and before[0] == comm else 0.0)
        self.top_foreign = [
            (c, round(t / self.wall, 2)) for c, t in totals.most_common(3) if t > 0.05 * self.wall
        ]


def wait_quiet(limit: float, threshold: float, server_pid: int | None) -> float:
    """Wait (at most ``limit`` seconds) until nothing else uses more than ``threshold`` cores."""
    t0 = time.monotonic()
    while True:
        with CpuWatch(server_pid) as w:
            time.sleep(2)
        if w.foreign <= threshold:
            return time.monotonic() - t0
        if time.monotonic() - t0 > limit:
            print(
                f"    machine still busy ({w.foreign:.2f} cores: {w.top_foreign}); measuring anyway",
                flush=True,
            )
            return time.monotonic() - t0
        print(
            f"    waiting for a quiet machine: others use {w.foreign:.2f} cores {w.top_foreign}", flush=True
        )
        time.sleep(10)


class Server:
    def __init__(self, workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "weibao.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "--error-logfile",
            str(log),
        ]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, cwd=REPO, env=dict(os.environ), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def http(url: str, token: str, *, method: str = "GET", body: dict | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:500]


def http_info(user_name: str, sample: int) -> dict:
    """A token for the bench user and what the scenarios need: the list URL, ticket ids, bodies."""
    from weibao.accounts.models import Department, User
    from weibao.accounts.services import api_token_create
    from weibao.contracts.models import Contract
    from weibao.servicedesk.models import Ticket

    user = User.objects.get(username=user_name)
    _token, raw = api_token_create(user=user, name=f"bench {datetime.now():%Y-%m-%d %H:%M:%S}")
    hospital = next(m.organization for m in user.active_memberships() if m.organization.kind == "hospital")
    contract = Contract.objects.filter(hospital=hospital).order_by("pk").first()
    terms = [
        t.pk
        for t in contract.terms.order_by("pk")
        if any(getattr(t, k) for k in ("response", "onsite", "resolution"))
    ]
    ids = list(Ticket.objects.filter(hospital=hospital).values_list("pk", flat=True))
    rng = random.Random(7)
    return {
        "token": raw,
        "user": user_name,
        "hospital": hospital.short_code,
        "hospital_id": hospital.pk,
        "tickets_of_hospital": len(ids),
        "list_path": f"/api/v1/tickets?hospital={hospital.pk}&open=true&sort=risk&limit=25",
        "detail_ids": rng.sample(ids, min(sample, len(ids))),
        "create_contract": contract.pk,
        "create_terms": terms,
        "create_departments": list(Department.objects.filter(hospital=hospital).values_list("pk", flat=True)),
    }


def preflight(base: str, info: dict) -> dict:
    """One request of each kind, checked, before any load: a bench of errors measures nothing."""
    notes = {}
    status, page = http(base + info["list_path"], info["token"])
    assert status == 200, (status, page)
    items = page["items"]
    dues = [i["next_due_at"] for i in items]
    assert dues == sorted(dues), "list not sorted by next_due_at"
    assert all(i["hospital_id"] == info["hospital_id"] for i in items)
    notes["list_rows"] = len(items)
    notes["list_first_due"] = dues[0] if dues else None
    status, detail = http(f"{base}/api/v1/tickets/{info['detail_ids'][0]}", info["token"])
    assert status == 200 and "timeline" in detail, (status, detail)
    status, created = http(
        base + "/api/v1/tickets",
        info["token"],
        method="POST",
        body={
            "contract_id": info["create_contract"],
            "term_id": info["create_terms"][0],
            "title": "bench preflight",
        },
    )
    assert status == 201 and created["clocks"], (status, created)
    notes["create_clocks"] = len(created["clocks"])
    return notes


def run_wrk(
    scenario: str,
    info: dict,
    server: Server,
    *,
    duration: int,
    warmup: int,
    connections: int,
    quiet: tuple[float, float, int],
) -> dict:
    """Warm up, then measure; measured again (up to ``retries`` times) when other processes used
    more than the threshold of CPU during the measurement."""
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    script = tmp / f"{scenario}.lua"
    script.write_text(lua_script(scenario, info), encoding="utf-8")
    wrk_threads = min(2, connections)
    limit, threshold, retries = quiet

    def once(seconds: int) -> tuple[dict, float, CpuWatch]:
        cmd = ["wrk", "-t", str(wrk_threads), "-c", str(connections), "-d", f"{seconds}s"]
        cmd += ["--timeout", "30s", "-s", str(script), server.url]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with CpuWatch(server.proc.pid if server.proc else None) as watch:
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
        result = json.loads(line[len("BENCHJSON ") :])
        client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return result, client_cpu, watch

    attempts = []
    for attempt in range(retries + 1):
        waited = wait_quiet(limit, threshold, server.proc.pid if server.proc else None)
        if warmup:
            once(warmup)
        r, client_cpu, watch = once(duration)
        seconds = r["duration_us"] / 1e6
        errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
        result = {
            "scenario": scenario,
            "requests": r["requests"],
            "seconds": seconds,
            "rps": r["requests"] / seconds,
            "p50": r["p50"] / 1000,
            "p90": r["p90"] / 1000,
            "p95": r["p95"] / 1000,
            "p99": r["p99"] / 1000,
            "max": r["max"] / 1000,
            "errors": errors,
            "non2xx": r["non2xx"],
            "codes": r["codes"].strip(),
            "socket_errors": {k: r[k] for k in ("connect", "read", "write", "timeout")},
            "client_cpu_cores": client_cpu / seconds,
            "machine_busy_cores": watch.busy,
            "bench_cores": watch.ours,
            "foreign_cores": watch.foreign,
            "foreign_top": watch.top_foreign,
            "steal_cores": watch.steal,
            "worker_cores": watch.workers,
            "waited_s": waited,
            "attempt": attempt + 1,
        }
        attempts.append(result)
        if watch.foreign <= threshold:
            break
        print(
            f"    {scenario}: others used {watch.foreign:.2f} cores during the measurement "
            f"{watch.top_foreign}; {'again' if attempt < retries else 'keeping the least disturbed'}",
            flush=True,
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return min(attempts, key=lambda a: a["foreign_cores"])


# --- run: the breach scan ------------------------------------------------------------------------


class QueryLog:
    """Every statement with its time (execute only: rows fetched later are not counted)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - t0))

    @contextlib.contextmanager
    def capture(self):
        from django.db import connection

        with connection.execute_wrapper(self):
            yield self


def scan_candidates(now: datetime, limit: int | None = None) -> list[int]:
    """Open tickets with a clock past its due that has not been met (running or already marked)."""
    from weibao.servicedesk.models import TicketClock

    qs = (
        TicketClock.objects.filter(
            ticket__state__in=list(OPEN_STATE_WEIGHTS),
            met_at__isnull=True,
            due_at__lt=now - timedelta(minutes=1),
            status__in=["running", "breached"],
        )
        .values_list("ticket_id", flat=True)
        .distinct()
        .order_by("ticket_id")
    )
    return list(qs[:limit] if limit else qs)


def scan_prepare(target: int, seed: int) -> dict:
    """Put ``target`` open tickets in the state the scan exists for: clocks running past their due,
    not yet marked nor notified (as after the job worker was down). Tops up with overdue open
    tickets when the data set has fewer; repeatable (it undoes what an earlier scan marked)."""
    from django.db import transaction
    from django.utils import timezone

    from weibao.servicedesk.models import Ticket, TicketClock

    now = timezone.now()
    ids = scan_candidates(now, target)
    added = 0
    first_added = None
    if len(ids) < target:
        gen = Generator(now=now, seed=seed + 1, open_fraction=1.0)
        first_added = gen.next_ids[gen.ticket_model]
        added = target - len(ids)
        print(
            f"  scan: {len(ids):,} open tickets are overdue; adding {added:,} overdue open tickets",
            flush=True,
        )
        insert_tickets(gen, added, overdue=True, label="overdue tickets")
        analyze(vacuum=False)
        ids = scan_candidates(now, target)
    t0 = time.perf_counter()
    clocks = 0
    with transaction.atomic():
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            clocks += TicketClock.objects.filter(
                ticket_id__in=chunk,
                met_at__isnull=True,
                due_at__lt=now - timedelta(minutes=1),
                status__in=["running", "breached"],
            ).update(status="running", breached_at=None, breach_notified_at=None, warned_at=None)
            Ticket.objects.filter(pk__in=chunk).update(sla_breached=False)
    return {
        "tickets": len(ids),
        "clocks": clocks,
        "added": added,
        "first_added_id": first_added,
        "prepare_s": time.perf_counter() - t0,
    }


def scan_cleanup(first_id: int | None) -> None:
    """Delete the overdue tickets the preparation added, so the next run sees the loaded data set."""
    from django.db import connection, transaction

    from weibao.servicedesk.models import Ticket, TicketClock, TicketEvent

    if first_id is None:
        return
    watchers = Ticket.watchers.through._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        for table in (TicketEvent._meta.db_table, TicketClock._meta.db_table, watchers):
            cur.execute(f'DELETE FROM "{table}" WHERE ticket_id >= %s', [first_id])
        cur.execute(f'DELETE FROM "{Ticket._meta.db_table}" WHERE id >= %s', [first_id])


def run_scan(
    target: int, seed: int, drain_batches: int, quiet: tuple[float, float, int], keep: bool = False
) -> dict:

    prep = scan_prepare(target, seed)
    try:
        return _run_scan(prep, target, seed, drain_batches, quiet)
    finally:
        if not keep:
            scan_cleanup(prep["first_added_id"])


def _run_scan(
    prep: dict, target: int, seed: int, drain_batches: int, quiet: tuple[float, float, int]
) -> dict:
    from weibao.servicedesk import escalation

    print(f"  scan: {prep['tickets']:,} tickets with {prep['clocks']:,} overdue running clocks", flush=True)
    forget_queued = getattr(escalation, "_QUEUED_KEY", None)
    if forget_queued:  # a fresh start: no earlier scan's batches are waiting
        from django.core.cache import cache

        cache.delete(forget_queued)
    wait_quiet(quiet[0], quiet[1], None)
    with CpuWatch(None) as watch:
        t0 = time.perf_counter()
        totals = escalation.scan()
        full = time.perf_counter() - t0
    print(f"  scan(): {full:.2f} s {totals} (others used {watch.foreign:.2f} cores)", flush=True)

    # The same again with every statement timed, to see where the time goes.
    scan_prepare(target, seed)
    if forget_queued:
        cache.delete(forget_queued)
    with QueryLog().capture() as log:
        t0 = time.perf_counter()
        totals2 = escalation.scan()
        full2 = time.perf_counter() - t0
    queries = log.queries
    mark = next(
        (t for s, t in queries if s.startswith("UPDATE") and "ticketclock" in s.split("SET")[0]), None
    )
    flag = next(
        (t for s, t in queries if s.startswith("UPDATE") and '"servicedesk_ticket"' in s.split("SET")[0]),
        None,
    )
    pick = next(
        (t for s, t in queries if s.startswith("SELECT") and "ticketclock" in s.split("WHERE")[0]), None
    )
    rest = max(0.0, full2 - sum(t for t in (mark, flag, pick) if t))
    breakdown = {
        "total_s": full2,
        "queries": len(queries),
        "mark_update_s": mark,
        "flag_tickets_update_s": flag,
        "select_due_tickets_s": pick,
        # notices sent in the call (older scan) or batches handed to the job queue (newer scan)
        "rest_s": rest,
        "rest_queries": max(0, len(queries) - 3),
        "totals": totals2,
    }
    worker = None
    if hasattr(escalation, "check_many"):
        # The scan hands the notices to the workers: time one batch as a worker runs it.
        ids = scan_due_ids(200)
        with QueryLog().capture() as log:
            t0 = time.perf_counter()
            sent = escalation.check_many(ids)
            seconds = time.perf_counter() - t0
        worker = {
            "tickets": len(ids),
            "seconds": seconds,
            "queries": len(log.queries),
            "sent": sent,
            "per_ticket_ms": seconds / max(1, len(ids)) * 1000,
        }
        print(f"  one worker batch (check_many, {len(ids)} tickets): {seconds:.2f} s {sent}", flush=True)
    again = []
    for _ in range(drain_batches):
        t0 = time.perf_counter()
        escalation.scan()
        again.append(time.perf_counter() - t0)
    return {
        "prepare": prep,
        "seconds": full,
        "totals": totals,
        "foreign_cores": watch.foreign,
        "breakdown": breakdown,
        "worker_batch": worker,
        "drain_s": again,
    }


def scan_due_ids(limit: int) -> list[int]:
    """Tickets with a clock past its due whose notice has not gone out (what the scan queues)."""
    from django.db.models import Q
    from django.utils import timezone

    from weibao.servicedesk.models import TicketClock

    return list(
        TicketClock.objects.filter(
            Q(status="breached", breach_notified_at__isnull=True)
            | Q(status="running", due_at__lt=timezone.now())
        )
        .order_by("ticket_id")
        .values_list("ticket_id", flat=True)
        .distinct()[:limit]
    )


# --- run: the command ----------------------------------------------------------------------------


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


def table(results: list[dict], scan: dict | None, ds: dict, threads: int) -> str:
    lines = [
        f"{ds['server']}, {ds['tickets']:,} tickets ({ds['open']:,} open), {ds['clocks']:,} clocks, "
        f"{ds['events']:,} events; gunicorn --workers 2 --threads {threads}"
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
        print(table(run["results"], scan if run is runs[-1] else None, ds, run["threads"]))
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


# --- profile ------------------------------------------------------------------------------------


def normalise_sql(statement: str) -> str:
    statement = re.sub(r"'[^']*'", "?", statement)
    statement = re.sub(r"\b\d+(\.\d+)?\b", "?", statement)
    statement = re.sub(r"(\?, )+\?", "?…", statement)
    return statement[:220]


def cmd_profile(args) -> int:
    configure()
    django_setup()
    from django.test import Client

    info = http_info(args.user, 2000)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {info['token']}")
    rng = random.Random(3)
    n = 0

    def one() -> int:
        nonlocal n
        n += 1
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
    p.set_defaults(fn=cmd_load)
    p = sub.add_parser("run", help="gunicorn + wrk scenarios, then the breach scan")
    p.add_argument("--scenarios", nargs="+", default=["list", "detail", "create", "scan"])
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
    p.add_argument("--scenario", choices=["list", "detail", "create"], required=True)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--user", default="demo-hospital")
    p.set_defaults(fn=cmd_profile)
    args = parser.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
