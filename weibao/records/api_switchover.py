"""API of switch-over plans (切换方案): list, create, read, update, checklist items, data-sync
checks, sign-off by both sides, the DOCX."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.api import Flag, Id, IsoDate, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import switchover
from .models import SwitchoverItem, SwitchoverPlan

router = Router(tags=["records"])


class SwitchoverItemOut(Schema):
    id: int
    plan_id: int
    title: str
    done: bool
    done_by: str
    done_at: datetime | None
    note: str


class SyncCheckOut(Schema):
    id: int
    plan_id: int
    checked_on: date
    subject: str
    old_count: int
    new_count: int
    matched: bool
    note: str


class SwitchoverOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    system_id: int
    title: str
    old_system: str
    new_system: str
    parallel_start: date
    parallel_end: date
    description: str
    items: list[SwitchoverItemOut]
    checks: list[SyncCheckOut]
    vendor_signer: str
    vendor_signed_at: datetime | None
    hospital_signer: str
    hospital_signed_at: datetime | None
    frozen: bool
    signed: bool

    @staticmethod
    def resolve_items(obj: SwitchoverPlan) -> list[Any]:
        return list(obj.items.order_by("pk"))

    @staticmethod
    def resolve_checks(obj: SwitchoverPlan) -> list[Any]:
        return list(obj.checks.order_by("checked_on", "pk"))


class SwitchoverIn(Schema):
    system_id: Id
    title: str = Field(..., max_length=200)
    old_system: str = Field(..., max_length=128)
    new_system: str = Field(..., max_length=128)
    parallel_start: IsoDate
    parallel_end: IsoDate
    description: str = Field("", max_length=20000)
    items: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=200)


class SwitchoverPatch(Schema):
    system_id: Id | None = None
    title: str | None = Field(None, max_length=200)
    old_system: str | None = Field(None, max_length=128)
    new_system: str | None = Field(None, max_length=128)
    parallel_start: IsoDate | None = None
    parallel_end: IsoDate | None = None
    description: str | None = Field(None, max_length=20000)


class SwitchoverItemIn(Schema):
    title: str = Field(..., max_length=200)


class SwitchoverItemPatch(Schema):
    done: Flag
    done_by: str = Field("", max_length=64)
    note: str = Field("", max_length=2000)


class SyncCheckIn(Schema):
    checked_on: IsoDate
    subject: str = Field(..., max_length=200)
    old_count: int = Field(..., ge=0, le=10**15)
    new_count: int = Field(..., ge=0, le=10**15)
    matched: Flag | None = None
    note: str = Field("", max_length=2000)


class SwitchoverSignIn(Schema):
    side: Literal["vendor", "hospital"]
    signer: str = Field("", max_length=64)


class SwitchoverPrintedOut(Schema):
    document_id: int
    sha256: str
    download_url: str


class SwitchoverFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None


def _ctx(request: Any) -> AuditContext:
    return AuditContext.from_request(request)


def _system(contract: Contract, pk: int) -> MaintainedSystem:
    system = MaintainedSystem.objects.filter(pk=pk, contract=contract).first()
    if system is None:
        raise ValidationError({"system_id": _("这个系统不在本合同内。")})
    return system


plans = ModelRoutes(
    router,
    "/switchover-plans",
    SwitchoverPlan.objects.select_related("contract"),
    SwitchoverOut,
    id="switchover_id",
)
plans.list("切换方案", filters=SwitchoverFilter)
plans.detail("切换方案详情")
items = ModelRoutes(
    router,
    "/switchover-items",
    SwitchoverItem.objects.select_related("plan", "plan__contract"),
    SwitchoverItemOut,
    id="switchover_item_id",
)


@router.post(
    "/contracts/{contract_id}/switchover-plans",
    response=responses(_201=SwitchoverOut),
    summary="新建切换方案",
)
def switchover_create(request: Any, contract_id: Id, payload: SwitchoverIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    data = payload.dict(exclude={"system_id"})
    plan = switchover.plan_create(
        actor=request.user,
        contract=contract,
        system=_system(contract, payload.system_id),
        context=_ctx(request),
        **data,
    )
    return Status(201, plan)


@plans.update(SwitchoverPatch, "修改切换方案")
def switchover_update(request: Any, plan: SwitchoverPlan, payload: SwitchoverPatch) -> SwitchoverPlan:
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "system_id" in data:
        data["system"] = _system(plan.contract, data.pop("system_id"))
    return switchover.plan_update(actor=request.user, plan=plan, context=_ctx(request), **data)


@router.post(
    "/switchover-plans/{switchover_id}/items",
    response=responses(_201=SwitchoverItemOut),
    summary="添加切换检查项",
)
def switchover_item_add(request: Any, switchover_id: Id, payload: SwitchoverItemIn) -> Any:
    plan = plans.get(request, switchover_id)
    return Status(
        201, switchover.item_add(actor=request.user, plan=plan, title=payload.title, context=_ctx(request))
    )


@router.patch(
    "/switchover-items/{switchover_item_id}",
    response=responses(_200=SwitchoverItemOut),
    summary="更新切换检查项（完成与否、完成人、备注）",
)
def switchover_item_update(request: Any, switchover_item_id: Id, payload: SwitchoverItemPatch) -> Any:
    item = items.get(request, switchover_item_id)
    return switchover.item_update(actor=request.user, item=item, context=_ctx(request), **payload.dict())


@router.post(
    "/switchover-plans/{switchover_id}/checks",
    response=responses(_201=SyncCheckOut),
    summary="登记数据同步核对",
)
def switchover_check_add(request: Any, switchover_id: Id, payload: SyncCheckIn) -> Any:
    plan = plans.get(request, switchover_id)
    return Status(
        201, switchover.check_record(actor=request.user, plan=plan, context=_ctx(request), **payload.dict())
    )


@router.post(
    "/switchover-plans/{switchover_id}/sign",
    response=responses(_200=SwitchoverOut),
    summary="签字确认切换方案（厂商或医院一方）",
)
def switchover_sign(request: Any, switchover_id: Id, payload: SwitchoverSignIn) -> Any:
    plan = plans.get(request, switchover_id)
    return switchover.plan_sign(actor=request.user, plan=plan, context=_ctx(request), **payload.dict())


@router.post(
    "/switchover-plans/{switchover_id}/print",
    response=responses(_201=SwitchoverPrintedOut),
    summary="打印切换方案（DOCX）",
)
def switchover_print(request: Any, switchover_id: Id) -> Any:
    plan = plans.get(request, switchover_id)
    document = switchover.plan_print(actor=request.user, plan=plan, context=_ctx(request))
    return Status(
        201,
        {
            "document_id": document.pk,
            "sha256": document.sha256,
            "download_url": reverse("documents:download", args=[document.pk]),
        },
    )
