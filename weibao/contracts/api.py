"""API of the contracts app: contracts, terms, severities, templates and the inventory."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from weibao.accounts.models import Organization
from weibao.audit.services import audit_record
from weibao.core.api import get_visible, responses

from . import services
from .models import (
    Contract,
    ContractStatus,
    DeductionRule,
    Endpoint,
    Interface,
    MaintainedSystem,
    Module,
    PaymentMilestone,
    ServiceTerm,
    Severity,
)
from .models.inventory import EndpointKind
from .template_loader import TemplateError, UnknownTemplateError, get_template, list_templates
from .template_schema import Category, Direction, Protocol, SystemKind

router = Router(tags=["contracts"])

TargetData = dict[str, Any] | None


class ContractOut(Schema):
    id: int
    code: str
    title: str
    hospital_id: int
    vendor_id: int
    start: date
    end: date
    amount: Decimal
    status: ContractStatus
    renewal_of_id: int | None
    template_code: str
    channels: list[str]
    support_lines: list[dict]
    contacts: list[dict]
    clock_rules: dict
    obligations: dict
    assessments: list[dict]
    subsystems: list[dict]
    renewal_rule: dict
    notes: str
    version: int


class ContractIn(Schema):
    code: str = Field(..., min_length=2, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]+$")
    title: str = Field(..., min_length=2, max_length=200)
    hospital_id: int
    vendor_id: int
    start: date
    end: date
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    status: ContractStatus = ContractStatus.DRAFT
    renewal_of_id: int | None = None
    notes: str = ""


class FromTemplateIn(Schema):
    template: str = Field(..., min_length=1, max_length=48)
    hospital_id: int
    vendor_id: int
    start: date
    end: date | None = None
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    code: str | None = Field(None, min_length=2, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]+$")
    title: str | None = Field(None, min_length=2, max_length=200)
    renewal_of_id: int | None = None


class ContractPatch(Schema):
    title: str | None = Field(None, min_length=2, max_length=200)
    start: date | None = None
    end: date | None = None
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    status: ContractStatus | None = None
    notes: str | None = None
    channels: list[str] | None = None
    version: int | None = Field(None, description="乐观锁：提交读取时的 version，被他人修改时返回 409")


class TermOut(Schema):
    id: int
    contract_id: int
    number: int
    group: str
    category: str
    item: str
    content: str
    mode_text: str
    response_text: str
    channels: list[str]
    response: TargetData
    onsite: TargetData
    resolution: TargetData
    escalate_onsite: TargetData
    separately_paid: bool


class TermIn(Schema):
    number: int | None = Field(None, ge=1, le=999)
    group: str = Field("", max_length=64)
    category: Category
    item: str = Field(..., min_length=1, max_length=128)
    content: str = Field(..., min_length=1)
    channels: list[str] = Field(default_factory=list)
    response: TargetData = None
    onsite: TargetData = None
    resolution: TargetData = None
    escalate_onsite: TargetData = None
    separately_paid: bool = False


class TermPatch(Schema):
    group: str | None = Field(None, max_length=64)
    category: Category | None = None
    item: str | None = Field(None, min_length=1, max_length=128)
    content: str | None = Field(None, min_length=1)
    channels: list[str] | None = None
    response: TargetData = None
    onsite: TargetData = None
    resolution: TargetData = None
    escalate_onsite: TargetData = None
    separately_paid: bool | None = None


class SeverityOut(Schema):
    id: int
    contract_id: int
    code: str
    label: str
    definition: str
    response: TargetData
    onsite: TargetData
    resolution: TargetData
    escalate_onsite: TargetData


class SeverityPatch(Schema):
    label: str | None = Field(None, min_length=1, max_length=32)
    definition: str | None = Field(None, min_length=1)
    response: TargetData = None
    onsite: TargetData = None
    resolution: TargetData = None
    escalate_onsite: TargetData = None


class MilestoneOut(Schema):
    id: int
    code: str
    name: str
    percent: Decimal | None
    amount: Decimal
    trigger: str
    assessment: str
    text: str


class DeductionOut(Schema):
    id: int
    code: str
    assessment: str
    kind: str
    name: str
    params: dict
    text: str


class TemplateBrief(Schema):
    code: str
    title: str


class SystemOut(Schema):
    id: int
    hospital_id: int
    campus_id: int | None
    contract_id: int | None
    vendor_id: int | None
    code: str
    name: str
    kind: str
    version: str
    description: str


class SystemIn(Schema):
    hospital_id: int
    campus_id: int | None = None
    contract_id: int | None = None
    code: str = Field(..., min_length=1, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(..., min_length=1, max_length=128)
    kind: SystemKind
    version: str = Field("", max_length=64)
    description: str = ""


class SystemPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: SystemKind | None = None
    version: str | None = Field(None, max_length=64)
    description: str | None = None
    contract_id: int | None = None


class ModuleOut(Schema):
    id: int
    system_id: int
    code: str
    name: str
    group: str
    description: str


class ModuleIn(Schema):
    code: str = Field("", max_length=48)
    name: str = Field(..., min_length=1, max_length=128)
    group: str = Field("", max_length=64)
    description: str = ""


class ModulePatch(Schema):
    code: str | None = Field(None, max_length=48)
    name: str | None = Field(None, min_length=1, max_length=128)
    group: str | None = Field(None, max_length=64)
    description: str | None = None


class InterfaceOut(Schema):
    id: int
    system_id: int
    module_id: int | None
    code: str
    name: str
    peer: str
    direction: str
    protocol: str
    description: str


class InterfaceIn(Schema):
    module_id: int | None = None
    code: str = Field(..., min_length=1, max_length=48)
    name: str = Field(..., min_length=1, max_length=128)
    peer: str = Field(..., min_length=1, max_length=128)
    direction: Direction
    protocol: Protocol
    description: str = ""


class InterfacePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    peer: str | None = Field(None, min_length=1, max_length=128)
    direction: Direction | None = None
    protocol: Protocol | None = None
    description: str | None = None


class EndpointOut(Schema):
    id: int
    system_id: int
    interface_id: int | None
    name: str
    kind: EndpointKind
    host: str
    port: int | None
    ae_title: str
    url: str
    dsn: str
    username: str
    has_credential: bool
    credential_hint: str


class EndpointIn(Schema):
    interface_id: int | None = None
    name: str = Field(..., min_length=1, max_length=128)
    kind: EndpointKind
    host: str = Field("", max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    ae_title: str = Field("", max_length=16)
    url: str = Field("", max_length=500)
    dsn: str = Field("", max_length=500)
    username: str = Field("", max_length=128)
    credential: str | None = Field(None, max_length=500, description="只写：加密保存，永不返回")


class EndpointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    host: str | None = Field(None, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    ae_title: str | None = Field(None, max_length=16)
    url: str | None = Field(None, max_length=500)
    dsn: str | None = Field(None, max_length=500)
    username: str | None = Field(None, max_length=128)
    credential: str | None = Field(None, max_length=500, description="只写：加密保存，永不返回")


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
@paginate(LimitOffsetPagination)
def contract_list(
    request,
    hospital_id: int | None = None,
    vendor_id: int | None = None,
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
        audit_record(action="contract.create", actor=request.user, request=request, obj=contract)
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
        request=request,
    )
    return Status(201, contract)


@router.get("/contracts/{contract_id}", response=responses(_200=ContractOut), summary="合同详情")
def contract_detail(request, contract_id: int):
    return get_visible(Contract.objects, request.user, pk=contract_id)


@router.patch("/contracts/{contract_id}", response=responses(_200=ContractOut), summary="修改合同")
def contract_update(request, contract_id: int, payload: ContractPatch):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    fields = payload.dict(exclude_none=True)
    version = fields.pop("version", None)
    try:
        return services.contract_update(
            actor=request.user, contract=contract, version=version, request=request, **fields
        )
    except ValidationError as exc:
        if getattr(exc, "error_dict", {}).get("version"):
            raise HttpError(409, exc.message_dict["version"][0]) from exc
        raise


@router.delete("/contracts/{contract_id}", response=responses(_204=None), summary="删除草稿合同")
def contract_delete(request, contract_id: int):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    services._require_manage(request.user, contract.hospital_id)
    if contract.status != ContractStatus.DRAFT:
        raise HttpError(400, _("只能删除草稿合同；履行中的合同请改为“已终止”。"))
    with transaction.atomic():
        audit_record(action="contract.delete", actor=request.user, request=request, obj=contract)
        contract.delete()
    return Status(204, None)


@router.get("/contracts/{contract_id}/terms", response=responses(_200=list[TermOut]), summary="服务项目")
def term_list(request, contract_id: int):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return list(contract.terms.all())


@router.post("/contracts/{contract_id}/terms", response=responses(_201=TermOut), summary="新增服务项目")
def term_create(request, contract_id: int, payload: TermIn):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    fields = payload.dict(exclude_none=True)
    fields["category"] = payload.category.value
    return Status(201, services.term_create(actor=request.user, contract=contract, request=request, **fields))


@router.get("/terms/{term_id}", response=responses(_200=TermOut), summary="服务项目详情")
def term_detail(request, term_id: int):
    return get_visible(ServiceTerm.objects, request.user, pk=term_id)


@router.patch("/terms/{term_id}", response=responses(_200=TermOut), summary="修改服务项目（含时限）")
def term_update(request, term_id: int, payload: TermPatch):
    term = get_visible(ServiceTerm.objects.select_related("contract"), request.user, pk=term_id)
    fields = payload.dict(exclude_unset=True)
    if "category" in fields and fields["category"] is not None:
        fields["category"] = payload.category.value
    return services.term_update(actor=request.user, term=term, request=request, **fields)


@router.delete("/terms/{term_id}", response=responses(_204=None), summary="删除服务项目")
def term_delete(request, term_id: int):
    term = get_visible(ServiceTerm.objects.select_related("contract"), request.user, pk=term_id)
    services.term_delete(actor=request.user, term=term, request=request)
    return Status(204, None)


@router.get(
    "/contracts/{contract_id}/severities", response=responses(_200=list[SeverityOut]), summary="故障等级"
)
def severity_list(request, contract_id: int):
    return list(get_visible(Contract.objects, request.user, pk=contract_id).severities.all())


@router.get("/severities/{severity_id}", response=responses(_200=SeverityOut), summary="故障等级详情")
def severity_detail(request, severity_id: int):
    return get_visible(Severity.objects, request.user, pk=severity_id)


@router.patch("/severities/{severity_id}", response=responses(_200=SeverityOut), summary="修改故障等级")
def severity_update(request, severity_id: int, payload: SeverityPatch):
    severity = get_visible(Severity.objects.select_related("contract"), request.user, pk=severity_id)
    return services.severity_update(
        actor=request.user, severity=severity, request=request, **payload.dict(exclude_unset=True)
    )


@router.get(
    "/contracts/{contract_id}/payment-milestones",
    response=responses(_200=list[MilestoneOut]),
    summary="付款节点",
)
def milestone_list(request, contract_id: int):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return list(PaymentMilestone.objects.filter(contract=contract))


@router.get(
    "/contracts/{contract_id}/deduction-rules",
    response=responses(_200=list[DeductionOut]),
    summary="扣款规则",
)
def deduction_list(request, contract_id: int):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return list(DeductionRule.objects.filter(contract=contract))


# --- inventory ----------------------------------------------------------------------------------


def _update(obj: Any, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(obj, key, value)


@router.get("/systems", response=responses(_200=list[SystemOut]), summary="维保系统")
@paginate(LimitOffsetPagination)
def system_list(request, hospital_id: int | None = None, contract_id: int | None = None):
    qs = MaintainedSystem.objects.visible_to(request.user)
    if hospital_id:
        qs = qs.filter(hospital_id=hospital_id)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs


@router.post("/systems", response=responses(_201=SystemOut), summary="新增维保系统")
def system_create(request, payload: SystemIn):
    hospital = _org(request.user, payload.hospital_id)
    data = payload.dict()
    data["kind"] = payload.kind.value
    contract = (
        get_visible(Contract.objects, request.user, pk=data.pop("contract_id"))
        if payload.contract_id
        else None
    )
    system = MaintainedSystem(
        **{k: v for k, v in data.items() if k != "hospital_id"},
        hospital=hospital,
        contract=contract,
        vendor=contract.vendor if contract else None,
    )
    if MaintainedSystem.objects.filter(hospital=hospital, code=payload.code).exists():
        raise ValidationError({"code": _("系统代码已存在。")})
    return Status(201, services.system_save(actor=request.user, system=system, request=request))


@router.get("/systems/{system_id}", response=responses(_200=SystemOut), summary="维保系统详情")
def system_detail(request, system_id: int):
    return get_visible(MaintainedSystem.objects, request.user, pk=system_id)


@router.patch("/systems/{system_id}", response=responses(_200=SystemOut), summary="修改维保系统")
def system_update(request, system_id: int, payload: SystemPatch):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    fields = payload.dict(exclude_unset=True)
    if "contract_id" in fields and fields["contract_id"] is not None:
        contract = get_visible(Contract.objects, request.user, pk=fields.pop("contract_id"))
        system.contract, system.vendor = contract, contract.vendor
    if fields.get("kind"):
        fields["kind"] = payload.kind.value
    _update(system, fields)
    return services.system_save(actor=request.user, system=system, request=request)


@router.delete("/systems/{system_id}", response=responses(_204=None), summary="删除维保系统")
def system_delete(request, system_id: int):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(MaintainedSystem.objects, request.user, pk=system_id),
        request=request,
    )
    return Status(204, None)


@router.get("/systems/{system_id}/modules", response=responses(_200=list[ModuleOut]), summary="模块")
def module_list(request, system_id: int):
    return list(get_visible(MaintainedSystem.objects, request.user, pk=system_id).modules.all())


@router.post("/systems/{system_id}/modules", response=responses(_201=ModuleOut), summary="新增模块")
def module_create(request, system_id: int, payload: ModuleIn):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    return Status(
        201,
        services.module_save(
            actor=request.user, module=Module(system=system, **payload.dict()), request=request
        ),
    )


@router.get("/modules/{module_id}", response=responses(_200=ModuleOut), summary="模块详情")
def module_detail(request, module_id: int):
    return get_visible(Module.objects, request.user, pk=module_id)


@router.patch("/modules/{module_id}", response=responses(_200=ModuleOut), summary="修改模块")
def module_update(request, module_id: int, payload: ModulePatch):
    module = get_visible(Module.objects.select_related("system"), request.user, pk=module_id)
    _update(module, payload.dict(exclude_unset=True))
    return services.module_save(actor=request.user, module=module, request=request)


@router.delete("/modules/{module_id}", response=responses(_204=None), summary="删除模块")
def module_delete(request, module_id: int):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(Module.objects.select_related("system"), request.user, pk=module_id),
        request=request,
    )
    return Status(204, None)


@router.get("/systems/{system_id}/interfaces", response=responses(_200=list[InterfaceOut]), summary="接口")
def interface_list(request, system_id: int):
    return list(get_visible(MaintainedSystem.objects, request.user, pk=system_id).interfaces.all())


@router.post("/systems/{system_id}/interfaces", response=responses(_201=InterfaceOut), summary="新增接口")
def interface_create(request, system_id: int, payload: InterfaceIn):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    data = payload.dict()
    data.update(direction=payload.direction.value, protocol=payload.protocol.value)
    module_id = data.pop("module_id")
    module = get_visible(Module.objects, request.user, pk=module_id) if module_id else None
    interface = Interface(system=system, module=module, **data)
    return Status(201, services.interface_save(actor=request.user, interface=interface, request=request))


@router.get("/interfaces/{interface_id}", response=responses(_200=InterfaceOut), summary="接口详情")
def interface_detail(request, interface_id: int):
    return get_visible(Interface.objects, request.user, pk=interface_id)


@router.patch("/interfaces/{interface_id}", response=responses(_200=InterfaceOut), summary="修改接口")
def interface_update(request, interface_id: int, payload: InterfacePatch):
    interface = get_visible(Interface.objects.select_related("system"), request.user, pk=interface_id)
    fields = payload.dict(exclude_unset=True)
    for key in ("direction", "protocol"):
        if fields.get(key) is not None:
            fields[key] = getattr(payload, key).value
    _update(interface, fields)
    return services.interface_save(actor=request.user, interface=interface, request=request)


@router.delete("/interfaces/{interface_id}", response=responses(_204=None), summary="删除接口")
def interface_delete(request, interface_id: int):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(Interface.objects.select_related("system"), request.user, pk=interface_id),
        request=request,
    )
    return Status(204, None)


@router.get("/systems/{system_id}/endpoints", response=responses(_200=list[EndpointOut]), summary="探测端点")
def endpoint_list(request, system_id: int):
    return list(get_visible(MaintainedSystem.objects, request.user, pk=system_id).endpoints.all())


@router.post("/systems/{system_id}/endpoints", response=responses(_201=EndpointOut), summary="新增探测端点")
def endpoint_create(request, system_id: int, payload: EndpointIn):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    data = payload.dict()
    credential = data.pop("credential")
    interface_id = data.pop("interface_id")
    interface = get_visible(Interface.objects, request.user, pk=interface_id) if interface_id else None
    data["kind"] = payload.kind.value
    endpoint = Endpoint(system=system, interface=interface, **data)
    return Status(
        201,
        services.endpoint_save(actor=request.user, endpoint=endpoint, credential=credential, request=request),
    )


@router.get("/endpoints/{endpoint_id}", response=responses(_200=EndpointOut), summary="探测端点详情")
def endpoint_detail(request, endpoint_id: int):
    return get_visible(Endpoint.objects, request.user, pk=endpoint_id)


@router.patch("/endpoints/{endpoint_id}", response=responses(_200=EndpointOut), summary="修改探测端点")
def endpoint_update(request, endpoint_id: int, payload: EndpointPatch):
    endpoint = get_visible(Endpoint.objects.select_related("system"), request.user, pk=endpoint_id)
    fields = payload.dict(exclude_unset=True)
    credential = fields.pop("credential", None)
    _update(endpoint, fields)
    return services.endpoint_save(
        actor=request.user, endpoint=endpoint, credential=credential, request=request
    )


@router.delete("/endpoints/{endpoint_id}", response=responses(_204=None), summary="删除探测端点")
def endpoint_delete(request, endpoint_id: int):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(Endpoint.objects.select_related("system"), request.user, pk=endpoint_id),
        request=request,
    )
    return Status(204, None)
