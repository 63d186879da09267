"""The payment schedules of all five seeds, through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from weibao.accounts.choices import Role
from weibao.assessments import services
from weibao.assessments.paying import milestone_record
from weibao.assessments.selectors import payment_schedule
from weibao.testing.factories import member

from .conftest import Desk, at
from .test_scenarios import seed_003_quarter, sign_with

pytestmark = pytest.mark.django_db


def by_code(contract, today):
    return {row.milestone.code: row for row in payment_schedule(contract, today=today)}


def test_seed_000_half_year_gates_payment_and_failure_waits_for_rectification(make_contract):
    contract, _desk, admin = make_contract("pacs-huizhou", amount=Decimal("100000"))
    rows = by_code(contract, date(2026, 7, 15))
    assert list(rows) == ["half-year-1", "full-year"]
    first = rows["half-year-1"].state
    assert (first.status, first.amount) == ("waiting", Decimal("50000.00"))
    assert [g.why for g in first.gates if not g.met] == ["考核尚未签署", "尚未登记发票号"]
    a = services.assessment_open(actor=admin, contract=contract, period="2026H1", rule="half-yearly")
    services.assessment_review(actor=admin, assessment=a, passed=False)
    services.assessment_sign(actor=admin, assessment=a)
    gate = by_code(contract, date(2026, 7, 15))["half-year-1"].state.gates[0]
    assert (gate.met, gate.why) == (False, "考核不合格") and "整改合格后重新考核" in gate.clears
    a = services.assessment_reopen(actor=admin, assessment=a, reason="整改完成，重新考核")
    services.assessment_review(actor=admin, assessment=a, passed=True, opinion="整改合格")
    services.assessment_sign(actor=admin, assessment=a)
    milestone_record(
        actor=admin,
        milestone=rows["half-year-1"].milestone,
        invoice_number="FP-0001",
        invoice_on=date(2026, 7, 20),
    )
    first = by_code(contract, date(2026, 7, 21))["half-year-1"].state
    assert (first.status, first.payable) == ("payable", Decimal("50000.00"))


def test_seed_001_has_no_payment_milestones(make_contract):
    contract, _desk, _admin = make_contract("pacs-guangxi", amount=Decimal("80000"))
    assert payment_schedule(contract, today=date(2026, 7, 1)) == []


def test_seed_002_failed_half_year_forfeits_that_fee(make_contract):
    contract, _desk, admin = make_contract("his-3y")
    h1 = services.assessment_open(actor=admin, contract=contract, period="2026H1")
    services.assessment_review(actor=admin, assessment=h1, passed=False)
    services.assessment_sign(actor=admin, assessment=h1)
    h2 = services.assessment_open(actor=admin, contract=contract, period="2026H2")
    services.assessment_review(actor=admin, assessment=h2, passed=True)
    h2 = services.assessment_sign(actor=admin, assessment=h2, now=at("2027-01-05"))
    rows = by_code(contract, date(2027, 1, 10))
    assert len(rows) == 6
    one = rows["half-year-1"].state
    assert (one.status, one.amount, one.deductions, one.payable, one.terminate) == (
        "forfeited",
        Decimal("490000.00"),
        Decimal("490000.00"),
        Decimal("0.00"),
        True,
    )
    two = rows["half-year-2"].state
    assert (two.status, two.payable, two.due_by) == ("payable", Decimal("490000.00"), date(2027, 4, 5))
    assert rows["half-year-3"].state.status == "waiting"


def _small_quarter(desk, admin, contract, code, first_day):
    for i in range(2):
        desk.ticket(at(first_day) + timedelta(days=i))
    return services.assessment_open(actor=admin, contract=contract, period=code)


def test_seed_003_thirty_thirty_forty_with_the_quarters_deductions(make_contract):
    contract, admin, *_ = seed_003_quarter(make_contract)
    desk = Desk(contract, admin)
    rows = by_code(contract, date(2026, 12, 4))
    assert [r.state.amount for r in rows.values()] == [
        Decimal("13200.00"),
        Decimal("13200.00"),
        Decimal("17600.00"),
    ]
    down = rows["down-payment"]
    assert down.state.status == "waiting" and [g.code for g in down.state.gates if not g.met] == ["invoice"]
    milestone_record(
        actor=admin, milestone=down.milestone, invoice_number="FP-1", invoice_on=date(2026, 1, 5)
    )
    down = by_code(contract, date(2026, 12, 4))["down-payment"].state
    assert (down.status, down.due_by) == ("payable", date(2026, 1, 19))  # 10 workdays after 01-05
    milestone_record(
        actor=admin,
        milestone=rows["down-payment"].milestone,
        paid_on=date(2026, 1, 15),
        paid_amount=Decimal("13200"),
    )
    q1 = sign_with(_small_quarter(desk, admin, contract, "2026Q1", "2026-02-02"), admin, passes=2, of=2)
    progress = by_code(contract, date(2026, 12, 4))["progress-payment"]
    assert progress.state.status == "waiting"
    assert [g.label for g in progress.state.gates if not g.met] == [
        "第2期考核签署且合格",
        "交付物已全部提交",
        "已开具发票",
    ]
    q2 = sign_with(_small_quarter(desk, admin, contract, "2026Q2", "2026-05-11"), admin, passes=2, of=2)
    # Q2 holds the scenario's ticket of 06-30 23:00 answered 5 h later: one late response.
    assert (q1.grade_label, q2.grade_label, q2.deduction_total) == ("优秀", "优秀", Decimal("440.00"))
    milestone_record(
        actor=admin,
        milestone=progress.milestone,
        deliverables_on=date(2026, 7, 3),
        invoice_number="FP-2",
        invoice_on=date(2026, 7, 6),
    )
    progress = by_code(contract, date(2026, 12, 4))["progress-payment"].state
    assert (progress.status, progress.deductions, progress.payable) == (
        "payable",
        Decimal("440.00"),
        Decimal("12760.00"),
    )
    milestone_record(
        actor=admin,
        milestone=rows["progress-payment"].milestone,
        paid_on=date(2026, 7, 15),
        paid_amount=Decimal("12760"),
    )
    q3 = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    q3 = sign_with(q3, admin, passes=19)
    q4 = sign_with(_small_quarter(desk, admin, contract, "2026Q4", "2026-10-12"), admin, passes=2, of=2)
    assert (q3.grade_label, q3.deduction_total, q4.passed) == ("良好", Decimal("2200.00"), True)
    final = by_code(contract, date(2027, 1, 20))["final-payment"]
    assert final.state.status == "waiting"
    assert [g.code for g in final.state.gates if not g.met] == ["audit", "deliverables", "invoice"]
    milestone_record(
        actor=admin,
        milestone=final.milestone,
        audit_on=date(2026, 12, 1),
        audited_amount=Decimal("43000"),
        deliverables_on=date(2026, 12, 1),
        invoice_number="FP-3",
        invoice_on=date(2026, 12, 2),
    )
    final = by_code(contract, date(2027, 1, 20))["final-payment"].state
    # 支付至审定金额的100%: 43,000 − 25,960 paid = 17,040, less Q3's 2,200 and Q4's 440 (the
    # scenario's ticket of 10-01 00:00 answered 5 h later).
    assert (final.status, final.amount, final.deductions, final.payable) == (
        "payable",
        Decimal("17040.00"),
        Decimal("2640.00"),
        Decimal("14400.00"),
    )


def test_seed_004_first_payment_seven_statutory_workdays_after_the_marked_condition(make_contract):
    contract, _desk, admin = make_contract("regional-zhenhai")
    rows = by_code(contract, date(2026, 12, 4))
    first = rows["progress-payment"].state
    assert (first.status, first.amount) == ("waiting", Decimal("347500.00"))
    gate = next(g for g in first.gates if not g.met)
    assert (gate.label, gate.computed, gate.clears) == ("具备实施条件", False, "医院确认“具备实施条件”")
    manager = member(contract.vendor, Role.VENDOR_MANAGER)
    with pytest.raises(PermissionDenied):
        milestone_record(
            actor=manager, milestone=rows["progress-payment"].milestone, condition_on=date(2026, 9, 30)
        )
    milestone_record(
        actor=admin, milestone=rows["progress-payment"].milestone, condition_on=date(2026, 9, 30)
    )
    first = by_code(contract, date(2026, 12, 4))["progress-payment"].state
    # National Day 10-01…10-07 off, Saturday 10-10 a make-up workday: 10-08, 09, 10, 12, 13, 14, 15.
    assert (first.status, first.due_by) == ("payable", date(2026, 10, 15))
    balance = rows["balance"].state
    assert balance.status == "waiting" and balance.gates[0].why == "服务期至 2026-12-31 结束"
    assert by_code(contract, date(2027, 1, 1))["balance"].state.status == "payable"


def test_payment_records_are_checked(make_contract):
    contract, _desk, admin = make_contract("regional-zhenhai")
    ms = contract.payment_milestones.first()
    with pytest.raises(ValidationError):
        milestone_record(actor=admin, milestone=ms, paid_on=date(2099, 1, 1))
    with pytest.raises(ValidationError):
        milestone_record(actor=admin, milestone=ms, paid_amount=Decimal("-1"))
    manager = member(contract.vendor, Role.VENDOR_MANAGER)
    record = milestone_record(actor=manager, milestone=ms, invoice_number=" FP-9 ")
    assert record.invoice_number == "FP-9"
