"""How an assessment is computed and the helpers every write of the app shares: the contract's
assessment rule, the period checked against it, the facts, the deduction lines, the grades, and
the history row and audit record each write appends. The rules themselves are the pure modules
(:mod:`.periods`, :mod:`.grading`, :mod:`.deductions`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract

from . import deductions as dd
from . import grading
from .choices import AssessmentState, SampleResult
from .facts import compute_facts, counts, faults_of
from .models import Assessment, AssessmentEvent, DeductionLine
from .periods import KIND_MONTHS, Period, PeriodError, contract_sequence, parse_period


def assessment_rule(contract: Contract, code: str) -> dict[str, Any]:
    """The contract's assessment (from its template) with this code."""
    for rule in contract.assessments or []:
        if rule.get("code") == code:
            return dict(rule)
    raise ValidationError({"rule": _("合同没有考核“%(c)s”。") % {"c": code}})


def default_rule(contract: Contract, period: Period) -> dict[str, Any]:
    """The contract's assessment whose period length is ``period``'s (the CLI's choice)."""
    for rule in contract.assessments or []:
        if KIND_MONTHS.get(str(rule.get("period"))) == period.months:
            return dict(rule)
    raise ValidationError({"period": _("合同没有按此期间长度进行的考核。")})


def resolve_period(contract: Contract, rule: dict[str, Any], code: str) -> tuple[Period, int]:
    """The period ``code`` checked against the rule and the contract: its sequence number."""
    try:
        period = parse_period(code)
    except PeriodError as exc:
        raise ValidationError({"period": _("考核期格式应为 2026Q3、2026H2、2026M07 或 2026。")}) from exc
    months = KIND_MONTHS[str(rule["period"])]
    if period.months != months:
        raise ValidationError(
            {"period": _("“%(n)s”按 %(m)s 个月一期考核。") % {"n": rule["name"], "m": months}}
        )
    sequence = contract_sequence(period, contract.start, contract.end, months)
    if sequence is None:
        raise ValidationError({"period": _("考核期不在合同期内。")})
    return period, sequence


def rules_of(assessment: Assessment) -> dict[str, Any]:
    return assessment_rule(assessment.contract, assessment.rule)


def record_event(
    assessment: Assessment,
    actor: User | None,
    action: str,
    *,
    frm: str = "",
    to: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    context: AuditContext | None = None,
) -> None:
    AssessmentEvent.objects.create(
        assessment=assessment,
        actor=actor,
        action=action,
        from_state=frm,
        to_state=to,
        note=note,
        data=data or {},
    )
    audit_record(
        action=f"assessment.{action}",
        actor=actor,
        context=context,
        obj=assessment,
        organization=assessment.contract.hospital,
        detail={"period": assessment.period, "rule": assessment.rule, "note": note, **(data or {})},
    )


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def not_signed(assessment: Assessment) -> None:
    if assessment.state == AssessmentState.SIGNED:
        raise ValidationError({"state": _("考核已签署，不能修改；请先重新打开。")})


def lock(assessment: Assessment) -> Assessment:
    row: Assessment = (
        Assessment.objects.select_for_update()
        .select_related("contract", "contract__hospital")
        .get(pk=assessment.pk)
    )
    return row


# -- computation ----------------------------------------------------------------------------------


def computed_lines(
    contract: Contract, start: Any, rule: dict[str, Any], facts: dict[str, Any]
) -> list[dd.Line]:
    """The late-response and vendor-fault lines of a period's facts, capped over the contract
    (what earlier periods' lines took counts against the cap)."""
    amount = Decimal(contract.amount)
    lines: list[dd.Line] = []
    earlier = DeductionLine.objects.filter(
        assessment__contract=contract, assessment__start__lt=start, waived=False
    )
    for d in rule.get("deductions") or []:
        if d["kind"] == "late_response":
            new = dd.late_response_lines(d, facts["late"].get(d["code"], {}).get("ids", []), amount)
        elif d["kind"] == "vendor_fault":
            new = dd.vendor_fault_lines(d, faults_of(facts))
        else:
            continue
        already = sum((x.amount for x in earlier if x.rule == d["code"]), dd.ZERO)
        lines += dd.apply_cap(d, new, amount, already=already)
    return lines


def grade(assessment: Assessment, rule: dict[str, Any]) -> None:
    """Grade each evaluation from its marks, the assessment from the lowest, and add or drop the
    failed-period line."""
    adverse = bool((assessment.facts.get("adverse_events") or {}).get("count"))
    base_rules = rule.get("grading")
    results = []
    for ev in assessment.evaluations.all():
        spec: dict[str, Any] = next((e for e in rule.get("evaluations") or [] if e["code"] == ev.code), {})
        data = spec.get("grading") or base_rules
        if not data:
            continue
        rules = grading.Rules.from_data(data)
        rows = list(ev.rows.values_list("result", flat=True))
        marked = [r for r in rows if r != SampleResult.PENDING]
        result = grading.evaluate(
            rules,
            code=ev.code,
            passed=sum(1 for r in marked if r == SampleResult.PASS),
            marked=len(marked),
            adverse_event=adverse,
        )
        ev.pass_percent = result.percent.quantize(Decimal("0.01")) if result.percent is not None else None
        ev.rate_grade_label = result.rate_grade.label if result.rate_grade else ""
        ev.grade = result.grade.code if result.grade else ""
        ev.grade_label = result.grade.label if result.grade else ""
        ev.save(update_fields=["pass_percent", "rate_grade_label", "grade", "grade_label"])
        results.append((rules, result.grade))
    if results:
        rules = results[0][0]
        low = grading.lowest(rules, [g for _r, g in results])
        assessment.grade = low.code if low else ""
        assessment.grade_label = low.label if low else ""
        assessment.passed = rules.passes(low.code) if low else None
    else:
        assessment.grade = ""
        assessment.passed = assessment.decided_passed
        assessment.grade_label = (
            "" if assessment.passed is None else (_("合格") if assessment.passed else _("不合格"))
        )
    contract = assessment.contract
    for d in rule.get("deductions") or []:
        if d["kind"] != "failed_period":
            continue
        key = f"{d['code']}:period"
        if assessment.passed is False:
            line = dd.failed_period_line(
                d, Decimal(contract.amount), KIND_MONTHS[str(rule["period"])], _contract_months(contract)
            )
            _store_lines(assessment, [line], keep_others=True)
        else:
            DeductionLine.objects.filter(assessment=assessment, key=key).delete()
    assessment.deduction_total = dd.yuan(
        sum((x.amount for x in assessment.deduction_lines.filter(waived=False)), dd.ZERO)
    )


def _contract_months(contract: Contract) -> int:
    """Whole months from the contract's start to the day after its last day (at least 1)."""
    after = contract.end + timedelta(days=1)
    return max((after.year - contract.start.year) * 12 + after.month - contract.start.month, 1)


def _store_lines(assessment: Assessment, lines: list[dd.Line], *, keep_others: bool = False) -> None:
    """Create or update the lines by key, keeping a waiver; drop computed lines no longer there."""
    existing = {x.key: x for x in assessment.deduction_lines.all()}
    wanted = {line.key: line for line in lines}
    if not keep_others:
        stale = [x.pk for k, x in existing.items() if k not in wanted and x.kind != "failed_period"]
        DeductionLine.objects.filter(pk__in=stale).delete()
    for key, line in wanted.items():
        row = existing.get(key) or DeductionLine(assessment=assessment, key=key)
        row.rule, row.rule_name, row.kind, row.basis = line.rule, line.rule_name, line.kind, line.basis
        row.tickets, row.amount, row.detail = list(line.tickets), line.amount, dict(line.detail)
        row.save()


def compute(assessment: Assessment, *, now: datetime | None = None) -> None:
    rule = rules_of(assessment)
    period = Period(assessment.period, assessment.start, assessment.end)
    assessment.facts = compute_facts(assessment.contract, period, rule.get("deductions") or [], now=now)
    assessment.computed_at = now or timezone.now()
    _store_lines(assessment, computed_lines(assessment.contract, assessment.start, rule, assessment.facts))
    grade(assessment, rule)
    assessment.save()


def assessment_preview(
    *, contract: Contract, period: str, rule: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The period's facts and deductions, computed and not stored (``weibao assess``): the counts,
    each deduction with its rule, amount (a decimal string in yuan) and tickets, and the total.
    The failed-period deduction needs a decided assessment, so it is not in a preview."""
    if rule is None:
        try:
            spec = default_rule(contract, parse_period(period))
        except PeriodError as exc:
            raise ValidationError({"period": _("考核期格式应为 2026Q3、2026H2、2026M07 或 2026。")}) from exc
    else:
        spec = assessment_rule(contract, rule)
    parsed, sequence = resolve_period(contract, spec, period)
    facts = compute_facts(contract, parsed, spec.get("deductions") or [], now=now)
    lines = computed_lines(contract, parsed.start, spec, facts)
    return {
        "contract": contract.code,
        "assessment": spec["code"],
        "period": parsed.code,
        "sequence": sequence,
        "start": parsed.start.isoformat(),
        "end": parsed.end.isoformat(),
        "facts": counts(facts),
        "deductions": [
            {
                "rule": line.rule,
                "name": line.rule_name,
                "amount": str(line.amount),
                "tickets": list(line.tickets),
                "basis": line.basis,
            }
            for line in lines
        ],
        "deduction_total": str(dd.total(lines)),
    }
