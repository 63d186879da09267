"""API of the maintained-system inventory: systems, modules, interfaces, probe endpoints."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from weibao.audit.context import AuditContext
from weibao.core.api import Id, Pagination, get_visible, responses

from .. import services
from ..models import (
    Contract,
    Endpoint,
    Interface,
    MaintainedSystem,
    Module,
)
from .contracts import _org
from .schemas import (
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    InterfaceIn,
    InterfaceOut,
    InterfacePatch,
    ModuleIn,
    ModuleOut,
    ModulePatch,
    SystemIn,
    SystemOut,
    SystemPatch,
)

router = Router(tags=["inventory"])


# --- inventory ----------------------------------------------------------------------------------


def _update(obj: Any, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(obj, key, value)


@router.get("/systems", response=responses(_200=list[SystemOut]), summary="维保系统")
@paginate(Pagination)
def system_list(request, hospital_id: Id | None = None, contract_id: Id | None = None):
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
    return Status(
        201,
        services.system_save(actor=request.user, system=system, context=AuditContext.from_request(request)),
    )


@router.get("/systems/{system_id}", response=responses(_200=SystemOut), summary="维保系统详情")
def system_detail(request, system_id: Id):
    return get_visible(MaintainedSystem.objects, request.user, pk=system_id)


@router.patch("/systems/{system_id}", response=responses(_200=SystemOut), summary="修改维保系统")
def system_update(request, system_id: Id, payload: SystemPatch):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    fields = payload.dict(exclude_unset=True)
    if "contract_id" in fields and fields["contract_id"] is not None:
        contract = get_visible(Contract.objects, request.user, pk=fields.pop("contract_id"))
        system.contract, system.vendor = contract, contract.vendor
    if fields.get("kind"):
        fields["kind"] = payload.kind.value
    _update(system, fields)
    return services.system_save(actor=request.user, system=system, context=AuditContext.from_request(request))


@router.delete("/systems/{system_id}", response=responses(_204=None), summary="删除维保系统")
def system_delete(request, system_id: Id):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(MaintainedSystem.objects, request.user, pk=system_id),
        context=AuditContext.from_request(request),
    )
    return Status(204, None)


@router.get("/systems/{system_id}/modules", response=responses(_200=list[ModuleOut]), summary="模块")
def module_list(request, system_id: Id):
    return list(get_visible(MaintainedSystem.objects, request.user, pk=system_id).modules.all())


@router.post("/systems/{system_id}/modules", response=responses(_201=ModuleOut), summary="新增模块")
def module_create(request, system_id: Id, payload: ModuleIn):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    return Status(
        201,
        services.module_save(
            actor=request.user,
            module=Module(system=system, **payload.dict()),
            context=AuditContext.from_request(request),
        ),
    )


@router.get("/modules/{module_id}", response=responses(_200=ModuleOut), summary="模块详情")
def module_detail(request, module_id: Id):
    return get_visible(Module.objects, request.user, pk=module_id)


@router.patch("/modules/{module_id}", response=responses(_200=ModuleOut), summary="修改模块")
def module_update(request, module_id: Id, payload: ModulePatch):
    module = get_visible(Module.objects.select_related("system"), request.user, pk=module_id)
    _update(module, payload.dict(exclude_unset=True))
    return services.module_save(actor=request.user, module=module, context=AuditContext.from_request(request))


@router.delete("/modules/{module_id}", response=responses(_204=None), summary="删除模块")
def module_delete(request, module_id: Id):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(Module.objects.select_related("system"), request.user, pk=module_id),
        context=AuditContext.from_request(request),
    )
    return Status(204, None)


@router.get("/systems/{system_id}/interfaces", response=responses(_200=list[InterfaceOut]), summary="接口")
def interface_list(request, system_id: Id):
    return list(get_visible(MaintainedSystem.objects, request.user, pk=system_id).interfaces.all())


@router.post("/systems/{system_id}/interfaces", response=responses(_201=InterfaceOut), summary="新增接口")
def interface_create(request, system_id: Id, payload: InterfaceIn):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    data = payload.dict()
    data.update(direction=payload.direction.value, protocol=payload.protocol.value)
    module_id = data.pop("module_id")
    module = get_visible(Module.objects, request.user, pk=module_id) if module_id else None
    interface = Interface(system=system, module=module, **data)
    return Status(
        201,
        services.interface_save(
            actor=request.user, interface=interface, context=AuditContext.from_request(request)
        ),
    )


@router.get("/interfaces/{interface_id}", response=responses(_200=InterfaceOut), summary="接口详情")
def interface_detail(request, interface_id: Id):
    return get_visible(Interface.objects, request.user, pk=interface_id)


@router.patch("/interfaces/{interface_id}", response=responses(_200=InterfaceOut), summary="修改接口")
def interface_update(request, interface_id: Id, payload: InterfacePatch):
    interface = get_visible(Interface.objects.select_related("system"), request.user, pk=interface_id)
    fields = payload.dict(exclude_unset=True)
    for key in ("direction", "protocol"):
        if fields.get(key) is not None:
            fields[key] = getattr(payload, key).value
    _update(interface, fields)
    return services.interface_save(
        actor=request.user, interface=interface, context=AuditContext.from_request(request)
    )


@router.delete("/interfaces/{interface_id}", response=responses(_204=None), summary="删除接口")
def interface_delete(request, interface_id: Id):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(Interface.objects.select_related("system"), request.user, pk=interface_id),
        context=AuditContext.from_request(request),
    )
    return Status(204, None)


@router.get("/systems/{system_id}/endpoints", response=responses(_200=list[EndpointOut]), summary="探测端点")
def endpoint_list(request, system_id: Id):
    return list(get_visible(MaintainedSystem.objects, request.user, pk=system_id).endpoints.all())


@router.post("/systems/{system_id}/endpoints", response=responses(_201=EndpointOut), summary="新增探测端点")
def endpoint_create(request, system_id: Id, payload: EndpointIn):
    system = get_visible(MaintainedSystem.objects, request.user, pk=system_id)
    data = payload.dict()
    credential = data.pop("credential")
    interface_id = data.pop("interface_id")
    interface = get_visible(Interface.objects, request.user, pk=interface_id) if interface_id else None
    data["kind"] = payload.kind.value
    endpoint = Endpoint(system=system, interface=interface, **data)
    return Status(
        201,
        services.endpoint_save(
            actor=request.user,
            endpoint=endpoint,
            credential=credential,
            context=AuditContext.from_request(request),
        ),
    )


@router.get("/endpoints/{endpoint_id}", response=responses(_200=EndpointOut), summary="探测端点详情")
def endpoint_detail(request, endpoint_id: Id):
    return get_visible(Endpoint.objects, request.user, pk=endpoint_id)


@router.patch("/endpoints/{endpoint_id}", response=responses(_200=EndpointOut), summary="修改探测端点")
def endpoint_update(request, endpoint_id: Id, payload: EndpointPatch):
    endpoint = get_visible(Endpoint.objects.select_related("system"), request.user, pk=endpoint_id)
    fields = payload.dict(exclude_unset=True)
    credential = fields.pop("credential", None)
    _update(endpoint, fields)
    return services.endpoint_save(
        actor=request.user,
        endpoint=endpoint,
        credential=credential,
        context=AuditContext.from_request(request),
    )


@router.delete("/endpoints/{endpoint_id}", response=responses(_204=None), summary="删除探测端点")
def endpoint_delete(request, endpoint_id: Id):
    services.inventory_delete(
        actor=request.user,
        obj=get_visible(Endpoint.objects.select_related("system"), request.user, pk=endpoint_id),
        context=AuditContext.from_request(request),
    )
    return Status(204, None)
