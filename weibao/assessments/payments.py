"""Payment milestones → what is payable, when, and why not (付款节点).

The rules, as the seeds write them and the templates hold them (``trigger``):

* ``on_signing``: payable once the contract has started; when the milestone names a
  ``condition`` a person marks (seed 004 "合同生效并具备实施条件后七个工作日内": 具备实施条件), once
  that is marked. ``pay_within: 7wd`` counts statutory workdays after the day the last gate was
  met (the day itself not counted).
* ``after_assessment_passed``: every listed contract period's assessment is signed and passed.
  A failed one fails the gate, and what clears it follows the assessment's ``on_failure``:
  ``deduct`` (seed 002) takes the period's fee (the failed-period deduction line) from this
  milestone and flags the contract for termination, which a person confirms;
  ``rectify_then_reassess`` (seed 000) waits for a reassessment after rectification;
  ``per_supervisor_and_audit`` (seed 003) waits for the supervisor's and auditor's report.
* ``at_end``: the contract period is over. ``at_end_after_audit``: over, and the audit is marked
  done with the audited amount; with ``remainder_of_audited`` (seed 003 "支付至总合同审定金额的
  100%") the amount is the audited amount minus what was paid before, not a fixed share.
* ``requires_all_deliverables`` and ``requires_invoice`` add gates a person marks (the
  deliverables delivered, the invoice number).
* A signed assessment's deductions are taken from the first milestone that lists its period;
  what is payable is the amount minus those deductions, never below zero.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .deductions import ZERO, yuan
from .periods import add_months


@dataclass(frozen=True)
class Outcome:
    """A contract period's assessment as a milestone sees it."""

    sequence: int
    signed: bool
    passed: bool | None
    signed_on: date | None
    deduction_total: Decimal = ZERO
    failed_period_amount: Decimal = ZERO
    on_failure: str | None = None


@dataclass(frozen=True)
class Marks:
    """What people record on a milestone."""

    condition_on: date | None = None
    deliverables_on: date | None = None
    invoice_number: str = ""
    invoice_on: date | None = None
    audit_on: date | None = None
    audited_amount: Decimal | None = None
    paid_on: date | None = None
    paid_amount: Decimal | None = None


@dataclass(frozen=True)
class Gate:
    code: str
    label: str
    met: bool
    why: str = ""
    clears: str = ""
    computed: bool = True
    on: date | None = None


@dataclass(frozen=True)
class MilestoneState:
    code: str
    name: str
    amount: Decimal
    deductions: Decimal
    payable: Decimal
    status: str  # waiting, payable, paid, forfeited
    gates: tuple[Gate, ...]
    due_by: date | None = None
    terminate: bool = False
    periods: tuple[int, ...] = field(default_factory=tuple)


def workdays_after(day: date, n: int, is_workday: Callable[[date], bool]) -> date:
    """The ``n``-th workday after ``day`` (``day`` itself not counted)."""
    for _ in range(n):
        day += timedelta(days=1)
        while not is_workday(day):
            day += timedelta(days=1)
    return day


def due_by(ms: Mapping[str, Any], met_on: date, is_workday: Callable[[date], bool]) -> date | None:
    within = str(ms.get("pay_within") or "")
    if within.endswith("wd"):
        return workdays_after(met_on, int(within[:-2]), is_workday)
    if within.endswith("d"):
        return met_on + timedelta(days=int(within[:-1]))
    if ms.get("pay_within_months"):
        return add_months(met_on, int(ms["pay_within_months"]))
    return None


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue; the caller's ``gettext`` translates it."""
    return message


CLEARS = {
    "deduct": gettext_noop("考核不合格：已扣除本期维保费用，合同待确认终止"),
    "rectify_then_reassess": gettext_noop("整改合格后重新考核（重新打开考核并签署合格）"),
    "per_supervisor_and_audit": gettext_noop("按监理和审计出具的报告执行"),
}


def _assessment_gates(
    ms: Mapping[str, Any], outcomes: Mapping[int, Outcome], gettext: Callable[[str], str]
) -> tuple[list[Gate], Decimal, bool]:
    gates, forfeited, terminate = [], ZERO, False
    for n in ms.get("periods") or []:
        o = outcomes.get(n)
        label = gettext("第%(n)s期考核签署且合格") % {"n": n}
        if o is None or not o.signed:
            gates.append(
                Gate(
                    f"assessment:{n}",
                    label,
                    False,
                    gettext("考核尚未签署"),
                    gettext("医院完成抽查评价并签署考核"),
                )
            )
        elif o.passed:
            gates.append(Gate(f"assessment:{n}", label, True, on=o.signed_on))
        elif o.on_failure == "deduct":
            forfeited += o.failed_period_amount
            terminate = True
            gates.append(
                Gate(
                    f"assessment:{n}",
                    label,
                    True,
                    gettext("考核不合格，已扣除本期维保费用"),
                    gettext(CLEARS["deduct"]),
                    on=o.signed_on,
                )
            )
        else:
            gates.append(
                Gate(
                    f"assessment:{n}",
                    label,
                    False,
                    gettext("考核不合格"),
                    gettext(CLEARS.get(o.on_failure or "", gettext_noop("医院重新考核合格"))),
                )
            )
    return gates, forfeited, terminate


def milestone_state(
    ms: Mapping[str, Any],
    *,
    outcomes: Mapping[int, Outcome],
    marks: Marks,
    contract_start: date,
    contract_last_day: date,
    today: date,
    paid_before: Decimal,
    deductions: Decimal,
    is_workday: Callable[[date], bool],
    gettext: Callable[[str], str] = gettext_noop,
) -> MilestoneState:
    """One milestone's gates, amount, deductions and what is payable as of ``today``. The gates'
    words go through ``gettext`` (the caller's translation; as written when none is given)."""
    amount = Decimal(str(ms["amount"]))
    trigger = str(ms["trigger"])
    gates: list[Gate] = []
    forfeited, terminate = ZERO, False
    if trigger == "on_signing":
        gates.append(
            Gate(
                "signed",
                gettext("合同已生效"),
                contract_start <= today,
                gettext("合同尚未生效"),
                gettext("等待合同开始日期"),
                on=contract_start,
            )
        )
    if ms.get("condition"):
        gates.append(
            Gate(
                "condition",
                str(ms["condition"]),
                marks.condition_on is not None,
                gettext("尚未确认“%(c)s”") % {"c": ms["condition"]},
                gettext("医院确认“%(c)s”") % {"c": ms["condition"]},
                computed=False,
                on=marks.condition_on,
            )
        )
    if trigger in ("at_end", "at_end_after_audit"):
        gates.append(
            Gate(
                "ended",
                gettext("服务期满"),
                today > contract_last_day,
                gettext("服务期至 %(d)s 结束") % {"d": contract_last_day},
                gettext("等待服务期满"),
                on=contract_last_day + timedelta(days=1),
            )
        )
    if ms.get("periods"):
        more, forfeited, terminate = _assessment_gates(ms, outcomes, gettext)
        gates += more
    if trigger == "at_end_after_audit":
        gates.append(
            Gate(
                "audit",
                gettext("审计已确认"),
                marks.audit_on is not None,
                gettext("尚未完成审计"),
                gettext("医院登记审计确认日期和审定金额"),
                computed=False,
                on=marks.audit_on,
            )
        )
        if ms.get("remainder_of_audited") and marks.audited_amount is not None:
            amount = yuan(max(Decimal(marks.audited_amount) - paid_before, ZERO))
    if ms.get("requires_all_deliverables"):
        gates.append(
            Gate(
                "deliverables",
                gettext("交付物已全部提交"),
                marks.deliverables_on is not None,
                gettext("交付物未确认全部提交"),
                gettext("医院确认本期交付物已全部提交"),
                computed=False,
                on=marks.deliverables_on,
            )
        )
    if ms.get("requires_invoice"):
        gates.append(
            Gate(
                "invoice",
                gettext("已开具发票"),
                bool(marks.invoice_number),
                gettext("尚未登记发票号"),
                gettext("厂商开具发票并登记发票号"),
                computed=False,
                on=marks.invoice_on,
            )
        )
    # A met gate needs no reason and nothing to clear it; a failed period whose fee was deducted
    # keeps its reason (the gate is passed by the deduction).
    gates = [
        g if not g.met or g.code.startswith("assessment:") else replace(g, why="", clears="") for g in gates
    ]
    taken = yuan(min(deductions + forfeited, amount))
    payable = yuan(amount - taken)
    met = all(g.met for g in gates)
    dates = [g.on for g in gates if g.on is not None]
    due = due_by(ms, max(dates), is_workday) if met and dates else None
    if marks.paid_on is not None:
        status = "paid"
    elif met and payable == ZERO and forfeited > ZERO:
        status = "forfeited"
    elif met:
        status = "payable"
    else:
        status = "waiting"
    return MilestoneState(
        code=str(ms["code"]),
        name=str(ms["name"]),
        amount=amount,
        deductions=taken,
        payable=payable,
        status=status,
        gates=tuple(gates),
        due_by=due,
        terminate=terminate,
        periods=tuple(int(n) for n in ms.get("periods") or []),
    )


def assign_deductions(
    milestones: Sequence[Mapping[str, Any]], outcomes: Mapping[int, Outcome]
) -> dict[str, Decimal]:
    """Each signed period's deductions go to the first milestone listing the period."""
    out = {str(ms["code"]): ZERO for ms in milestones}
    for n, o in outcomes.items():
        if not o.signed or o.deduction_total == ZERO:
            continue
        for ms in milestones:
            if n in (ms.get("periods") or []):
                out[str(ms["code"])] += o.deduction_total - o.failed_period_amount
                break
    return out
