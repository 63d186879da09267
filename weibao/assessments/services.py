"""Writes of the assessments app: open an assessment, recompute it, the vendor's self-assessment,
the hospital's review and signature, reopening, termination. The sample, its marks and the
waivers are in :mod:`.marking`; payment records in :mod:`.paying`.

Every write asks :mod:`weibao.accounts.permissions`, runs in one transaction, appends to the
assessment's history and writes the audit record; the computation is :mod:`.computing`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract

from .choices import AssessmentState, SampleResult, TerminationState
from .computing import (
    assessment_rule,
    compute,
    default_rule,
    lock,
    not_signed,
    record_event,
    require,
    resolve_period,
    rules_of,
)
from .models import Assessment, Evaluation
from .periods import PeriodError, parse_period

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
        require(
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
        found: Assessment | None = Assessment.objects.filter(
            contract=contract, rule=spec["code"], period=parsed.code
        ).first()
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
        compute(assessment, now=now)
        record_event(assessment, actor, "open", to=assessment.state, context=context)
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
        require(permissions.can_prepare_assessment(actor, assessment.contract), _("没有权限重新计算此考核。"))
    with transaction.atomic():
        assessment = lock(assessment)
        not_signed(assessment)
        compute(assessment, now=now)
        record_event(
            assessment, actor, "refresh", context=context, data={"total": str(assessment.deduction_total)}
        )
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
    record_event(assessment, actor, action, frm=old, to=to, note=note, context=context)
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
    require(
        permissions.can_prepare_assessment(actor, assessment.contract),
        _("只有厂商项目经理或医院管理员可以提交自评。"),
    )
    with transaction.atomic():
        assessment = lock(assessment)
        compute(assessment, now=now)
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
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以评价考核。")
    )
    with transaction.atomic():
        assessment = lock(assessment)
        if not assessment.evaluations.exists():
            if passed is None:
                raise ValidationError({"passed": _("请选择考核是否合格。")})
            assessment.decided_passed = passed
        assessment.hospital_opinion = opinion.strip()
        compute(assessment, now=now)
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
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以签署考核。")
    )
    now = now or timezone.now()
    with transaction.atomic():
        assessment = lock(assessment)
        compute(assessment, now=now)
        adverse = bool(assessment.facts["adverse_events"]["count"])
        for ev in assessment.evaluations.all():
            rows = list(ev.rows.values_list("result", flat=True))
            if not adverse and (not rows or SampleResult.PENDING in rows):
                raise ValidationError({"sample": _("“%(n)s”的抽查样本尚未全部评价。") % {"n": ev.name}})
        if assessment.passed is None:
            raise ValidationError({"passed": _("考核结果尚未确定。")})
        _move(assessment, actor, "sign", {AssessmentState.REVIEWED}, AssessmentState.SIGNED, context=context)
        assessment.signed_at, assessment.signed_by = now, actor
        rule = rules_of(assessment)
        ends = any(d.get("terminates_contract") for d in rule.get("deductions") or [])
        if assessment.passed is False and ends and assessment.termination == TerminationState.NONE:
            assessment.termination = TerminationState.PROPOSED
        assessment.save()
    return assessment


def assessment_reopen(
    *, actor: User, assessment: Assessment, reason: str, context: AuditContext | None = None
) -> Assessment:
    """signed → reviewed, with a written reason; the history keeps the signature and the reason."""
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以重新打开考核。")
    )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重新打开的原因。")})
    with transaction.atomic():
        assessment = lock(assessment)
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
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以确认终止合同。")
    )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写理由。")})
    with transaction.atomic():
        assessment = lock(assessment)
        if assessment.termination != TerminationState.PROPOSED:
            raise ValidationError({"state": _("此考核没有待确认的终止。")})
        assessment.termination = TerminationState.CONFIRMED if confirm else TerminationState.DISMISSED
        assessment.termination_by = actor
        assessment.save(update_fields=["termination", "termination_by"])
        record_event(
            assessment, actor, "termination", note=reason.strip(), data={"confirm": confirm}, context=context
        )
    return assessment
