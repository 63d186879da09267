"""API of the assessments: assessments (list, detail with facts, sample and deductions), the
writes of their life, and a contract's payment schedule. Money: not for department users."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Router, Schema

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.api import Flag, Id, decimal_type, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import marking, services
from .models import Assessment, DeductionLine, Evaluation, SampleRow
from .selectors import assessments_visible, payment_schedule

router = Router(tags=["assessments"])


def _money(user: Any) -> None:
    if not permissions.sees_contract_money(user):
        raise PermissionDenied(_("考核与付款不向科室用户开放。"))


class RowOut(Schema):
    id: int
    ticket_id: int
    position: int
    result: str
    reason: str


class AssessmentEvaluationOut(Schema):
    id: int
    code: str
    name: str
    evaluator: str
    seed: int | None
    size: int | None
    percent: Decimal | None
    population: int
    grade: str
    grade_label: str
    pass_percent: Decimal | None
    rows: list[RowOut]

    @staticmethod
    def resolve_rows(obj: Evaluation) -> list[SampleRow]:
        return list(obj.rows.all())


class LineOut(Schema):
    id: int
    rule: str
    rule_name: str
    kind: str
    basis: str
    tickets: list[int]
    amount: Decimal
    waived: bool
    waived_reason: str


class AssessmentOut(Schema):
    id: int
    contract_id: int
    rule: str
    rule_name: str
    period: str
    sequence: int
    start: date
    end: date
    state: str
    grade: str
    grade_label: str
    passed: bool | None
    deduction_total: Decimal
    termination: str
    signed_at: datetime | None


class AssessmentDetailOut(AssessmentOut):
    facts: dict[str, Any]
    evaluations: list[AssessmentEvaluationOut]
    deductions: list[LineOut]

    @staticmethod
    def resolve_evaluations(obj: Assessment) -> list[Evaluation]:
        return list(obj.evaluations.all())

    @staticmethod
    def resolve_deductions(obj: Assessment) -> list[DeductionLine]:
        return list(obj.deduction_lines.all())


class AssessmentFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    period: str | None = Field(None, max_length=16)
    state: Literal["draft", "submitted", "reviewed", "signed"] | None = None


assessments = ModelRoutes(
    router,
    "/assessments",
    Assessment.objects.select_related("contract"),
    AssessmentDetailOut,
    id="assessment_id",
    guard=_money,
)
assessments.list("考核列表", filters=AssessmentFilter)
assessments.detail("考核详情（事实、抽查、扣款）")


class OpenIn(Schema):
    period: str = Field(..., max_length=16, description="2026Q3、2026H2、2026M07 或 2026")
    rule: str | None = Field(None, max_length=48, description="合同模板中的考核代码；省略则按期间长度选择")


@router.post("/contracts/{contract_id}/assessments", response=responses(_200=AssessmentDetailOut))
def assessment_open(request: HttpRequest, contract_id: Id, payload: OpenIn) -> Assessment:
    """创建（或取得）合同某期的考核，并计算事实与扣款。"""
    _money(request.user)
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return services.assessment_open(
        actor=request.user,  # type: ignore[arg-type]
        contract=contract,
        period=payload.period.strip().upper(),
        rule=payload.rule,
        context=AuditContext.from_request(request),
    )


class ActIn(Schema):
    action: Literal["refresh", "submit", "review", "sign", "reopen"]
    note: str = Field("", max_length=4000)
    passed: Flag | None = None


@router.post("/assessments/{assessment_id}/actions", response=responses(_200=AssessmentDetailOut))
def assessment_act(request: HttpRequest, assessment_id: Id, payload: ActIn) -> Assessment:
    """考核状态：重新计算、厂商提交自评、医院评价、签署、重新打开。"""
    a = assessments.get(request, assessment_id)
    user: Any = request.user
    ctx = AuditContext.from_request(request)
    if payload.action == "refresh":
        return services.assessment_refresh(actor=user, assessment=a, context=ctx)
    if payload.action == "submit":
        return services.assessment_submit(actor=user, assessment=a, self_assessment=payload.note, context=ctx)
    if payload.action == "review":
        return services.assessment_review(
            actor=user, assessment=a, opinion=payload.note, passed=payload.passed, context=ctx
        )
    if payload.action == "sign":
        return services.assessment_sign(actor=user, assessment=a, context=ctx)
    return services.assessment_reopen(actor=user, assessment=a, reason=payload.note, context=ctx)


def _child(request: HttpRequest, queryset: Any, path: str, pk: int) -> Any:
    _money(request.user)
    row = queryset.filter(pk=pk, **{f"{path}__in": assessments_visible(request.user).values("pk")}).first()
    if row is None:
        raise Http404
    return row


class DrawIn(Schema):
    size: int | None = Field(None, ge=1, le=100000)
    percent: decimal_type(max_digits=5, decimal_places=2) | None = None  # type: ignore[valid-type]
    seed: int | None = Field(None, ge=0, le=2**63 - 1)


@router.post(
    "/assessment-evaluations/{evaluation_id}/sample", response=responses(_200=AssessmentEvaluationOut)
)
def sample_draw(request: HttpRequest, evaluation_id: Id, payload: DrawIn) -> Evaluation:
    """抽取（或重新抽取）一项评价的抽查样本；随机种子被记录，可复现。"""
    ev = _child(request, Evaluation.objects.select_related("assessment"), "assessment", evaluation_id)
    return marking.sample_draw(
        actor=request.user,  # type: ignore[arg-type]
        evaluation=ev,
        size=payload.size,
        percent=payload.percent,
        seed=payload.seed,
        context=AuditContext.from_request(request),
    )


class MarkIn(Schema):
    result: Literal["pass", "fail"]
    reason: str = Field("", max_length=2000)


@router.post("/assessment-samples/{row_id}/mark", response=responses(_200=RowOut))
def sample_mark(request: HttpRequest, row_id: Id, payload: MarkIn) -> SampleRow:
    """医院评价一张抽查工单：合格或不合格（需理由）。"""
    row = _child(
        request, SampleRow.objects.select_related("evaluation__assessment"), "evaluation__assessment", row_id
    )
    return marking.sample_mark(
        actor=request.user,  # type: ignore[arg-type]
        row=row,
        result=payload.result,
        reason=payload.reason,
        context=AuditContext.from_request(request),
    )


class WaiveIn(Schema):
    waive: Flag
    reason: str = Field(..., min_length=1, max_length=2000)


@router.post("/assessment-deductions/{line_id}/waive", response=responses(_200=LineOut))
def deduction_waive(request: HttpRequest, line_id: Id, payload: WaiveIn) -> DeductionLine:
    """免除（或恢复）一条扣款，须写明理由；记入审计。"""
    line = _child(request, DeductionLine.objects.select_related("assessment"), "assessment", line_id)
    return marking.deduction_waive(
        actor=request.user,  # type: ignore[arg-type]
        line=line,
        waive=payload.waive,
        reason=payload.reason,
        context=AuditContext.from_request(request),
    )


class GateOut(Schema):
    code: str
    label: str
    met: bool
    why: str
    clears: str
    computed: bool


class PaymentMilestoneOut(Schema):
    id: int
    code: str
    name: str
    status: str
    amount: Decimal
    deductions: Decimal
    payable: Decimal
    due_by: date | None
    terminate: bool
    gates: list[GateOut]
    invoice_number: str
    paid_on: date | None


@router.get("/contracts/{contract_id}/payments", response=responses(_200=list[PaymentMilestoneOut]))
def payments(request: HttpRequest, contract_id: Id) -> list[dict[str, Any]]:
    """合同的付款节点：条件、扣款、应付金额、发票与支付。"""
    _money(request.user)
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    out = []
    for row in payment_schedule(contract):
        s = row.state
        out.append(
            {
                "id": row.milestone.pk,
                "code": s.code,
                "name": s.name,
                "status": s.status,
                "amount": s.amount,
                "deductions": s.deductions,
                "payable": s.payable,
                "due_by": s.due_by,
                "terminate": s.terminate,
                "gates": [g.__dict__ for g in s.gates],
                "invoice_number": row.record.invoice_number if row.record else "",
                "paid_on": row.record.paid_on if row.record else None,
            }
        )
    return out


__all__ = ["router"]
