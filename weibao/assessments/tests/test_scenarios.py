"""The issue's scenarios, built through the services with explicit timestamps."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from weibao.accounts.choices import Role
from weibao.assessments import marking, services
from weibao.assessments.choices import AssessmentState, SampleResult, TerminationState
from weibao.assessments.models import AssessmentEvent, DeductionLine
from weibao.assessments.selectors import drill_ids
from weibao.audit.models import AuditEvent
from weibao.testing.factories import member

from .conftest import at

pytestmark = pytest.mark.django_db


def seed_003_quarter(make_contract, *, adverse: bool = False):
    """A drg-wuhan contract of 44,000 yuan; Q3 2026 with 22 closed tickets, 2 responses over 1 h,
    one 严重 vendor-caused fault, and (if asked) one adverse event."""
    contract, desk, admin = make_contract("drg-wuhan", amount=Decimal("44000"))
    late = [
        desk.ticket(at("2026-07-06", "09:00"), respond_after=timedelta(hours=1, minutes=5)),
        desk.ticket(at("2026-08-01", "23:30"), respond_after=timedelta(hours=3)),  # across midnight, 7x24
    ]
    exactly = desk.ticket(at("2026-07-07"), respond_after=timedelta(hours=1))  # not more than 1 h
    fault = desk.ticket(at("2026-08-10"), term=10, severity="serious", vendor_caused=True)
    others = [desk.ticket(at("2026-07-10") + timedelta(days=i)) for i in range(18)]
    if adverse:
        desk.ticket(at("2026-09-01"), adverse=True)
    desk.ticket(at("2026-06-30", "23:00"), respond_after=timedelta(hours=5))  # Q2: not counted
    desk.ticket(at("2026-10-01", "00:00"), respond_after=timedelta(hours=5))  # Q4: not counted
    return contract, admin, late, exactly, fault, others


def sign_with(assessment, admin, passes: int, of: int = 20):
    for ev in assessment.evaluations.all():
        marking.sample_draw(actor=admin, evaluation=ev, size=of, seed=2026)
        for i, row in enumerate(ev.rows.all()):
            ok = i < passes
            marking.sample_mark(
                actor=admin,
                row=row,
                result=SampleResult.PASS if ok else SampleResult.FAIL,
                reason="" if ok else "未彻底解决",
            )
    services.assessment_review(actor=admin, assessment=assessment, opinion="按附件1评价")
    return services.assessment_sign(actor=admin, assessment=assessment)


def test_seed_003_quarter_good_with_two_and_three_percent(make_contract):
    contract, admin, late, exactly, fault, _others = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    assert (a.rule, a.sequence, a.start, a.end) == ("quarterly", 3, date(2026, 7, 1), date(2026, 10, 1))
    facts = a.facts
    assert facts["tickets"]["count"] == 22
    assert sorted(drill_ids(facts, "late.late-response")) == sorted(t.pk for t in late)
    assert exactly.pk not in drill_ids(facts, "late.late-response")
    assert drill_ids(facts, "vendor_faults") == [fault.pk]
    assert facts["vendor_faults"]["by_severity"][0]["key"] == "serious"
    assert facts["adverse_events"]["count"] == 0
    assert facts["closed"]["count"] == 22
    lines = list(a.deduction_lines.order_by("kind", "id"))
    assert [(x.rule, x.tickets, x.amount) for x in lines] == [
        ("late-response", [late[0].pk], Decimal("440.00")),
        ("late-response", [late[1].pk], Decimal("440.00")),
        ("vendor-fault", [fault.pk], Decimal("1320.00")),
    ]
    assert "3" in lines[2].basis and "44000" in lines[2].basis
    a = sign_with(a, admin, passes=19)
    assert [ev.grade_label for ev in a.evaluations.all()] == ["良好", "良好"]
    assert [ev.pass_percent for ev in a.evaluations.all()] == [Decimal("95.00"), Decimal("95.00")]
    assert (a.grade_label, a.passed, a.state) == ("良好", True, AssessmentState.SIGNED)
    assert a.deduction_total == Decimal("2200.00")


def test_seed_003_with_an_adverse_event_fails(make_contract):
    contract, admin, *_ = seed_003_quarter(make_contract, adverse=True)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    assert a.facts["adverse_events"]["count"] == 1
    a = sign_with(a, admin, passes=20)
    assert (a.grade_label, a.passed) == ("不合格", False)
    assert {ev.rate_grade_label for ev in a.evaluations.all()} == {"优秀"}


def test_the_lower_of_the_two_evaluations_and_the_draw_is_recorded(make_contract):
    contract, admin, *_ = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    dept, it = a.evaluations.order_by("position")
    marking.sample_draw(actor=admin, evaluation=dept, size=20, seed=7)
    marking.sample_draw(actor=admin, evaluation=it, percent=Decimal(50), seed=8)
    dept.refresh_from_db()
    it.refresh_from_db()
    assert (dept.seed, dept.rows.count(), it.rows.count(), it.population) == (7, 20, 11, 22)
    first = list(dept.rows.values_list("ticket_id", flat=True))
    marking.sample_draw(actor=admin, evaluation=dept, size=20, seed=7)
    assert list(dept.rows.values_list("ticket_id", flat=True)) == first
    for row in dept.rows.all():
        marking.sample_mark(actor=admin, row=row, result="pass")
    for i, row in enumerate(it.rows.all()):
        marking.sample_mark(actor=admin, row=row, result="pass" if i < 9 else "fail", reason="慢")
    a.refresh_from_db()
    assert [e.grade_label for e in a.evaluations.all()] == ["优秀", "合格"]  # 9/11 = 81.8 %
    assert a.grade_label == "合格"
    with pytest.raises(ValidationError):
        marking.sample_mark(actor=admin, row=it.rows.first(), result="fail", reason=" ")


def test_vendor_cannot_edit_the_hospitals_evaluation(make_contract):
    contract, admin, *_ = seed_003_quarter(make_contract)
    manager = member(contract.vendor, Role.VENDOR_MANAGER)
    a = services.assessment_open(actor=manager, contract=contract, period="2026Q3")
    a = services.assessment_submit(actor=manager, assessment=a, self_assessment="本季度服务良好")
    assert a.state == AssessmentState.SUBMITTED
    ev = a.evaluations.first()
    with pytest.raises(PermissionDenied):
        marking.sample_draw(actor=manager, evaluation=ev, size=5)
    marking.sample_draw(actor=admin, evaluation=ev, size=5, seed=1)
    row = ev.rows.first()
    for call in (
        lambda: marking.sample_mark(actor=manager, row=row, result="pass"),
        lambda: marking.deduction_waive(
            actor=manager, line=a.deduction_lines.first(), waive=True, reason="x"
        ),
        lambda: services.assessment_review(actor=manager, assessment=a),
        lambda: services.assessment_sign(actor=manager, assessment=a),
    ):
        with pytest.raises(PermissionDenied):
            call()
    row.refresh_from_db()
    assert row.result == SampleResult.PENDING


def test_waive_needs_a_reason_is_audited_and_signed_is_frozen_until_reopened(make_contract):
    contract, admin, late, *_ = seed_003_quarter(make_contract)
    a = services.assessment_open(actor=admin, contract=contract, period="2026Q3")
    line = a.deduction_lines.get(tickets=[late[0].pk])
    with pytest.raises(ValidationError):
        marking.deduction_waive(actor=admin, line=line, waive=True, reason="")
    marking.deduction_waive(actor=admin, line=line, waive=True, reason="医院网络中断，非乙方原因")
    a.refresh_from_db()
    assert a.deduction_total == Decimal("1760.00")
    assert AuditEvent.objects.filter(action="assessment.waive").exists()
    a = sign_with(a, admin, passes=20)
    assert a.grade_label == "优秀"
    with pytest.raises(ValidationError):
        services.assessment_refresh(actor=admin, assessment=a)
    with pytest.raises(ValidationError):
        marking.deduction_waive(actor=admin, line=line, waive=False, reason="撤销")
    with pytest.raises(ValidationError):
        services.assessment_reopen(actor=admin, assessment=a, reason="")
    a = services.assessment_reopen(actor=admin, assessment=a, reason="发现漏计工单")
    assert a.state == AssessmentState.REVIEWED
    actions = list(AssessmentEvent.objects.filter(assessment=a).values_list("action", flat=True))
    assert actions[-3:] == ["review", "sign", "reopen"]
    marking.deduction_waive(actor=admin, line=line, waive=False, reason="撤销免除")
    a.refresh_from_db()
    assert a.deduction_total == Decimal("2200.00")


def test_period_must_fit_the_rule_and_the_contract(make_contract):
    contract, _desk, admin = make_contract("drg-wuhan")
    for bad in ("2026Q5", "2026H2", "2027Q1", "nonsense"):
        with pytest.raises(ValidationError):
            services.assessment_open(actor=admin, contract=contract, period=bad, rule="quarterly")
    dept_user = member(contract.hospital, Role.DEPARTMENT_USER)
    with pytest.raises(PermissionDenied):
        services.assessment_open(actor=dept_user, contract=contract, period="2026Q1")


def test_seed_002_failed_half_year_deducts_its_fee_and_flags_termination(make_contract):
    contract, desk, admin = make_contract("his-3y")
    desk.ticket(at("2026-03-02"))
    a = services.assessment_open(actor=admin, contract=contract, period="2026H1")
    assert a.rule == "half-yearly" and not a.evaluations.exists()
    with pytest.raises(ValidationError):
        services.assessment_review(actor=admin, assessment=a)  # no grading: the hospital decides
    a = services.assessment_review(actor=admin, assessment=a, opinion="驻场人员不足", passed=False)
    a = services.assessment_sign(actor=admin, assessment=a)
    line = DeductionLine.objects.get(assessment=a, kind="failed_period")
    assert line.amount == Decimal("490000.00")  # 2,940,000 × 6 ÷ 36
    assert (a.passed, a.deduction_total, a.termination) == (
        False,
        Decimal("490000.00"),
        TerminationState.PROPOSED,
    )
    a = services.termination_decide(actor=admin, assessment=a, confirm=True, reason="按合同终止")
    assert a.termination == TerminationState.CONFIRMED
    passed = services.assessment_open(actor=admin, contract=contract, period="2026H2")
    passed = services.assessment_review(actor=admin, assessment=passed, passed=True)
    passed = services.assessment_sign(actor=admin, assessment=passed)
    assert (passed.deduction_total, passed.termination) == (Decimal("0.00"), TerminationState.NONE)


def test_seed_000_failed_half_year_waits_for_rectification(make_contract):
    contract, _desk, admin = make_contract("pacs-huizhou", amount=Decimal("100000"))
    a = services.assessment_open(actor=admin, contract=contract, period="2026H1", rule="half-yearly")
    a = services.assessment_review(actor=admin, assessment=a, passed=False)
    a = services.assessment_sign(actor=admin, assessment=a)
    assert (a.passed, a.deduction_total, a.termination) == (False, Decimal("0.00"), TerminationState.NONE)
    # The quarterly assessment (no grading, no deductions) exists beside it.
    q = services.assessment_open(actor=admin, contract=contract, period="2026Q1")
    assert q.rule == "quarterly"
