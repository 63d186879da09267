"""The period's 维保服务评价报告 among the deliverables: a deliverable whose code or name says
评价报告 (seed 003's 系统应用效果评价报告, 附件1) is printed by the assessments app
(:func:`weibao.assessments.report.evaluation_report_produce`) from the period's assessment.

Rules: the assessment is the contract's one whose period has the deliverable's length, for the
same period; when none is open it is opened (its facts and deductions computed), when it is open
and not signed its facts are recomputed first, and a signed one is printed as it was signed. The
deliverable is then recorded as produced, like the others, and the print is audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.assessments.choices import AssessmentState
from weibao.assessments.computing import default_rule
from weibao.assessments.models import Assessment
from weibao.assessments.periods import parse_period as assessment_period
from weibao.assessments.report import evaluation_report_produce
from weibao.assessments.services import assessment_open, assessment_refresh
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.documents.models import GeneratedDocument

from .periods import Period
from .schedule import Spec
from .services import mark_produced

WORDS = ("evaluation-report", "评价报告")


def is_evaluation_report(spec: Spec) -> bool:
    text = f"{spec.code} {spec.name}".lower()
    return spec.generator is None and any(word in text for word in WORDS)


def evaluation_report_build(
    *,
    actor: User | None,
    contract: Contract,
    spec: Spec,
    period: Period,
    context: AuditContext | None = None,
) -> GeneratedDocument:
    """Print and archive the period's 评价报告 and record the deliverable as produced.
    ``actor=None`` is the system (the CLI). Raises ValidationError when the contract has no
    assessment of the period's length or the period is outside it."""
    if actor is not None and not permissions.can_produce_deliverables(actor, contract):
        raise PermissionDenied(_("只有服务商人员和医院管理员可以生成交付物。"))
    rule = default_rule(contract, assessment_period(period.label))
    assessment = Assessment.objects.filter(contract=contract, rule=rule["code"], period=period.label).first()
    if assessment is None:
        assessment = assessment_open(
            actor=actor, contract=contract, period=period.label, rule=rule["code"], context=context
        )
    elif assessment.state != AssessmentState.SIGNED:
        assessment = assessment_refresh(actor=actor, assessment=assessment, context=context)
    document = evaluation_report_produce(actor=actor, assessment=assessment, context=context)
    with transaction.atomic():
        mark_produced(
            actor=actor,
            contract=contract,
            spec=spec,
            period=period.label,
            files={document.filename: document.sha256},
            context=context,
            assessment=assessment.pk,
        )
    return document
