"""Writes of the inventory (维保范围): systems, modules, interfaces and endpoints, by the hospital's
admins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts.permissions import can_manage_contract
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record

from .models import Endpoint, Interface, MaintainedSystem, Module

if TYPE_CHECKING:
    from weibao.accounts.models import User

#: An inventory record: a system, module, interface or endpoint.
_Inventory = TypeVar("_Inventory", MaintainedSystem, Module, Interface, Endpoint)


def _inventory_hospital(obj: Any) -> Any:
    return obj.hospital if isinstance(obj, MaintainedSystem) else obj.system.hospital


def _inventory_save(
    actor: User, obj: _Inventory, context: AuditContext | None, *, parent: tuple[str, str] | None = None
) -> _Inventory:
    """Save one inventory record (system, module, interface, endpoint) for the hospital's admins.
    ``parent`` names a link (``"module"``, ``"interface"``) that must point into the same system."""
    hospital = _inventory_hospital(obj)
    if not can_manage_contract(actor, hospital.pk):
        raise PermissionDenied(_("只有医院管理员可以修改维保范围。"))
    if parent is not None:
        field, message = parent
        linked = getattr(obj, field)
        if linked is not None and linked.system_id != getattr(obj, "system_id", None):
            raise ValidationError({field: message})
    created = obj.pk is None
    obj.full_clean()
    name = obj._meta.model_name
    with transaction.atomic():
        obj.save()
        audit_record(
            action=f"{name}.{'create' if created else 'update'}",
            actor=actor,
            context=context,
            obj=obj,
            organization=hospital,
        )
    return obj


def system_save(
    *, actor: User, system: MaintainedSystem, context: AuditContext | None = None
) -> MaintainedSystem:
    if system.contract is not None and system.contract.hospital_id != system.hospital_id:
        raise ValidationError({"contract": _("合同不属于该医院。")})
    return _inventory_save(actor, system, context)


def module_save(*, actor: User, module: Module, context: AuditContext | None = None) -> Module:
    return _inventory_save(actor, module, context)


def interface_save(*, actor: User, interface: Interface, context: AuditContext | None = None) -> Interface:
    return _inventory_save(actor, interface, context, parent=("module", _("模块不属于该系统。")))


def endpoint_save(
    *,
    actor: User,
    endpoint: Endpoint,
    credential: str | None = None,
    context: AuditContext | None = None,
) -> Endpoint:
    """Save an endpoint; a given credential is encrypted, ``None`` keeps the stored one."""
    if endpoint.port is not None and not 1 <= endpoint.port <= 65535:
        raise ValidationError({"port": _("端口应在 1–65535 之间。")})
    if credential is not None:
        endpoint.set_credential(credential)
    return _inventory_save(actor, endpoint, context, parent=("interface", _("接口不属于该系统。")))


def inventory_delete(*, actor: User, obj: Any, context: AuditContext | None = None) -> None:
    hospital = _inventory_hospital(obj)
    if not can_manage_contract(actor, hospital.pk):
        raise PermissionDenied(_("只有医院管理员可以修改维保范围。"))
    with transaction.atomic():
        audit_record(
            action=f"{obj._meta.model_name}.delete",
            actor=actor,
            context=context,
            obj=obj,
            organization=hospital,
        )
        obj.delete()
