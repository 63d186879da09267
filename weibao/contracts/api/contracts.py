"""API of contracts: templates, contracts, service terms, severities, payments, deductions."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from weibao.accounts.models import Organization
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.core.api import Id, Pagination, get_visible, responses

from .. import services
from ..models import (
    Contract,
    ContractStatus,
    DeductionRule,
    PaymentMilestone,
    ServiceTerm,
    Severity,
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


@router.get("/contracts", response=responses(_200=list[ContractOut]), summary="合同列表")
@paginate(Pagination)
def contract_list(
    request,
    hospital_id: Id | None = None,
    vendor_id: Id | None = None,
    status: ContractStatus | None = None,
):
    qs = Contract.objects.visible_to(request.user)
    if hospital_id:
        qs = qs.filter(hospital_id=hospital_id)
    if vendor_id:
        qs = qs.filter(vendor_id=vendor_id)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/contracts", response=responses(_201=ContractOut), summary="新建合同（无条款）")
def contract_create(request, payload: ContractIn):
    hospital = _org(request.user, payload.hospital_id)
    vendor = _vendor(payload.vendor_id)
    services._require_manage(request.user, hospital.pk)
    services._check_parties(hospital, vendor)
    if payload.end < payload.start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    if Contract.objects.filter(code=payload.code).exists():
        raise ValidationError({"code": _("合同编号已存在。")})
    renewal_of = (
        get_visible(Contract.objects, request.user, pk=payload.renewal_of_id)
        if payload.renewal_of_id
        else None
    )
    with transaction.atomic():
        contract = Contract.objects.create(
            code=payload.code,
            title=payload.title,
            hospital=hospital,
            vendor=vendor,
            start=payload.start,
            end=payload.end,
            amount=payload.amount,
            status=payload.status,
            renewal_of=renewal_of,
            notes=payload.notes,
            created_by=request.user,
        )
        audit_record(
            action="contract.create",
            actor=request.user,
            context=AuditContext.from_request(request),
            obj=contract,
        )
    return Status(201, contract)


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
    renewal_of = (
        get_visible(Contract.objects, request.user, pk=payload.renewal_of_id)
        if payload.renewal_of_id
        else None
    )
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
        renewal_of=renewal_of,
        context=AuditContext.from_request(request),
    )
    return Status(201, contract)


@router.get("/contracts/{contract_id}", response=responses(_200=ContractOut), summary="合同详情")
def contract_detail(request, contract_id: Id):
    return get_visible(Contract.objects, request.user, pk=contract_id)


@router.patch("/contracts/{contract_id}", response=responses(_200=ContractOut), summary="修改合同")
def contract_update(request, contract_id: Id, payload: ContractPatch):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
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


@router.delete("/contracts/{contract_id}", response=responses(_204=None), summary="删除草稿合同")
def contract_delete(request, contract_id: Id):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    services._require_manage(request.user, contract.hospital_id)
    if contract.status != ContractStatus.DRAFT:
        raise HttpError(400, _("只能删除草稿合同；履行中的合同请改为“已终止”。"))
    with transaction.atomic():
        audit_record(
            action="contract.delete",
            actor=request.user,
            context=AuditContext.from_request(request),
            obj=contract,
        )
        contract.delete()
    return Status(204, None)


@router.get("/contracts/{contract_id}/terms", response=responses(_200=list[TermOut]), summary="服务项目")
def term_list(request, contract_id: Id):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return list(contract.terms.all())


@router.post("/contracts/{contract_id}/terms", response=responses(_201=TermOut), summary="新增服务项目")
def term_create(request, contract_id: Id, payload: TermIn):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    fields = payload.dict(exclude_none=True)
    fields["category"] = payload.category.value
    return Status(
        201,
        services.term_create(
            actor=request.user, contract=contract, context=AuditContext.from_request(request), **fields
        ),
    )


@router.get("/terms/{term_id}", response=responses(_200=TermOut), summary="服务项目详情")
def term_detail(request, term_id: Id):
    return get_visible(ServiceTerm.objects, request.user, pk=term_id)


@router.patch("/terms/{term_id}", response=responses(_200=TermOut), summary="修改服务项目（含时限）")
def term_update(request, term_id: Id, payload: TermPatch):
    term = get_visible(ServiceTerm.objects.select_related("contract"), request.user, pk=term_id)
    fields = payload.dict(exclude_unset=True)
    if "category" in fields and fields["category"] is not None:
        fields["category"] = payload.category.value
    return services.term_update(
        actor=request.user, term=term, context=AuditContext.from_request(request), **fields
    )


@router.delete("/terms/{term_id}", response=responses(_204=None), summary="删除服务项目")
def term_delete(request, term_id: Id):
    term = get_visible(ServiceTerm.objects.select_related("contract"), request.user, pk=term_id)
    services.term_delete(actor=request.user, term=term, context=AuditContext.from_request(request))
    return Status(204, None)


@router.get(
    "/contracts/{contract_id}/severities", response=responses(_200=list[SeverityOut]), summary="故障等级"
)
def severity_list(request, contract_id: Id):
    return list(get_visible(Contract.objects, request.user, pk=contract_id).severities.all())


@router.get("/severities/{severity_id}", response=responses(_200=SeverityOut), summary="故障等级详情")
def severity_detail(request, severity_id: Id):
    return get_visible(Severity.objects, request.user, pk=severity_id)


@router.patch("/severities/{severity_id}", response=responses(_200=SeverityOut), summary="修改故障等级")
def severity_update(request, severity_id: Id, payload: SeverityPatch):
    severity = get_visible(Severity.objects.select_related("contract"), request.user, pk=severity_id)
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
def milestone_list(request, contract_id: Id):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return list(PaymentMilestone.objects.filter(contract=contract))


@router.get(
    "/contracts/{contract_id}/deduction-rules",
    response=responses(_200=list[DeductionOut]),
    summary="扣款规则",
)
def deduction_list(request, contract_id: Id):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return list(DeductionRule.objects.filter(contract=contract))
