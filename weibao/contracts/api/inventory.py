"""API of the maintained-system inventory: systems, modules, interfaces, probe endpoints."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import FilterSchema, Router, Status

from weibao.audit.context import AuditContext
from weibao.core.api import Id, get_visible, responses
from weibao.core.api_crud import ModelRoutes, paginated

from .. import inventory as services
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


class SystemFilter(FilterSchema):
    hospital_id: Id | None = None
    contract_id: Id | None = None


systems = ModelRoutes(router, "/systems", MaintainedSystem.objects, SystemOut, id="system_id")
systems.list("维保系统", filters=SystemFilter)
systems.detail("维保系统详情")


@systems.create(SystemIn, "新增维保系统")
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
    return services.system_save(actor=request.user, system=system, context=AuditContext.from_request(request))


@systems.update(SystemPatch, "修改维保系统")
def system_update(request, system: MaintainedSystem, payload: SystemPatch):
    fields = payload.dict(exclude_unset=True)
    if "contract_id" in fields and fields["contract_id"] is not None:
        contract = get_visible(Contract.objects, request.user, pk=fields.pop("contract_id"))
        system.contract, system.vendor = contract, contract.vendor
    if fields.get("kind"):
        fields["kind"] = payload.kind.value
    _update(system, fields)
    return services.system_save(actor=request.user, system=system, context=AuditContext.from_request(request))


@systems.delete("删除维保系统")
def system_delete(request, system: MaintainedSystem):
    services.inventory_delete(actor=request.user, obj=system, context=AuditContext.from_request(request))


@router.get("/systems/{system_id}/modules", response=responses(_200=list[ModuleOut]), summary="模块")
@paginated
def module_list(request, system_id: Id):
    return systems.get(request, system_id).modules.all()


@router.post("/systems/{system_id}/modules", response=responses(_201=ModuleOut), summary="新增模块")
def module_create(request, system_id: Id, payload: ModuleIn):
    system = systems.get(request, system_id)
    return Status(
        201,
        services.module_save(
            actor=request.user,
            module=Module(system=system, **payload.dict()),
            context=AuditContext.from_request(request),
        ),
    )


modules = ModelRoutes(router, "/modules", Module.objects.select_related("system"), ModuleOut, id="module_id")
modules.detail("模块详情")


@modules.update(ModulePatch, "修改模块")
def module_update(request, module: Module, payload: ModulePatch):
    _update(module, payload.dict(exclude_unset=True))
    return services.module_save(actor=request.user, module=module, context=AuditContext.from_request(request))


@modules.delete("删除模块")
def module_delete(request, module: Module):
    services.inventory_delete(actor=request.user, obj=module, context=AuditContext.from_request(request))


@router.get("/systems/{system_id}/interfaces", response=responses(_200=list[InterfaceOut]), summary="接口")
@paginated
def interface_list(request, system_id: Id):
    return systems.get(request, system_id).interfaces.all()


@router.post("/systems/{system_id}/interfaces", response=responses(_201=InterfaceOut), summary="新增接口")
def interface_create(request, system_id: Id, payload: InterfaceIn):
    system = systems.get(request, system_id)
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


interfaces = ModelRoutes(
    router, "/interfaces", Interface.objects.select_related("system"), InterfaceOut, id="interface_id"
)
interfaces.detail("接口详情")


@interfaces.update(InterfacePatch, "修改接口")
def interface_update(request, interface: Interface, payload: InterfacePatch):
    fields = payload.dict(exclude_unset=True)
    for key in ("direction", "protocol"):
        if fields.get(key) is not None:
            fields[key] = getattr(payload, key).value
    _update(interface, fields)
    return services.interface_save(
        actor=request.user, interface=interface, context=AuditContext.from_request(request)
    )


@interfaces.delete("删除接口")
def interface_delete(request, interface: Interface):
    services.inventory_delete(actor=request.user, obj=interface, context=AuditContext.from_request(request))


@router.get("/systems/{system_id}/endpoints", response=responses(_200=list[EndpointOut]), summary="探测端点")
@paginated
def endpoint_list(request, system_id: Id):
    return systems.get(request, system_id).endpoints.all()


@router.post("/systems/{system_id}/endpoints", response=responses(_201=EndpointOut), summary="新增探测端点")
def endpoint_create(request, system_id: Id, payload: EndpointIn):
    system = systems.get(request, system_id)
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


endpoints = ModelRoutes(
    router, "/endpoints", Endpoint.objects.select_related("system"), EndpointOut, id="endpoint_id"
)
endpoints.detail("探测端点详情")


@endpoints.update(EndpointPatch, "修改探测端点")
def endpoint_update(request, endpoint: Endpoint, payload: EndpointPatch):
    fields = payload.dict(exclude_unset=True)
    credential = fields.pop("credential", None)
    _update(endpoint, fields)
    return services.endpoint_save(
        actor=request.user,
        endpoint=endpoint,
        credential=credential,
        context=AuditContext.from_request(request),
    )


@endpoints.delete("删除探测端点")
def endpoint_delete(request, endpoint: Endpoint):
    services.inventory_delete(actor=request.user, obj=endpoint, context=AuditContext.from_request(request))
