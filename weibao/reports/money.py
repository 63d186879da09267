"""Money on the home pages: per contract, the running assessment, the deliverables due and the
next payment; per month of a year, the deductions and payments by vendor or by hospital.

Nothing is counted here by hand. The running assessment is the assessments app's computation
(:func:`weibao.assessments.facts.compute_facts` and
:func:`weibao.assessments.computing.computed_lines`) over the contract's current assessment period;
the deliverables come from :func:`weibao.reports.selectors.contract_calendar`; the payment gates
from :func:`weibao.assessments.selectors.payment_schedule`.

The rules of these figures:

* The running assessment is the contract's assessment with the shortest period (a contract that
  has a quarterly and a half-yearly one shows the quarter), over the contract's period that holds
  today. When that assessment is signed, its stored figures are shown (a signed assessment is
  frozen); otherwise the facts and deduction lines are computed now, the lines an assessor waived
  are left out and the failed-period line (which needs a decision) is added when there is one.
* The grade is the stored assessment's, once its sample is marked (none before).
* Deliverables: those due and not produced whose due date has passed are overdue; the next due
  is the earliest one not yet produced whose due date is today or later.
* The next payment is the first milestone neither paid nor forfeited: payable, or blocked with
  each unmet gate's reason.
* The year view books a deduction in the month its assessment period ends (the month of the
  period's last day) and counts the lines not waived of every assessment opened; a payment in the
  month it was paid, at the amount recorded (or, when none was recorded, what the schedule says
  was payable).
* The figures are kept per user and contract for ``WEIBAO_DASHBOARD_SECONDS`` (the service
  desk's :func:`~weibao.servicedesk.dashboards.cached`): a contract's figures read its tickets,
  clocks and inspections of the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.assessments import deductions as dd
from weibao.assessments.choices import AssessmentState
from weibao.assessments.computing import computed_lines
from weibao.assessments.facts import compute_facts
from weibao.assessments.models import Assessment, DeductionLine, MilestoneRecord
from weibao.assessments.periods import KIND_MONTHS, Period, calendar_code, contract_periods
from weibao.assessments.selectors import payment_schedule
from weibao.contracts.models import Contract
from weibao.contracts.models.contract import ContractQuerySet
from weibao.servicedesk.dashboards import cached

from .choices import DeliverableState
from .selectors import contract_calendar

MONTHS = tuple(range(1, 13))
STATUS_LABELS = {"waiting": "未满足条件", "payable": "可付款", "paid": "已付款", "forfeited": "已扣除"}


@dataclass(frozen=True)
class MoneyRow:
    """One contract's money figures today."""

    contract_id: int
    code: str
    title: str
    hospital: str
    vendor: str
    period: str = ""
    period_range: str = ""
    assessment_state: str = ""
    tickets: int = 0
    response_breached: int = 0
    late: int = 0
    vendor_faults: int = 0
    adverse_events: int = 0
    deduction_lines: int = 0
    deductions: Decimal = dd.ZERO
    grade: str = ""
    overdue: int = 0
    overdue_names: tuple[str, ...] = ()
    next_due: str = ""
    next_due_on: date | None = None
    payment: str = ""
    payment_amount: Decimal | None = None
    payable: Decimal | None = None
    payment_status: str = ""
    blocked_by: tuple[str, ...] = ()
    payment_due_by: date | None = None

    @property
    def payment_status_label(self) -> str:
        return STATUS_LABELS.get(self.payment_status, self.payment_status)

    @property
    def gate(self) -> str:
        """The next payment's gate in words: 可付款, or 未满足：reason；reason."""
        if not self.payment_status:
            return ""
        if self.payment_status == "waiting":
            return "未满足：" + "；".join(self.blocked_by) if self.blocked_by else "未满足条件"
        return self.payment_status_label


def running_rule(contract: Contract) -> dict[str, Any] | None:
    """The contract's assessment with the shortest period (None when it has none)."""
    rules = [r for r in contract.assessments or [] if str(r.get("period")) in KIND_MONTHS]
    return dict(min(rules, key=lambda r: KIND_MONTHS[str(r["period"])])) if rules else None


def running_period(contract: Contract, rule: dict[str, Any], today: date) -> Period | None:
    """The contract's period of ``rule`` that holds ``today``, with its calendar code when it
    is one (``2026Q3``), else the contract's (``P3``)."""
    months = KIND_MONTHS[str(rule["period"])]
    for p in contract_periods(contract.start, contract.end, months):
        if p.start <= today < p.end:
            return Period(calendar_code(p.start, p.end) or p.code, p.start, p.end)
    return None


def _assessment_figures(contract: Contract, *, today: date, now: datetime) -> dict[str, Any]:
    rule = running_rule(contract)
    period = running_period(contract, rule, today) if rule else None
    if rule is None or period is None:
        return {}
    stored = Assessment.objects.filter(contract=contract, rule=rule["code"], period=period.code).first()
    if stored is not None and stored.state == AssessmentState.SIGNED:
        facts = stored.facts
        kept = list(stored.deduction_lines.filter(waived=False))
        total, n = dd.yuan(sum((x.amount for x in kept), dd.ZERO)), len(kept)
    else:
        facts = compute_facts(contract, period, rule.get("deductions") or [], now=now)
        lines = computed_lines(contract, period.start, rule, facts)
        waived: list[str] = []
        failed: list[Decimal] = []
        if stored is not None:
            waived = list(stored.deduction_lines.filter(waived=True).values_list("key", flat=True))
            failed = list(
                stored.deduction_lines.filter(kind="failed_period", waived=False).values_list(
                    "amount", flat=True
                )
            )
        total = dd.yuan(dd.total(lines, waived) + sum(failed, dd.ZERO))
        n = len([x for x in lines if x.key not in set(waived)]) + len(failed)
    response = next((c for c in facts["clocks"] if c["kind"] == "response"), {"breached": 0})
    return {
        "period": period.code,
        "period_range": f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}",
        "assessment_state": stored.get_state_display() if stored is not None else _("未开始"),
        "tickets": facts["tickets"]["count"],
        "response_breached": response["breached"],
        "late": sum(x["count"] for x in facts["late"].values()),
        "vendor_faults": facts["vendor_faults"]["count"],
        "adverse_events": facts["adverse_events"]["count"],
        "deduction_lines": n,
        "deductions": total,
        "grade": stored.grade_label if stored is not None else "",
    }


def _deliverable_figures(contract: Contract, *, today: date) -> dict[str, Any]:
    entries = [e for e in contract_calendar(contract, today=today) if e.state == DeliverableState.DUE]
    overdue = [e for e in entries if e.overdue]
    coming = sorted((e for e in entries if not e.overdue), key=lambda e: e.due)
    first = coming[0] if coming else None
    return {
        "overdue": len(overdue),
        "overdue_names": tuple(f"{e.period.label} {e.spec.name}" for e in overdue),
        "next_due": f"{first.period.label} {first.spec.name}" if first else "",
        "next_due_on": first.due if first else None,
    }


def _payment_figures(contract: Contract, *, today: date) -> dict[str, Any]:
    rows = payment_schedule(contract, today=today)
    row = next((r for r in rows if r.state.status in ("waiting", "payable")), None)
    if row is None:
        return {}
    state = row.state
    return {
        "payment": state.name,
        "payment_amount": state.amount,
        "payable": state.payable,
        "payment_status": state.status,
        "blocked_by": tuple(g.why or g.label for g in state.gates if not g.met),
        "payment_due_by": state.due_by,
    }


def contract_money(contract: Contract, *, today: date | None = None, now: datetime | None = None) -> MoneyRow:
    """The contract's money figures on ``today`` (the caller has checked who may see it)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return MoneyRow(
        contract_id=contract.pk,
        code=contract.code,
        title=contract.title,
        hospital=contract.hospital.name,
        vendor=contract.vendor.name,
        **_assessment_figures(contract, today=today, now=now),
        **_deliverable_figures(contract, today=today),
        **_payment_figures(contract, today=today),
    )


def money_contracts(user: Any, *, today: date | None = None) -> QuerySet[Contract]:
    """The contracts in force today that ``user`` sees, in the order the tables list them: a
    hospital's by vendor, a vendor's by hospital, then by code."""
    visible = cast(ContractQuerySet, Contract.objects.visible_to(user))
    qs = visible.in_force(today).select_related("hospital", "vendor")
    if user.has_role(Role.HOSPITAL_ADMIN):
        return qs.order_by("vendor_id", "code", "pk")
    return qs.order_by("hospital_id", "code", "pk")


def money_rows(user: Any, contracts: list[Contract], *, today: date | None = None) -> list[MoneyRow]:
    """:func:`contract_money` of each contract, kept per user and contract for a short while."""
    today = today or timezone.localdate()
    return [
        # The rows hold words (states, reasons) in the language they were computed in.
        cached(user, f"money:{today:%Y%m%d}:{get_language()}:{c.pk}", partial(contract_money, c, today=today))
        for c in contracts
    ]


#: The columns of the contracts' table (CSV, XLSX): header, value of a row.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("合同编号", lambda r: r.code),
    ("合同名称", lambda r: r.title),
    ("医院", lambda r: r.hospital),
    ("服务商", lambda r: r.vendor),
    ("考核期", lambda r: r.period),
    ("考核状态", lambda r: r.assessment_state),
    ("工单数", lambda r: r.tickets),
    ("响应超时", lambda r: r.response_breached),
    ("超过扣款阈值", lambda r: r.late),
    ("乙方原因故障", lambda r: r.vendor_faults),
    ("恶性事件", lambda r: r.adverse_events),
    ("扣款（元）", lambda r: r.deductions),
    ("评价结果", lambda r: r.grade),
    ("逾期交付物", lambda r: r.overdue),
    ("下一交付物", lambda r: r.next_due),
    ("下一交付截止", lambda r: r.next_due_on),
    ("下一付款节点", lambda r: r.payment),
    ("节点金额（元）", lambda r: r.payment_amount),
    ("应付（元）", lambda r: r.payable),
    ("付款条件", lambda r: r.gate),
)


# --- the year ------------------------------------------------------------------------------------


@dataclass
class PartyYear:
    """One vendor's (or hospital's) deductions and payments per month of the year."""

    key: int
    name: str
    deductions: dict[int, Decimal] = field(default_factory=lambda: dict.fromkeys(MONTHS, dd.ZERO))
    payments: dict[int, Decimal] = field(default_factory=lambda: dict.fromkeys(MONTHS, dd.ZERO))

    @property
    def deduction_months(self) -> list[Decimal]:
        return [self.deductions[m] for m in MONTHS]

    @property
    def payment_months(self) -> list[Decimal]:
        return [self.payments[m] for m in MONTHS]

    @property
    def deduction_total(self) -> Decimal:
        return dd.yuan(sum(self.deductions.values(), dd.ZERO))

    @property
    def payment_total(self) -> Decimal:
        return dd.yuan(sum(self.payments.values(), dd.ZERO))


@dataclass
class Year:
    year: int
    by: str  # "vendor" or "hospital": whom the rows are
    parties: list[PartyYear]

    def month_totals(self, which: str) -> list[Decimal]:
        return [dd.yuan(sum((getattr(p, which)[m] for p in self.parties), dd.ZERO)) for m in MONTHS]

    @property
    def deductions(self) -> list[Decimal]:
        return self.month_totals("deductions")

    @property
    def payments(self) -> list[Decimal]:
        return self.month_totals("payments")


def year_side(user: Any) -> str:
    """A hospital's year is by vendor; a vendor's by hospital."""
    return "vendor" if user.has_role(Role.HOSPITAL_ADMIN) else "hospital"


def year_figures(user: Any, year: int, *, party: int | None = None) -> Year:
    """Deductions and payments per month of ``year`` over the contracts ``user`` sees, one row per
    vendor (hospital admin) or hospital (vendor manager); ``party`` keeps one of them."""
    by = year_side(user)
    contracts = Contract.objects.visible_to(user)
    if party is not None:
        contracts = contracts.filter(**{f"{by}_id": party})
    parties: dict[int, PartyYear] = {}

    def row(key: int, name: str) -> PartyYear:
        return parties.setdefault(key, PartyYear(key, name))

    lo, hi = date(year, 1, 1), date(year + 1, 1, 1)
    lines = (
        DeductionLine.objects.filter(
            assessment__contract__in=contracts.values("pk"),
            waived=False,
            assessment__end__gt=lo,
            assessment__end__lte=hi,
        )
        .values_list(
            f"assessment__contract__{by}_id", f"assessment__contract__{by}__name", "assessment__end", "amount"
        )
        .order_by()
    )
    for key, name, end, amount in lines:
        month = (end - timedelta(days=1)).month
        p = row(key, name)
        p.deductions[month] = dd.yuan(p.deductions[month] + amount)
    records = (
        MilestoneRecord.objects.filter(contract__in=contracts.values("pk"), paid_on__gte=lo, paid_on__lt=hi)
        .select_related("contract", f"contract__{by}", "milestone")
        .order_by("contract_id", "paid_on")
    )
    schedules: dict[int, dict[int, Decimal]] = {}
    for record in records:
        amount = record.paid_amount
        if amount is None:
            if record.contract_id not in schedules:
                schedules[record.contract_id] = {
                    r.milestone.pk: r.state.payable for r in payment_schedule(record.contract)
                }
            amount = schedules[record.contract_id].get(record.milestone_id, dd.ZERO)
        org = getattr(record.contract, by)
        p = row(org.pk, org.name)
        p.payments[record.paid_on.month] = dd.yuan(p.payments[record.paid_on.month] + amount)
    return Year(year, by, sorted(parties.values(), key=lambda p: p.name))


def year_parties(user: Any) -> list[tuple[int, str]]:
    """The vendors (or hospitals) of the contracts ``user`` sees, for the year view's filter."""
    by = year_side(user)
    rows = (
        Contract.objects.visible_to(user)
        .values_list(f"{by}_id", f"{by}__name")
        .distinct()
        .order_by(f"{by}__name")
    )
    return list(rows)


def year_table(figures: Year) -> tuple[list[str], list[list[Any]]]:
    """The year as one table: a row per vendor (or hospital) and figure, a column per month."""
    header = [
        _("服务商") if figures.by == "vendor" else _("医院"),
        _("项目"),
        *[_("%(m)d月") % {"m": m} for m in MONTHS],
        _("合计"),
    ]
    deducted, paid, total = _("扣款（元）"), _("付款（元）"), _("合计")
    rows: list[list[Any]] = []
    for p in figures.parties:
        rows.append([p.name, deducted, *p.deduction_months, p.deduction_total])
        rows.append([p.name, paid, *p.payment_months, p.payment_total])
    rows.append([total, deducted, *figures.deductions, dd.yuan(sum(figures.deductions, dd.ZERO))])
    rows.append([total, paid, *figures.payments, dd.yuan(sum(figures.payments, dd.ZERO))])
    return header, rows
