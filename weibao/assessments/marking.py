"""The hospital's evaluation of an assessment: draw the sample (reproducible from its recorded
seed), mark each sampled ticket pass or fail with a reason, waive or restore a deduction line with
a written reason. The vendor assessed may do none of these."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record

from . import sampling
from .choices import SampleResult
from .computing import grade, lock, not_signed, record_event, require, rules_of
from .models import DeductionLine, Evaluation, SampleRow

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
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以抽取样本。")
    )
    with transaction.atomic():
        assessment = lock(assessment)
        not_signed(assessment)
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
        grade(assessment, rules_of(assessment))
        assessment.save()
        record_event(
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
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以评价抽查样本。")
    )
    if result not in (SampleResult.PASS, SampleResult.FAIL):
        raise ValidationError({"result": _("请选择合格或不合格。")})
    if result == SampleResult.FAIL and not reason.strip():
        raise ValidationError({"reason": _("不合格请填写理由。")})
    with transaction.atomic():
        assessment = lock(assessment)
        not_signed(assessment)
        row.result, row.reason = result, reason.strip()
        row.marked_by, row.marked_at = actor, timezone.now()
        row.save(update_fields=["result", "reason", "marked_by", "marked_at"])
        grade(assessment, rules_of(assessment))
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
    require(
        permissions.can_evaluate_assessment(actor, assessment.contract), _("只有医院管理员可以免除扣款。")
    )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写理由。")})
    with transaction.atomic():
        assessment = lock(assessment)
        not_signed(assessment)
        line.waived = waive
        line.waived_reason = reason.strip() if waive else ""
        line.waived_by, line.waived_at = (actor, timezone.now()) if waive else (None, None)
        line.save(update_fields=["waived", "waived_reason", "waived_by", "waived_at"])
        grade(assessment, rules_of(assessment))
        assessment.save()
        record_event(
            assessment,
            actor,
            "waive" if waive else "unwaive",
            note=reason.strip(),
            context=context,
            data={"line": line.key, "amount": str(line.amount)},
        )
    return line
