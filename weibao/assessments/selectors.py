"""Reads of the assessments app: the assessments a user sees, an assessment's drill-down, and
a contract's payment schedule with each milestone's gates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from weibao.calendars.selectors import statutory_data
from weibao.contracts.models import Contract, PaymentMilestone
from weibao.inspections.cadence import statutory_workday

from . import payments
from .choices import AssessmentState
from .deductions import ZERO
from .models import Assessment, DeductionLine, MilestoneRecord


def assessments_visible(user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.visible_to(user).select_related("contract", "contract__vendor", "hospital")


def drill_ids(facts: dict[str, Any], key: str) -> list[int]:
    """The ids behind one fact, by a path such as ``late.late-response``, ``by_category.fault``,
    ``clocks.response.breached`` or ``inspections.overdue``; [] for an unknown path."""
    head, _, rest = key.partition(".")
    node = facts.get(head)
    if node is None:
        return []
    if head in ("tickets", "closed", "adverse_events", "vendor_faults") and not rest:
        return list(node["ids"])
    if head == "late":
        return list((node.get(rest) or {}).get("ids", []))
    if head in ("by_category", "by_severity", "by_system"):
        return next((list(g["ids"]) for g in node if g["key"] == rest), [])
    if head == "clocks":
        kind, _, which = rest.partition(".")
        row = next((c for c in node if c["kind"] == kind), None)
        return list(row.get(f"{which}_ids", [])) if row and which in ("met", "breached") else []
    if head == "inspections" and rest in ("due", "done", "overdue"):
        return list(node[f"{rest}_ids"])
    return []


def outcomes_of(contract: Contract, rule: str, on_failure: str | None) -> dict[int, payments.Outcome]:
    out = {}
    for a in Assessment.objects.filter(contract=contract, rule=rule).order_by("sequence"):
        failed = DeductionLine.objects.filter(assessment=a, kind="failed_period", waived=False)
        out[a.sequence] = payments.Outcome(
            sequence=a.sequence,
            signed=a.state == AssessmentState.SIGNED,
            passed=a.passed,
            signed_on=timezone.localdate(a.signed_at) if a.signed_at else None,
            deduction_total=Decimal(a.deduction_total),
            failed_period_amount=sum((x.amount for x in failed), ZERO),
            on_failure=on_failure,
        )
    return out


def marks_of(record: MilestoneRecord | None) -> payments.Marks:
    if record is None:
        return payments.Marks()
    return payments.Marks(
        condition_on=record.condition_on,
        deliverables_on=record.deliverables_on,
        invoice_number=record.invoice_number,
        invoice_on=record.invoice_on,
        audit_on=record.audit_on,
        audited_amount=record.audited_amount,
        paid_on=record.paid_on,
        paid_amount=record.paid_amount,
    )


@dataclass(frozen=True)
class ScheduleRow:
    milestone: PaymentMilestone
    record: MilestoneRecord | None
    state: payments.MilestoneState


def milestone_data(ms: PaymentMilestone) -> dict[str, Any]:
    return {**(ms.extra or {}), "code": ms.code, "name": ms.name, "amount": ms.amount, "trigger": ms.trigger}


def payment_schedule(contract: Contract, *, today: date | None = None) -> list[ScheduleRow]:
    """Every milestone of the contract with its gates, deductions and what is payable."""
    today = today or timezone.localdate()
    is_workday = statutory_workday(statutory_data()[0])
    milestones = list(contract.payment_milestones.order_by("order"))
    records = {r.milestone_id: r for r in MilestoneRecord.objects.filter(contract=contract)}
    rules = {r["code"]: r for r in contract.assessments or []}
    by_rule: dict[str, dict[int, payments.Outcome]] = {}
    for code in {m.assessment for m in milestones if m.assessment}:
        by_rule[code] = outcomes_of(contract, code, (rules.get(code) or {}).get("on_failure"))
    assigned: dict[str, Decimal] = {}
    for code, outcomes in by_rule.items():
        share = payments.assign_deductions(
            [milestone_data(m) for m in milestones if m.assessment == code], outcomes
        )
        for k, v in share.items():
            assigned[k] = assigned.get(k, ZERO) + v
    rows, paid = [], ZERO
    for m in milestones:
        record = records.get(m.pk)
        state = payments.milestone_state(
            milestone_data(m),
            outcomes=by_rule.get(m.assessment, {}),
            marks=marks_of(record),
            contract_start=contract.start,
            contract_last_day=contract.end,
            today=today,
            paid_before=paid,
            deductions=assigned.get(m.code, ZERO),
            is_workday=is_workday,
            gettext=gettext,
        )
        if record is not None and record.paid_on is not None:
            paid += Decimal(record.paid_amount if record.paid_amount is not None else state.payable)
        rows.append(ScheduleRow(m, record, state))
    return rows
