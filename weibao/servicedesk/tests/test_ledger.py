"""The 维护记录台账: export → import of 1,000 tickets gives identical tickets and clocks; rows from
a hospital's own Excel are imported with their original times; bad rows are reported by line."""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from weibao.servicedesk.ledger import COLUMNS, HEADERS, SHEET, export_xlsx, import_xlsx
from weibao.servicedesk.models import Ticket, TicketClock

from .conftest import at

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%d %H:%M:%S"


def _history(n: int, seed: int = 7) -> bytes:
    """A hospital's history: n tickets with varied paths through the workflow."""
    rng = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADERS)
    index = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
    start = at("2026-01-05 07:00")
    for i in range(n):
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        row = [""] * len(COLUMNS)
        row[index["term_number"]] = rng.choice([1, 2, 3, 4, 5, 10])
        row[index["severity"]] = rng.choice(["", "", "致命错误（Fatal）", "严重错误（Serious）"])
        row[index["title"]] = f"历史工单 {i}"
        row[index["channel"]] = rng.choice(["电话", "微信", "扫码报修"])
        row[index["created_at"]] = created.strftime(FMT)
        t = created
        steps = []
        path = rng.choice(["full", "pause", "onsite", "cancel", "open", "reopen"])
        t += timedelta(minutes=rng.randrange(1, 150))
        steps.append(f"respond@{t.strftime(FMT)}")
        if path == "cancel":
            steps.append(f"cancel@{(t + timedelta(minutes=5)).strftime(FMT)}|重复报修")
        elif path != "open":
            if path == "pause":
                t += timedelta(minutes=rng.randrange(1, 60))
                steps.append(f"wait_hospital@{t.strftime(FMT)}|等待医院提供账号")
                t += timedelta(minutes=rng.randrange(1, 600))
                steps.append(f"resume@{t.strftime(FMT)}")
            if path == "onsite":
                t += timedelta(minutes=rng.randrange(1, 60))
                steps.append(f"require_onsite@{t.strftime(FMT)}")
                t += timedelta(minutes=rng.randrange(30, 300))
                steps.append(f"arrive@{t.strftime(FMT)}")
            t += timedelta(minutes=rng.randrange(5, 900))
            steps.append(f"resolve@{t.strftime(FMT)}")
            row[index["solution"]], row[index["root_cause"]] = "已处理", "配置"
            if path == "reopen":
                t += timedelta(minutes=30)
                steps.append(f"reopen@{t.strftime(FMT)}|仍然报错")
                t += timedelta(minutes=rng.randrange(5, 300))
                steps.append(f"resolve@{t.strftime(FMT)}")
            t += timedelta(hours=rng.randrange(1, 48))
            steps.append(f"confirm@{t.strftime(FMT)}")
            row[index["rating"]] = rng.randrange(1, 6)
        row[index["process"]] = "; ".join(steps)
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _snapshot(contract, now, key=lambda t: t.number) -> dict[str, tuple]:
    """Every ticket and its clocks, evaluated at the same instant (open clocks keep counting)."""
    from weibao.servicedesk.sla import recompute

    recompute(Ticket.objects.filter(contract=contract), now=now)
    out = {}
    for t in Ticket.objects.filter(contract=contract).prefetch_related("clocks"):
        clocks = tuple(
            sorted(
                (c.kind, c.status, c.due_at, c.met_at, c.breached_at, c.elapsed, c.provisional)
                for c in t.clocks.all()
            )
        )
        out[key(t)] = (
            t.term_id,
            t.severity_id,
            t.title,
            t.state,
            t.channel,
            t.created_at,
            t.responded_at,
            t.resolved_at,
            t.closed_at,
            t.rating,
            t.solution,
            t.root_cause,
            t.sla_breached,
            clocks,
            tuple(t.events.filter(kind="transition").values_list("action", "at", "to_state")),
        )
    return out


def test_export_import_round_trip_of_1000_tickets(seed, people):
    contract = seed("drg-wuhan")
    result = import_xlsx(_history(1000), contract=contract)
    assert result.errors == [] and len(result.created) == 1000
    from django.utils import timezone

    now = timezone.now()
    before = _snapshot(contract, now)
    states = {row[3] for row in before.values()}
    assert {"closed", "cancelled", "responded"} <= states
    assert any(row[12] for row in before.values()) and not all(row[12] for row in before.values())
    exported = export_xlsx(Ticket.objects.filter(contract=contract).order_by("created_at"))
    sheet = load_workbook(io.BytesIO(exported), read_only=True)[SHEET]
    header = next(sheet.iter_rows(values_only=True))
    assert list(header) == HEADERS and "工单号" in header and "响应结果" in header
    Ticket.objects.filter(contract=contract).delete()
    again = import_xlsx(exported, contract=contract)
    assert again.errors == [] and len(again.created) == 1000
    # Imported again, each ticket has a number of the sequence and the one it had as original.
    after = _snapshot(contract, now, key=lambda t: t.original_number)
    assert set(after) == set(before)
    for number, row in before.items():
        assert after[number] == row, number


def test_cli_import_keeps_original_times_and_reports_bad_rows(seed, tmp_path):
    contract = seed("drg-wuhan")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(["服务项目序号", "标题", "报告时间", "响应时间", "解决时间", "关闭时间", "评价", "解决方案"])
    ws.append(
        [
            10,
            "PACS 调阅缓慢",
            "2026-03-02 09:00:00",
            "2026-03-02 09:40:00",
            "2026-03-02 15:00:00",
            "2026-03-03 09:00:00",
            5,
            "清理缓存",
        ]
    )
    ws.append([99, "没有这个服务项目", "2026-03-02 09:00:00", "", "", "", "", ""])
    ws.append([10, "时间错误", "昨天上午", "", "", "", "", ""])
    path = tmp_path / "history.xlsx"
    wb.save(path)
    out, err = StringIO(), StringIO()
    call_command("tickets", "import", str(path), "--contract", contract.code, stdout=out, stderr=err)
    assert "imported 1 tickets" in out.getvalue()
    assert "第 3 行" in err.getvalue() and "第 4 行" in err.getvalue()
    ticket = Ticket.objects.get(contract=contract)
    assert ticket.created_at == at("2026-03-02 09:00") and ticket.responded_at == at("2026-03-02 09:40")
    assert ticket.state == "closed" and ticket.rating == 5 and ticket.imported
    response = TicketClock.objects.get(ticket=ticket, kind="response")
    assert response.status == "met" and response.due_at == at("2026-03-02 10:00")


def test_an_imported_ledger_records_the_same_events_as_the_service(seed):
    """The service's tickets, exported and imported again: each move replayed from 处理过程 records
    what the service recorded (the implied response included). A move's text travels in the
    ledger only as a reason; a solution and a rating are columns of the row, not of the move."""
    from weibao.servicedesk import services
    from weibao.servicedesk.ledger import export_queryset

    contract = seed("drg-wuhan")
    term = contract.terms.get(number=1)

    def walk(created: str, moves: list[tuple[str, str, dict]]) -> Ticket:
        ticket = services.ticket_create(
            actor=None, contract=contract, term=term, title="往返", created_at=at(created)
        )
        for action, when, written in moves:
            services.ticket_transition(actor=None, ticket=ticket, action=action, at=at(when), **written)
        return ticket

    made = [
        walk(
            "2026-03-02 09:00",
            [
                ("start", "2026-03-02 09:10", {}),
                ("hold", "2026-03-02 09:30", {"reason": "等待厂商补丁"}),
                ("resume", "2026-03-02 10:00", {}),
                ("require_onsite", "2026-03-02 10:05", {}),
                ("arrive", "2026-03-02 11:00", {}),
                ("wait_hospital", "2026-03-02 11:30", {"reason": "等待医院提供账号"}),
                ("resume", "2026-03-02 13:00", {}),
                ("resolve", "2026-03-02 14:00", {"solution": "更换网卡", "root_cause": "硬件"}),
                ("reopen", "2026-03-02 15:00", {"reason": "仍然报错"}),
                ("resolve", "2026-03-02 16:00", {"solution": "更换交换机端口", "root_cause": "网络"}),
                ("confirm", "2026-03-03 09:00", {"rating": 4, "comment": "及时"}),
            ],
        ),
        walk(
            "2026-03-04 08:00",
            [("resolve", "2026-03-04 08:20", {"solution": "远程重启", "root_cause": "配置"})],
        ),
        walk("2026-03-05 08:00", [("cancel", "2026-03-05 08:01", {"reason": "重复报修"})]),
        walk(
            "2026-03-06 08:00",
            [("respond", "2026-03-06 08:05", {}), ("cancel", "2026-03-06 09:00", {"reason": "误报"})],
        ),
    ]
    exported = export_xlsx(export_queryset(Ticket.objects.filter(pk__in=[t.pk for t in made]).order_by("pk")))
    result = import_xlsx(exported, contract=contract)
    assert result.errors == [] and len(result.created) == len(made)

    def events(ticket: Ticket) -> list[tuple]:
        return [
            (
                e.kind,
                e.action,
                e.from_state,
                e.to_state,
                e.clock_event,
                e.at,
                # What the ledger carries of the move's text: its reason.
                e.body if e.action not in ("resolve", "confirm") else "",
            )
            for e in ticket.events.exclude(kind="created").order_by("at", "id")
        ]

    for original in made:
        original.refresh_from_db()
        imported = Ticket.objects.get(original_number=original.number)
        assert events(imported) == events(original), original.number
        # Started and resolved straight from 新建: their response is implied, and recorded so.
        assert any(kind == "sla" for kind, *_ in events(original)) == (original in made[:2])
        fields = ("state", "responded_at", "resolved_at", "closed_at", "solution", "root_cause", "rating")
        assert [getattr(imported, f) for f in fields] == [getattr(original, f) for f in fields]


def test_the_ledger_writes_the_process_in_words_and_people_by_name(seed, people):
    """处理过程 reads as words and 报告人/处理人 as names; the codes an import replays are kept
    in their own column at the end (ledgers written before it, with the codes under 处理过程,
    still import: see the round trip above)."""
    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    people["engineer"].display_name = "李工"
    people["engineer"].save(update_fields=["display_name"])
    term = contract.terms.order_by("number").first()
    ticket = services.ticket_create(actor=people["doctor"], contract=contract, term=term, title="影像调阅慢")
    services.ticket_update(actor=people["manager"], ticket=ticket, assignee=people["engineer"])
    services.ticket_transition(actor=people["engineer"], ticket=ticket, action="respond")
    services.ticket_transition(
        actor=people["engineer"], ticket=ticket, action="wait_hospital", reason="等待医院提供账号"
    )
    sheet = load_workbook(io.BytesIO(export_xlsx(Ticket.objects.filter(pk=ticket.pk))), read_only=True)[SHEET]
    header, row = list(sheet.iter_rows(values_only=True))
    cell = dict(zip(header, row, strict=True))
    assert re.fullmatch(r"\S+ \S+ 响应；\S+ \S+ 等待医院（等待医院提供账号）", cell["处理过程"]), cell[
        "处理过程"
    ]
    assert re.fullmatch(r"respond@\S+ \S+; wait_hospital@\S+ \S+\|等待医院提供账号", cell["处理过程（机读）"])
    assert cell["处理人"] == "李工" and cell["报告人"] == str(people["doctor"])
