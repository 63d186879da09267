"""Money on the home pages: the figures are the assessments app's, the tables download as CSV
and XLSX with the same rows, the year chart carries the months' values, and nobody sees another
hospital's contract."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from weibao.accounts.choices import Role
from weibao.assessments import marking, services
from weibao.assessments.computing import assessment_preview
from weibao.assessments.paying import milestone_record
from weibao.assessments.tests.conftest import Desk, at
from weibao.assessments.tests.test_scenarios import seed_003_quarter, sign_with
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.reports import views_money
from weibao.reports.money import COLUMNS, contract_money, money_contracts, year_figures
from weibao.reports.money_chart import nice_top, year_chart
from weibao.testing.factories import member

pytestmark = pytest.mark.django_db

Q3_NOW = at("2026-09-20", "12:00")
HEADER = [h for h, _f in COLUMNS]


@pytest.fixture
def make_contract(hospital, vendor):
    admin = member(hospital, Role.HOSPITAL_ADMIN)

    def make(code: str, *, start: date = date(2026, 1, 1), amount: Decimal | None = None):
        contract = contract_create_from_template(
            actor=admin,
            template=get_template(code),
            hospital=hospital,
            vendor=vendor,
            start=start,
            amount=amount,
        )
        return contract, Desk(contract, admin), admin

    return make


def test_running_figures_are_what_the_assessments_compute(make_contract):
    contract, admin, late, *_rest = seed_003_quarter(make_contract)
    row = contract_money(contract, today=Q3_NOW.date(), now=Q3_NOW)
    preview = assessment_preview(contract=contract, period="2026Q3", now=Q3_NOW)
    assert (row.period, row.period_range) == ("2026Q3", "2026-07-01 至 2026-09-30")
    assert row.deductions == Decimal(preview["deduction_total"]) == Decimal("2200.00")
    assert row.deduction_lines == len(preview["deductions"]) == 3
    assert row.tickets == preview["facts"]["tickets"] == 22
    assert row.response_breached == preview["facts"]["response_breached"]
    assert (row.late, row.vendor_faults, row.adverse_events) == (2, 1, 0)
    assert (row.grade, row.assessment_state) == ("", "未开始")
    # An assessor waives one late line: the running total leaves it out, as the assessment does.
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3", now=Q3_NOW)
    line = a.deduction_lines.get(key=f"late-response:ticket:{late[0].pk}")
    marking.deduction_waive(actor=admin, line=line, waive=True, reason="医院网络中断")
    a.refresh_from_db()
    row = contract_money(contract, today=Q3_NOW.date(), now=Q3_NOW)
    assert row.deductions == Decimal(a.deduction_total) == Decimal("1760.00")
    # Sampled and signed: the grade and the frozen figures are the assessment's.
    a = sign_with(a, admin, passes=19)
    row = contract_money(contract, today=Q3_NOW.date(), now=Q3_NOW)
    assert (row.grade, row.assessment_state) == ("良好", "已签署")
    assert row.deductions == Decimal(a.deduction_total) == Decimal("1760.00")


def test_deliverables_and_next_payment(make_contract):
    contract, _admin, *_rest = seed_003_quarter(make_contract)
    row = contract_money(contract, today=date(2026, 10, 15), now=at("2026-10-15"))
    # Six documents a quarter (巡检报告, 评价报告 and the 如有 ones), none produced for Q1–Q3.
    assert row.overdue == 18 and "2026Q3 巡检报告" in row.overdue_names
    assert "2026Q1 系统应用效果评价报告" in row.overdue_names
    assert (row.next_due, row.next_due_on) == ("2026Q4 巡检报告", date(2026, 12, 31))
    assert row.payment and row.payment_status == "waiting"
    assert row.blocked_by and row.gate.startswith("未满足：")


def test_the_tables_list_only_the_users_contracts(running):
    admin, manager = running["admin"], running["manager"]
    assert [c.code for c in money_contracts(admin)] == ["WH-DRG-LIVE"]
    assert sorted(c.code for c in money_contracts(manager)) == ["B-SAME-VENDOR", "WH-DRG-LIVE"]
    assert sorted(c.code for c in money_contracts(running["admin_b"])) == ["B-OTHER-VENDOR", "B-SAME-VENDOR"]


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_downloads_read_back_with_the_rows_of_the_page(client_for, running):
    contract = running["contract"]
    client = client_for(running["admin"])
    row = contract_money(contract)
    assert row.deductions == Decimal("1760.00")  # 1 % of 44,000 + 3 % of the subsystem (1,320)
    response = client.get("/money/?format=xlsx")
    assert (
        response.status_code == 200
        and "%E5%90%88%E5%90%8C%E6%AC%BE%E9%A1%B9" in response["Content-Disposition"]
    )
    rows = list(
        load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True)
    )
    assert list(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == ["WH-DRG-LIVE"]
    data = dict(zip(HEADER, rows[1], strict=True))
    assert data["扣款（元）"] == "1760.00" or Decimal(str(data["扣款（元）"])) == Decimal("1760.00")
    assert data["工单数"] == 2 and data["超过扣款阈值"] == 1 and data["乙方原因故障"] == 1
    response = client.get("/money/?format=csv")
    rows = _csv(response.content)
    assert rows[0] == HEADER and [r[0] for r in rows[1:]] == ["WH-DRG-LIVE"]
    assert dict(zip(HEADER, rows[1], strict=True))["扣款（元）"] == "1760.00"
    # The vendor's manager: both hospitals' contracts of the vendor, never the other vendor's.
    rows = _csv(client_for(running["manager"]).get("/money/?format=csv").content)
    assert sorted(r[0] for r in rows[1:]) == ["B-SAME-VENDOR", "WH-DRG-LIVE"]
    assert client.get("/money/?format=pdf").status_code == 400


def test_home_panel_and_pages(client_for, running, department_user):
    client = client_for(running["admin"])
    home = client.get("/").content.decode()
    assert 'id="money-panel"' in home and "WH-DRG-LIVE" in home and "B-SAME-VENDOR" not in home
    assert "1760.00" in home
    page = client.get("/money/").content.decode()
    assert "WH-DRG-LIVE" in page and "B-OTHER-VENDOR" not in page and "B-SAME-VENDOR" not in page
    vendor_home = client_for(running["manager"]).get("/").content.decode()
    assert 'id="money-panel"' in vendor_home and "B-SAME-VENDOR" in vendor_home
    assert "B-OTHER-VENDOR" not in vendor_home
    # Nobody else gets the panel; a department user gets no money page.
    assert 'id="money-panel"' not in client_for(department_user).get("/").content.decode()
    assert client_for(department_user).get("/money/").status_code == 403
    assert client_for(department_user).get("/money/year/").status_code == 403
    assert client.get("/money/year/?year=abc").status_code == 400
    assert client.get("/money/year/?year=1900").status_code == 400


def test_the_panel_shows_the_first_contracts_and_links_the_rest(client_for, hospital, vendor, monkeypatch):
    manager = member(vendor, Role.VENDOR_MANAGER)
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    start = timezone.localdate() - timedelta(days=5)
    for n in range(7):
        contract_create_from_template(
            actor=admin,
            template=get_template("pacs-huizhou"),
            hospital=hospital,
            vendor=vendor,
            start=start,
            code=f"HZ-{n:02d}",
            amount=Decimal("100000"),
        )
    home = client_for(manager).get("/").content.decode()
    assert "共 7 个合同，显示前 5 个。" in home
    assert [f"HZ-{n:02d}" in home for n in range(7)] == [True] * 5 + [False] * 2
    client = client_for(manager)
    first = client.get("/money/").content.decode()
    assert all(f"HZ-{n:02d}" in first for n in range(7)) and 'id="next-page"' not in first
    # Four to a page: the next page holds the rest, none twice.
    monkeypatch.setattr(views_money, "PAGE_ROWS", 4)
    first = client.get("/money/").content.decode()
    assert [f"HZ-{n:02d}" in first for n in range(7)] == [True] * 4 + [False] * 3
    next_url = html.unescape(re.search(r'<a href="([^"]+)" id="next-page"', first).group(1))
    second = client.get("/money/" + next_url).content.decode()
    assert [f"HZ-{n:02d}" in second for n in range(7)] == [False] * 4 + [True] * 3
    assert 'id="next-page"' not in second


def test_year_view_chart_and_table(client_for, make_contract):
    contract, admin, *_rest = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3", now=Q3_NOW)
    sign_with(a, admin, passes=19)  # 2,200.00 yuan, booked in September
    milestone = contract.payment_milestones.order_by("order").first()
    milestone_record(
        actor=admin, milestone=milestone, paid_on=date(2026, 7, 20), paid_amount=Decimal("13200.00")
    )
    figures = year_figures(admin, 2026)
    assert figures.by == "vendor" and [p.name for p in figures.parties] == [contract.vendor.name]
    assert figures.deductions[8] == Decimal("2200.00") and sum(figures.deductions) == Decimal("2200.00")
    assert figures.payments[6] == Decimal("13200.00") and sum(figures.payments) == Decimal("13200.00")
    client = client_for(admin)
    page = client.get("/money/year/?year=2026").content.decode()
    assert "9月 扣款 2200.00 元" in page and "7月 付款 13200.00 元" in page
    assert "8月 扣款 0.00 元" in page
    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    assert 'data-month="9" data-value="2200.00"' in svg and 'data-month="7" data-value="13200.00"' in svg
    rows = _csv(client.get("/money/year/?year=2026&format=csv").content)
    assert rows[0] == ["服务商", "项目", *[f"{m}月" for m in range(1, 13)], "合计"]
    deductions = next(r for r in rows if r[0] == contract.vendor.name and r[1] == "扣款（元）")
    assert deductions[2 + 8] == "2200.00" and deductions[-1] == "2200.00"
    book = load_workbook(io.BytesIO(client.get("/money/year/?year=2026&format=xlsx").content), read_only=True)
    xrows = [list(r) for r in book.active.iter_rows(values_only=True)]
    payments = next(r for r in xrows if r[0] == contract.vendor.name and r[1] == "付款（元）")
    assert Decimal(str(payments[2 + 6])) == Decimal("13200.00")
    mine = client.get(f"/money/year/?year=2026&party={contract.vendor_id}").content.decode()
    assert "9月 扣款 2200.00 元" in mine and "selected>" + contract.vendor.name in mine
    # Another year is empty; the vendor's manager sees the same money by hospital.
    assert sum(year_figures(admin, 2025).payments) == 0
    manager = member(contract.vendor, Role.VENDOR_MANAGER)
    theirs = year_figures(manager, 2026)
    assert theirs.by == "hospital" and [p.name for p in theirs.parties] == [contract.hospital.name]
    assert theirs.deductions == figures.deductions and theirs.payments == figures.payments


def test_the_year_never_counts_another_hospitals_money(client_for, make_contract, other_hospital):
    contract, admin, *_rest = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3", now=Q3_NOW)
    sign_with(a, admin, passes=19)
    outsider = member(other_hospital, Role.HOSPITAL_ADMIN)
    assert year_figures(outsider, 2026).parties == []
    # Naming the vendor of a contract one does not see shows one's own (empty) year, not theirs.
    page = client_for(outsider).get(f"/money/year/?year=2026&party={contract.vendor_id}").content.decode()
    assert "2200.00" not in page and contract.vendor.name not in page


def test_chart_geometry():
    values = [Decimal(0)] * 12
    values[8] = Decimal("2200.00")
    chart = year_chart(values, [Decimal(0)] * 12)
    assert nice_top(Decimal("2200.00")) == Decimal(5000) and chart.top_value == Decimal(5000)
    assert [b.month for b in chart.deductions] == list(range(1, 13))
    bar = chart.deductions[8]
    assert bar.value == Decimal("2200.00") and bar.height == pytest.approx(200 * 0.44, abs=0.1)
    assert all(b.height == 0 for b in chart.payments)
    assert year_chart([Decimal(0)] * 12, [Decimal(0)] * 12).top_value == 1
