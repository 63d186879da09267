"""The generated data set: hospitals' sites and tickets walked through their workflow."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
        from .home import VENDOR, engineers_of_bench_vendor

        users = {u.username: u.pk for u in User.objects.filter(username__startswith="demo-")}
        bench_engineers = engineers_of_bench_vendor()
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
                    engineers=[users["demo-engineer"], users["demo-manager"]]
                    if pacs
                    else bench_engineers
                    if contract.vendor.short_code == VENDOR
                    else [],
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
        # each move as the service records it (all moves are in the past: the system's to replay)
        from weibao.servicedesk.workflow import NO, SYSTEM, VENDOR, Fields, Position, apply_transition, rule

        current = "new"
        settled: dict[str, Any] = {}  # the ticket's fields the moves set
        for action, _o in steps:
            given = Fields()
            if action == "resolve":
                given = Fields(solution=rng.choice(SOLUTIONS), root_cause=rng.choice(ROOT_CAUSES))
            elif action == "confirm":
                given = Fields(rating=rng.choices([5, 4, 3, 2, 1], [60, 25, 10, 3, 2])[0])
            elif action in ("hold", "wait_hospital", "cancel", "reopen"):
                given = Fields(
                    reason=rng.choice(["等待厂商补丁", "等待科室确认", "用户已自行解决", "问题复现"])
                )
            changes = apply_transition(Position(current, created), action, at[action], SYSTEM, given)
            # The vendor's moves are the engineer's, the hospital's the reporter's, auto-close nobody's.
            vendors = rule(action, VENDOR) != NO
            actor = (engineer if vendors else reporter) if action != "auto_close" else None
            events.extend({"ticket_id": tid, "actor_id": actor, **e.columns()} for e in changes.events)
            settled.update(changes.fields)
            current = changes.state
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
                "responded_at": settled.get("responded_at"),
                "resolved_at": settled.get("resolved_at"),
                "closed_at": settled.get("closed_at"),
                "solution": settled.get("solution", ""),
                "root_cause": settled.get("root_cause", ""),
                "rating": settled.get("rating"),
                "rating_comment": settled.get("rating_comment", ""),
                "cancel_reason": settled.get("cancel_reason", ""),
                "next_due_at": min(pending) if is_open and pending else None,
                "sla_breached": any(c["status"] == "breached" for c in clocks),
            }
        )
