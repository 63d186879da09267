"""What the ledger import refuses, how it numbers imported tickets, and that the export never
writes a formula."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from weibao.servicedesk import services
from weibao.servicedesk.ledger import SHEET, export_xlsx, import_xlsx
from weibao.servicedesk.models import Ticket, TicketSequence

pytestmark = pytest.mark.django_db

HEADER = ["工单号", "服务项目序号", "标题", "报告时间", "来电人", "来电电话", "评价", "处理过程"]


def _book(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADER)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _row(number="", title="工单", caller="张三", phone="1300000", rating="", process=""):
    return [number, 10, title, "2026-03-02 09:00:00", caller, phone, rating, process]


def test_bad_rows_are_refused_each_with_its_line_number(seed):
    contract = seed("drg-wuhan")
    result = import_xlsx(
        _book(
            _row(
                title="好的",
                rating=5,
                process="respond@2026-03-02 09:10:00; resolve@2026-03-02 10:00:00; confirm@2026-03-02 11:00:00",
            ),
            _row(rating=99),
            _row(rating="五"),
            _row(rating=2.5),
            _row(caller="张" * 65),
            _row(phone="1" * 33),
            _row(title="标" * 201),
            _row(number="N" * 65),
            _row(process="confirm@2026-03-02 10:00:00"),  # an illegal move
        ),
        contract=contract,
    )
    assert len(result.created) == 1
    assert [e.split("：")[0] for e in result.errors] == [f"第 {n} 行" for n in range(3, 11)]
    assert "评价须为 1–5 的整数" in result.errors[0] and "来电人" in result.errors[3]
    assert "来电电话" in result.errors[4] and "标题" in result.errors[5] and "工单号" in result.errors[6]
    assert Ticket.objects.get().rating == 5


def test_the_original_number_is_kept_apart_and_the_ticket_numbered_by_the_sequence(seed):
    contract = seed("drg-wuhan")
    code = contract.hospital.short_code
    result = import_xlsx(_book(_row(number="OLD-17"), _row(number=f"{code}-2026-00002")), contract=contract)
    assert result.errors == []
    tickets = list(Ticket.objects.order_by("id"))
    assert [t.original_number for t in tickets] == ["OLD-17", f"{code}-2026-00002"]
    assert [t.number for t in tickets] == [f"{code}-2026-00001", f"{code}-2026-00002"]
    assert result.created == [t.number for t in tickets]


def test_a_number_already_taken_is_skipped_not_a_500(seed):
    contract = seed("drg-wuhan")
    term = contract.terms.get(number=1)
    code = contract.hospital.short_code
    first = services.ticket_create(actor=None, contract=contract, term=term, title="一")
    # Numbers taken behind the sequence's back (an install whose import kept them before).
    Ticket.objects.filter(pk=first.pk).update(number=f"{code}-2026-00003")
    clone = services.ticket_create(actor=None, contract=contract, term=term, title="二")
    Ticket.objects.filter(pk=clone.pk).update(number=f"{code}-2026-00004")
    TicketSequence.objects.update(last=1)
    made = [
        services.ticket_create(actor=None, contract=contract, term=term, title=f"新{i}").number
        for i in range(3)
    ]
    assert made == [f"{code}-2026-00002", f"{code}-2026-00005", f"{code}-2026-00006"]


def test_text_that_could_be_a_formula_is_exported_as_text_and_imported_back_as_it_was(seed):
    contract = seed("drg-wuhan")
    term = contract.terms.get(number=10)
    titles = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "'=already", "普通标题", "'plain"]
    for title in titles:
        services.ticket_create(
            actor=None,
            contract=contract,
            term=term,
            title=title,
            caller_name="=cmd|' /C calc'!A0",
            description="\t=1+1",
        )
    data = export_xlsx(Ticket.objects.order_by("id"))
    ws = load_workbook(io.BytesIO(data))[SHEET]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("标题")] for row in ws.iter_rows(min_row=2)]
    callers = [row[header.index("来电人")] for row in ws.iter_rows(min_row=2)]
    descriptions = [row[header.index("描述")] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells + callers + descriptions)
    assert {c.value for c in callers} == {"'=cmd|' /C calc'!A0"}
    assert {c.value for c in descriptions} == {"'\t=1+1"}
    assert [c.value for c in cells] == [
        '\'=HYPERLINK("http://x","y")',
        "'+1",
        "'-1+2",
        "'@SUM(A1)",
        "''=already",
        "普通标题",
        "'plain",
    ]
    Ticket.objects.all().delete()
    assert import_xlsx(data, contract=contract).errors == []
    assert sorted(Ticket.objects.values_list("title", flat=True)) == sorted(titles)
    assert set(Ticket.objects.values_list("caller_name", "description")) == {("=cmd|' /C calc'!A0", "\t=1+1")}


def test_times_still_to_come_are_refused(seed):
    contract = seed("drg-wuhan")
    later = ["", 10, "明年的工单", "2062-03-02 09:00:00", "张三", "1300000", "", ""]
    result = import_xlsx(
        _book(later, _row(process="respond@2026-03-02 09:10:00; resolve@2099-01-01 10:00:00")),
        contract=contract,
    )
    assert result.created == []
    assert result.errors == [
        "第 2 行“报告时间”晚于现在：2062-03-02 09:00:00",
        "第 3 行“处理过程”晚于现在：2099-01-01 10:00:00",
    ]
    assert not Ticket.objects.exists()
