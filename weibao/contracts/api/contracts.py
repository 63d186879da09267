"""API of contracts: templates, contracts, service terms, severities, payments, deductions."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Router, Status
from ninja.errors import HttpError

from weibao.accounts import permissions
from weibao.accounts.models import Organization
from weibao.audit.context import AuditContext
from weibao.core.api import Id, get_visible, responses
from weibao.core.api_crud import ModelRoutes, paginated

from .. import services
from ..models import (
    Contract,
    ContractStatus,
    DeductionRule,
    PaymentMilestone,
    ServiceTerm,
    Severity,
    local_day,
    status_q,
)
from ..template_loader import TemplateError, UnknownTemplateError, get_template, list_templates
from .schemas import (
    ContractIn,
    ContractOut,
    ContractPatch,
    DeductionOut,
    FromTemplateIn,
    MilestoneOut,
    SeverityOut,
    SeverityPatch,
    TemplateBrief,
    TermIn,
    TermOut,
    TermPatch,
)

router = Router(tags=["contracts"])


def _org(user, pk: int) -> Organization:
    return get_visible(Organization.objects, user, pk=pk)


def _vendor(pk: int) -> Organization:
    """Any active vendor may be contracted: a hospital signs with vendors it has no contract with
    yet, and a vendor's name is no secret."""
    vendor = Organization.objects.filter(pk=pk, kind="vendor", is_active=True).first()
    if vendor is None:
        raise HttpError(404, _("未找到该厂商。"))
    return vendor


# --- templates ----------------------------------------------------------------------------------


@router.get("/contract-templates", response=responses(_200=list[TemplateBrief]), summary="合同模板")
def template_list(request):
    return [{"code": code, "title": title} for code, title in list_templates()]


@router.get("/contract-templates/{template_code}", response=responses(_200=dict), summary="合同模板（JSON）")
def template_detail(request, template_code: str):
    try:
        return get_template(template_code).model_dump(mode="json")
    except UnknownTemplateError as exc:
        raise HttpError(404, str(exc)) from exc


# --- contracts ----------------------------------------------------------------------------------


class ContractFilter(FilterSchema):
    hospital_id: Id | None = None
    vendor_id: Id | None = None
    status: ContractStatus | None = Field(None, description="今日状态（未生效、履行中、已到期按日期）")

    def filter_status(self, value: ContractStatus | None) -> Q:
        return status_q(value, local_day()) if value else Q()


contracts = ModelRoutes(router, "/contracts", Contract.objects, ContractOut, id="contract_id")
contracts.list("合同列表", filters=ContractFilter)


def _renewal_of(request, pk: int | None) -> Contract | None:
    return contracts.get(request, pk) if pk else None


@contracts.create(ContractIn, "新建合同（无条款）")
def contract_create(request, payload: ContractIn):
    return services.contract_create(
        actor=request.user,
        hospital=_org(request.user, payload.hospital_id),
        vendor=_vendor(payload.vendor_id),
        code=payload.code,
        title=payload.title,
        start=payload.start,
        end=payload.end,
        amount=payload.amount,
        status=payload.status,
        renewal_of=_renewal_of(request, payload.renewal_of_id),
        notes=payload.notes,
        context=AuditContext.from_request(request),
    )


# Before the routes of /contracts/{contract_id}, which would take "from-template" for an id.
@router.post("/contracts/from-template", response=responses(_201=ContractOut), summary="按模板新建合同")
def contract_from_template(request, payload: FromTemplateIn):
    try:
        template = get_template(payload.template)
    except UnknownTemplateError as exc:
        raise HttpError(404, str(exc)) from exc
    except TemplateError as exc:
        raise HttpError(400, str(exc)) from exc
    hospital = _org(request.user, payload.hospital_id)
    vendor = _vendor(payload.vendor_id)
    contract = services.contract_create_from_template(
        actor=request.user,
        template=template,
        hospital=hospital,
        vendor=vendor,
        start=payload.start,
        end=payload.end,
        amount=payload.amount,
        code=payload.code,
        title=payload.title,
        renewal_of=_renewal_of(request, payload.renewal_of_id),
        context=AuditContext.from_request(request),
    )
    return Status(201, contract)


contracts.detail("合同详情")


@contracts.update(ContractPatch, "修改合同")
def contract_update(request, contract: Contract, payload: ContractPatch):
    fields = payload.dict(exclude_none=True)
    version = fields.pop("version", None)
    try:
        return services.contract_update(
            actor=request.user,
            contract=contract,
            version=version,
            context=AuditContext.from_request(request),
            **fields,
        )
    except ValidationError as exc:
        if getattr(exc, "error_dict", {}).get("version"):
            raise HttpError(409, exc.message_dict["version"][0]) from exc
        raise


@contracts.delete("删除草稿合同")
def contract_delete(request, contract: Contract):
    services.contract_delete(
        actor=request.user, contract=contract, context=AuditContext.from_request(request)
    )


@router.get("/contracts/{contract_id}/terms", response=responses(_200=list[TermOut]), summary="服务项目")
@paginated
def term_list(request, contract_id: Id):
    return contracts.get(request, contract_id).terms.all()


@router.post("/contracts/{contract_id}/terms", response=responses(_201=TermOut), summary="新增服务项目")
def term_create(request, contract_id: Id, payload: TermIn):
    contract = contracts.get(request, contract_id)
    fields = payload.dict(exclude_none=True)
    fields["category"] = payload.category.value
    return Status(
        201,
        services.term_create(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **fields
        ),
    )


terms = ModelRoutes(router, "/terms", ServiceTerm.objects.select_related("contract"), TermOut, id="term_id")
terms.detail("服务项目详情")


@terms.update(TermPatch, "修改服务项目（含时限）")
def term_update(request, term: ServiceTerm, payload: TermPatch):
    fields = payload.dict(exclude_unset=True)
    if "category" in fields and fields["category"] is not None:
        fields["category"] = payload.category.value
    return services.term_update(
        actor=request.user, term=term, context=AuditContext.from_request(request), **fields
    )


@terms.delete("删除服务项目")
def term_delete(request, term: ServiceTerm):
    services.term_delete(actor=request.user, term=term, context=AuditContext.from_request(request))


@router.get(
    "/contracts/{contract_id}/severities", response=responses(_200=list[SeverityOut]), summary="故障等级"
)
@paginated
def severity_list(request, contract_id: Id):
    return contracts.get(request, contract_id).severities.all()


severities = ModelRoutes(
    router, "/severities", Severity.objects.select_related("contract"), SeverityOut, id="severity_id"
)
severities.detail("故障等级详情")


@severities.update(SeverityPatch, "修改故障等级")
def severity_update(request, severity: Severity, payload: SeverityPatch):
    return services.severity_update(
        actor=request.user,
        severity=severity,
        context=AuditContext.from_request(request),
        **payload.dict(exclude_unset=True),
    )


@router.get(
    "/contracts/{contract_id}/payment-milestones",
    response=responses(_200=list[MilestoneOut]),
    summary="付款节点",
)
@paginated
def milestone_list(request, contract_id: Id):
    _require_money(request)
    return PaymentMilestone.objects.filter(contract=contracts.get(request, contract_id))


@router.get(
    "/contracts/{contract_id}/deduction-rules",
    response=responses(_200=list[DeductionOut]),
    summary="扣款规则",
)
@paginated
def deduction_list(request, contract_id: Id):
    _require_money(request)
    return DeductionRule.objects.filter(contract=contracts.get(request, contract_id))


def _require_money(request) -> None:
    if not permissions.sees_contract_money(request.user):
        raise PermissionDenied(_("科室用户不能查看合同金额、付款与扣款。"))
