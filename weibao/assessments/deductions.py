"""Deduction rules → lines in ``Decimal`` yuan (扣款).

The rules, as the seeds write them and the templates hold them (``kind``):

* ``late_response`` (seed 003 "响应问题及处理问题时间大于1小时一次，则扣减1%合同款，按次数累计"):
  each ticket counted late (see :mod:`weibao.assessments.facts`: its response took longer than the
  threshold on the rule's calendar) is one line of ``percent`` of the contract amount.
* ``vendor_fault`` (seed 003 "一次致命故障扣罚子系统合同金额的5%…"): each vendor-caused fault is one
  line of ``by_severity[severity]`` percent of its subsystem's amount (the subsystem of the
  ticket's system, else the contract's only subsystem, else the contract amount). A fault whose
  severity the rule does not list deducts nothing and says so.
* ``failed_period`` (seed 002 "如考核不合格，甲方有权扣除当前半年的维保费用"): one line of ``percent``
  of the period's fee; the fee is the rule's ``period_fee`` when the contract states it, else the
  contract amount × the period's months ÷ the contract's months.
* Every line is rounded to the fen (0.01 yuan) half up: no seed says otherwise.
* ``cap_percent`` caps the rule's total over the whole contract at that percent of the contract
  amount: lines past the cap are cut to what is left (``already`` is what earlier periods took).

Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def yuan(value: Decimal) -> Decimal:
    """Rounded to the fen, half up."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def percent_of(base: Decimal, percent: Decimal | int | str) -> Decimal:
    return yuan(Decimal(base) * Decimal(str(percent)) / 100)


@dataclass(frozen=True)
class Line:
    """One deduction: the rule, what it counts (the evidence ids), the basis in words, the amount."""

    rule: str
    rule_name: str
    kind: str
    amount: Decimal
    basis: str
    tickets: tuple[int, ...] = ()
    key: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    """A vendor-caused fault: its ticket, severity code and the amount of its subsystem."""

    ticket: int
    severity: str | None
    subsystem: str
    subsystem_amount: Decimal
    severity_label: str = ""


def late_response_lines(
    rule: Mapping[str, Any], tickets: Iterable[int], contract_amount: Decimal
) -> list[Line]:
    percent = Decimal(str(rule["percent"]))
    amount = percent_of(contract_amount, percent)
    return [
        Line(
            rule=str(rule["code"]),
            rule_name=str(rule.get("name") or rule["code"]),
            kind="late_response",
            amount=amount,
            basis=f"超过{rule.get('threshold')}一次，扣合同款 {percent}% × {contract_amount}",
            tickets=(t,),
            key=f"{rule['code']}:ticket:{t}",
            detail={"percent": str(percent), "base": str(contract_amount)},
        )
        for t in sorted(tickets)
    ]


def vendor_fault_lines(rule: Mapping[str, Any], faults: Iterable[Fault]) -> list[Line]:
    by_severity = {k: Decimal(str(v)) for k, v in (rule.get("by_severity") or {}).items()}
    out = []
    for f in sorted(faults, key=lambda f: f.ticket):
        percent = by_severity.get(f.severity or "")
        if percent is None:
            amount, basis = ZERO, f"故障等级“{f.severity or '未定'}”不在扣款规则中"
        else:
            amount = percent_of(f.subsystem_amount, percent)
            basis = f"{f.severity_label or f.severity} 故障，扣子系统“{f.subsystem}”金额 {percent}% × {f.subsystem_amount}"
        out.append(
            Line(
                rule=str(rule["code"]),
                rule_name=str(rule.get("name") or rule["code"]),
                kind="vendor_fault",
                amount=amount,
                basis=basis,
                tickets=(f.ticket,),
                key=f"{rule['code']}:ticket:{f.ticket}",
                detail={
                    "severity": f.severity,
                    "percent": str(percent) if percent is not None else None,
                    "subsystem": f.subsystem,
                    "base": str(f.subsystem_amount),
                },
            )
        )
    return out


def period_fee(
    rule: Mapping[str, Any], contract_amount: Decimal, period_months: int, contract_months: int
) -> Decimal:
    """The period's fee: the rule's ``period_fee`` when stated, else amount × months ÷ months."""
    if rule.get("period_fee") is not None:
        return yuan(Decimal(str(rule["period_fee"])))
    return yuan(Decimal(contract_amount) * period_months / contract_months)


def failed_period_line(
    rule: Mapping[str, Any], contract_amount: Decimal, period_months: int, contract_months: int
) -> Line:
    fee = period_fee(rule, contract_amount, period_months, contract_months)
    percent = Decimal(str(rule.get("percent", 100)))
    return Line(
        rule=str(rule["code"]),
        rule_name=str(rule.get("name") or rule["code"]),
        kind="failed_period",
        amount=percent_of(fee, percent),
        basis=(
            f"考核不合格，扣除本期维保费用 {percent}% × {fee}"
            f"（{contract_amount} × {period_months} ÷ {contract_months} 个月）"
            if rule.get("period_fee") is None
            else f"考核不合格，扣除本期维保费用 {percent}% × {fee}"
        ),
        key=f"{rule['code']}:period",
        detail={
            "fee": str(fee),
            "percent": str(percent),
            "terminates": bool(rule.get("terminates_contract")),
        },
    )


def apply_cap(
    rule: Mapping[str, Any], lines: Sequence[Line], contract_amount: Decimal, *, already: Decimal = ZERO
) -> list[Line]:
    """``lines`` of one rule with the rule's cap over the contract applied, in order."""
    if rule.get("cap_percent") is None:
        return list(lines)
    left = max(percent_of(contract_amount, rule["cap_percent"]) - already, ZERO)
    out = []
    for line in lines:
        take = min(line.amount, left)
        left -= take
        out.append(line if take == line.amount else replace(line, amount=take, basis=f"{line.basis}（封顶）"))
    return out


def total(lines: Iterable[Line], waived: Iterable[str] = ()) -> Decimal:
    """The sum of the lines not waived (by key)."""
    skip = set(waived)
    return yuan(sum((line.amount for line in lines if line.key not in skip), ZERO))
