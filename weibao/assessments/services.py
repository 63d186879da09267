"""Writes of the assessments app: open an assessment, recompute it, the vendor's self-assessment,
the hospital's sample, marks, waivers, review and signature, reopening, termination.

Every write asks :mod:`weibao.accounts.permissions`, runs in one transaction, appends to the
assessment's history and writes the audit record. The rules themselves are the pure modules
(:mod:`.periods`, :mod:`.grading`, :mod:`.sampling`, :mod:`.deductions`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.contracts.models import Contract

from . import deductions as dd
from . import grading, sampling
from .choices import AssessmentState, SampleResult, TerminationState
from .facts import compute_facts, faults_of
from .models import Assessment, AssessmentEvent, DeductionLine, Evaluation, SampleRow
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


def _rules_of(assessment: Assessment) -> dict[str, Any]:
    return assessment_rule(assessment.contract, assessment.rule)


def _event(
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


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _not_signed(assessment: Assessment) -> None:
    if assessment.state == AssessmentState.SIGNED:
        raise ValidationError({"state": _("考核已签署，不能修改；请先重新打开。")})


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("contract", "contract__hospital")
        .get(pk=assessment.pk)
    )


# -- computation ----------------------------------------------------------------------------------


def _computed_lines(assessment: Assessment, rule: dict[str, Any], facts: dict[str, Any]) -> list[dd.Line]:
    contract = assessment.contract
    amount = Decimal(contract.amount)
    lines: list[dd.Line] = []
    earlier = DeductionLine.objects.filter(
        assessment__contract=contract, assessment__start__lt=assessment.start, waived=False
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


def _grade(assessment: Assessment, rule: dict[str, Any]) -> None:
    """Grade each evaluation from its marks, the assessment from the lowest, and add or drop the
    failed-period line."""
    adverse = bool((assessment.facts.get("adverse_events") or {}).get("count"))
    base_rules = rule.get("grading")
    results = []
    for ev in assessment.evaluations.all():
        spec = next((e for e in rule.get("evaluations") or [] if e["code"] == ev.code), {})
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


def _compute(assessment: Assessment, *, now: datetime | None = None) -> None:
    rule = _rules_of(assessment)
    period = Period(assessment.period, assessment.start, assessment.end)
    assessment.facts = compute_facts(assessment.contract, period, rule.get("deductions") or [], now=now)
    assessment.computed_at = now or timezone.now()
    _store_lines(assessment, _computed_lines(assessment, rule, assessment.facts))
    _grade(assessment, rule)
    assessment.save()


# -- the life of an assessment --------------------------------------------------------------------


def assessment_open(
    *,
    actor: User | None,
    contract: Contract,
    period: str,
    rule: str | None = None,
    now: datetime | None = None,
    context: AuditContext | None = None,
) -> Assessment:
    """The contract's assessment for ``period`` (created with its facts and deductions if new)."""
    if actor is not None:
        _require(
            permissions.can_prepare_assessment(actor, contract),
            _("只有医院管理员或厂商项目经理可以创建考核。"),
        )
    if rule is None:
        try:
            spec = default_rule(contract, parse_period(period))
        except PeriodError as exc:
            raise ValidationError({"period": _("考核期格式应为 2026Q3、2026H2、2026M07 或 2026。")}) from exc
    else:
        spec = assessment_rule(contract, rule)
    parsed, sequence = resolve_period(contract, spec, period)
    with transaction.atomic():
        found = Assessment.objects.filter(contract=contract, rule=spec["code"], period=parsed.code).first()
        if found is not None:
            return found
        assessment = Assessment.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            rule=spec["code"],
            rule_name=spec["name"],
            period=parsed.code,
            sequence=sequence,
            start=parsed.start,
            end=parsed.end,
        )
        evaluations = spec.get("evaluations") or (
            [{"code": "overall", "name": spec["name"], "evaluator": "hospital_it"}]
            if spec.get("grading")
            else []
        )
        default = spec.get("sampling") or {}
        for i, e in enumerate(evaluations):
            own = e.get("sampling") or default
            Evaluation.objects.create(
                assessment=assessment,
                code=e["code"],
                name=e["name"],
                evaluator=e.get("evaluator") or "",
                position=i,
                size=own.get("size"),
                percent=own.get("percent"),
            )
        _compute(assessment, now=now)
        _event(assessment, actor, "open", to=assessment.state, context=context)
    return assessment


def assessment_refresh(
    *,
    actor: User | None,
    assessment: Assessment,
    now: datetime | None = None,
    context: AuditContext | None = None,
) -> Assessment:
    """Recompute the facts and deductions (not once signed)."""
    if actor is not None:
        _require(
            permissions.can_prepare_assessment(actor, assessment.contract), _("没有权限重新计算此考核。")
        )
    with transaction.atomic():
        assessment = _lock(assessment)
        _not_signed(assessment)
        _compute(assessment, now=now)
        _event(assessment, actor, "refresh", context=context, data={"total": str(assessment.deduction_total)})
    return assessment


def _move(
    assessment: Assessment,
    actor: User | None,
    action: str,
    frm: set[str],
    to: str,
    *,
    note: str = "",
    context: AuditContext | None = None,
) -> Assessment:
    if assessment.state not in frm:
        raise ValidationError(
            {"state": _("当前状态“%(s)s”不能执行此操作。") % {"s": assessment.get_state_display()}}
        )
    old = assessment.state
    assessment.state = to
    assessment.version += 1
    _event(assessment, actor, action, frm=old, to=to, note=note, context=context)
    return assessment


def assessment_submit(
    *,
    actor: User,
    assessment: Assessment,
    self_assessment: str,
    now: datetime | None = None,
    context: AuditContext | None = None,
) -> Assessment:
    """The vendor's self-assessment: draft → submitted."""
    _require(
        permissions.can_prepare_assessment(actor, assessment.contract),
        _("只有厂商项目经理或医院管理员可以提交自评。"),
    )
    with transaction.atomic():
        assessment = _lock(assessment)
        _compute(assessment, now=now)
        assessment.self_assessment = self_assessment.strip()
        _move(
            assessment,
            actor,
            "submit",
            {AssessmentState.DRAFT},
            AssessmentState.SUBMITTED,
            note=assessment.self_assessment,
            context=context,
        )
        assessment.save()
    return assessment


def assessment_review(
    *,
    actor: User,
    assessment: Assessment,
    opinion: str = "",
    passed: bool | None = None,
    now: datetime | None = None,
    context: AuditContext | None = None,
) -> Assessment:
    """The hospital's evaluation: (draft, submitted or again) → reviewed. An assessment without grading
    needs the hospital's decision ``passed``."""
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以评价考核。")
    )
    with transaction.atomic():
        assessment = _lock(assessment)
        if not assessment.evaluations.exists():
            if passed is None:
                raise ValidationError({"passed": _("请选择考核是否合格。")})
            assessment.decided_passed = passed
        assessment.hospital_opinion = opinion.strip()
        _compute(assessment, now=now)
        _move(
            assessment,
            actor,
            "review",
            {AssessmentState.DRAFT, AssessmentState.SUBMITTED, AssessmentState.REVIEWED},
            AssessmentState.REVIEWED,
            note=assessment.hospital_opinion,
            context=context,
        )
        assessment.save()
    return assessment


def assessment_sign(
    *, actor: User, assessment: Assessment, now: datetime | None = None, context: AuditContext | None = None
) -> Assessment:
    """reviewed → signed: frozen. Every evaluation needs a drawn, fully marked sample (unless an
    adverse event decides the grade). A failed period whose rule ends the contract flags it for
    termination, which a person then confirms."""
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以签署考核。")
    )
    now = now or timezone.now()
    with transaction.atomic():
        assessment = _lock(assessment)
        _compute(assessment, now=now)
        adverse = bool(assessment.facts["adverse_events"]["count"])
        for ev in assessment.evaluations.all():
            rows = list(ev.rows.values_list("result", flat=True))
            if not adverse and (not rows or SampleResult.PENDING in rows):
                raise ValidationError({"sample": _("“%(n)s”的抽查样本尚未全部评价。") % {"n": ev.name}})
        if assessment.passed is None:
            raise ValidationError({"passed": _("考核结果尚未确定。")})
        _move(assessment, actor, "sign", {AssessmentState.REVIEWED}, AssessmentState.SIGNED, context=context)
        assessment.signed_at, assessment.signed_by = now, actor
        rule = _rules_of(assessment)
        ends = any(d.get("terminates_contract") for d in rule.get("deductions") or [])
        if assessment.passed is False and ends and assessment.termination == TerminationState.NONE:
            assessment.termination = TerminationState.PROPOSED
        assessment.save()
    return assessment


def assessment_reopen(
    *, actor: User, assessment: Assessment, reason: str, context: AuditContext | None = None
) -> Assessment:
    """signed → reviewed, with a written reason; the history keeps the signature and the reason."""
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以重新打开考核。")
    )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重新打开的原因。")})
    with transaction.atomic():
        assessment = _lock(assessment)
        _move(
            assessment,
            actor,
            "reopen",
            {AssessmentState.SIGNED},
            AssessmentState.REVIEWED,
            note=reason.strip(),
            context=context,
        )
        assessment.signed_at = None
        assessment.signed_by = None
        assessment.save()
    return assessment


def termination_decide(
    *, actor: User, assessment: Assessment, confirm: bool, reason: str, context: AuditContext | None = None
) -> Assessment:
    """A person confirms (or dismisses) the termination a failed period proposed."""
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以确认终止合同。")
    )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写理由。")})
    with transaction.atomic():
        assessment = _lock(assessment)
        if assessment.termination != TerminationState.PROPOSED:
            raise ValidationError({"state": _("此考核没有待确认的终止。")})
        assessment.termination = TerminationState.CONFIRMED if confirm else TerminationState.DISMISSED
        assessment.termination_by = actor
        assessment.save(update_fields=["termination", "termination_by"])
        _event(
            assessment, actor, "termination", note=reason.strip(), data={"confirm": confirm}, context=context
        )
    return assessment


# -- the sample -----------------------------------------------------------------------------------


def sample_draw(
    *,
    actor: User,
    evaluation: Evaluation,
    size: int | None = None,
    percent: Decimal | None = None,
    seed: int | None = None,
    context: AuditContext | None = None,
) -> Evaluation:
    """Draw (or draw again) the evaluation's sample from the period's closed tickets."""
    assessment = evaluation.assessment
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以抽取样本。")
    )
    with transaction.atomic():
        assessment = _lock(assessment)
        _not_signed(assessment)
        population = assessment.facts["closed"]["ids"]
        if not population:
            raise ValidationError({"size": _("本期没有已关闭的工单可供抽查。")})
        seed = sampling.new_seed() if seed is None else seed
        try:
            drawn = sampling.draw(population, seed=seed, size=size, percent=percent)
        except sampling.SamplingError as exc:
            raise ValidationError({"size": _("请填写抽查数量（≥1）或抽查比例（0–100%）之一。")}) from exc
        evaluation.rows.all().delete()
        SampleRow.objects.bulk_create(
            SampleRow(evaluation=evaluation, ticket_id=t, position=i) for i, t in enumerate(drawn, start=1)
        )
        evaluation.seed, evaluation.size, evaluation.percent = seed, size, percent
        evaluation.population, evaluation.drawn_at, evaluation.drawn_by = (
            len(population),
            timezone.now(),
            actor,
        )
        evaluation.save()
        _grade(assessment, _rules_of(assessment))
        assessment.save()
        _event(
            assessment,
            actor,
            "sample",
            context=context,
            data={"evaluation": evaluation.code, "seed": seed, "drawn": len(drawn)},
        )
    return evaluation


def sample_mark(
    *, actor: User, row: SampleRow, result: str, reason: str = "", context: AuditContext | None = None
) -> SampleRow:
    """The hospital marks one sampled ticket pass or fail; a fail needs a reason."""
    assessment = row.evaluation.assessment
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以评价抽查样本。")
    )
    if result not in (SampleResult.PASS, SampleResult.FAIL):
        raise ValidationError({"result": _("请选择合格或不合格。")})
    if result == SampleResult.FAIL and not reason.strip():
        raise ValidationError({"reason": _("不合格请填写理由。")})
    with transaction.atomic():
        assessment = _lock(assessment)
        _not_signed(assessment)
        row.result, row.reason = result, reason.strip()
        row.marked_by, row.marked_at = actor, timezone.now()
        row.save(update_fields=["result", "reason", "marked_by", "marked_at"])
        _grade(assessment, _rules_of(assessment))
        assessment.save()
        audit_record(
            action="assessment.mark",
            actor=actor,
            context=context,
            obj=assessment,
            organization=assessment.contract.hospital,
            detail={"ticket": row.ticket_id, "result": result, "reason": row.reason},
        )
    return row


# -- deductions -----------------------------------------------------------------------------------


def deduction_waive(
    *, actor: User, line: DeductionLine, waive: bool, reason: str, context: AuditContext | None = None
) -> DeductionLine:
    """Waive (or restore) one deduction line, with a written reason; audited."""
    assessment = line.assessment
    _require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以免除扣款。")
    )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写理由。")})
    with transaction.atomic():
        assessment = _lock(assessment)
        _not_signed(assessment)
        line.waived = waive
        line.waived_reason = reason.strip() if waive else ""
        line.waived_by, line.waived_at = (actor, timezone.now()) if waive else (None, None)
        line.save(update_fields=["waived", "waived_reason", "waived_by", "waived_at"])
        _grade(assessment, _rules_of(assessment))
        assessment.save()
        _event(
            assessment,
            actor,
            "waive" if waive else "unwaive",
            note=reason.strip(),
            context=context,
            data={"line": line.key, "amount": str(line.amount)},
        )
    return line
