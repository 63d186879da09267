"""API of data changes (数据恢复/数据调整) and change requests (需求变更)."""

from typing import Annotated

from ninja import FilterLookup, FilterSchema, Router

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.api import Id, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from .. import records
from ..choices import (
    ChangeRequestState,
    DataChangeState,
)
from ..models import ChangeRequest, DataChange, Ticket
from .schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    ChangeRequestStepIn,
    DataChangeIn,
    DataChangeOut,
    DataChangePatch,
    DataChangeStepIn,
)
from .tickets import _optional

router = Router(tags=["records"])


# --- data changes ---------------------------------------------------------------------------------


class DataChangeFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    state: DataChangeState | None = None


data_changes = ModelRoutes(
    router, "/data-changes", DataChange.objects.select_related("contract"), DataChangeOut, id="data_change_id"
)
data_changes.list("数据恢复/调整记录", filters=DataChangeFilter)
data_changes.detail("数据变更详情")


@data_changes.create(DataChangeIn, "登记数据恢复/调整")
def data_change_create(request, payload: DataChangeIn):
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    return records.data_change_request(
        actor=request.user,
        contract=contract,
        kind=payload.kind,
        reason=payload.reason,
        patient_ids=payload.patient_ids,
        tables=payload.tables,
        before=payload.before,
        after=payload.after,
        system=_optional(MaintainedSystem, request, payload.system_id),
        ticket=_optional(Ticket, request, payload.ticket_id),
        corrects=_optional(DataChange, request, payload.corrects_id),
        context=AuditContext.from_request(request),
    )


@data_changes.update(DataChangePatch, "修改（执行前）")
def data_change_edit(request, record: DataChange, payload: DataChangePatch):
    return records.data_change_edit(
        actor=request.user,
        record=record,
        context=AuditContext.from_request(request),
        **payload.dict(exclude_unset=True),
    )


@router.post(
    "/data-changes/{data_change_id}/steps",
    response=responses(_200=DataChangeOut),
    summary="审批 / 驳回 / 登记执行 / 核验",
)
def data_change_step(request, data_change_id: Id, payload: DataChangeStepIn):
    record = data_changes.get(request, data_change_id)
    if payload.step in ("approve", "reject"):
        return records.data_change_approve(
            actor=request.user,
            record=record,
            approve=payload.step == "approve",
            note=payload.note,
            context=AuditContext.from_request(request),
        )
    if payload.step == "execute":
        return records.data_change_execute(
            actor=request.user, record=record, note=payload.note, context=AuditContext.from_request(request)
        )
    return records.data_change_verify(
        actor=request.user, record=record, context=AuditContext.from_request(request)
    )


# --- change requests ------------------------------------------------------------------------------


class ChangeRequestFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    state: ChangeRequestState | None = None


change_requests = ModelRoutes(
    router,
    "/change-requests",
    ChangeRequest.objects.select_related("contract"),
    ChangeRequestOut,
    id="change_request_id",
)
change_requests.list("需求变更", filters=ChangeRequestFilter)
change_requests.detail("需求变更详情")


@change_requests.create(ChangeRequestIn, "提出需求变更")
def change_request_create(request, payload: ChangeRequestIn):
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    return records.change_request_create(
        actor=request.user,
        contract=contract,
        title=payload.title,
        requirement=payload.requirement,
        in_scope=payload.in_scope,
        system=_optional(MaintainedSystem, request, payload.system_id),
        ticket=_optional(Ticket, request, payload.ticket_id),
        context=AuditContext.from_request(request),
    )


@router.post(
    "/change-requests/{change_request_id}/steps",
    response=responses(_200=ChangeRequestOut),
    summary="评估 / 批准 / 驳回 / 开发 / 测试 / 上线",
)
def change_request_step(request, change_request_id: Id, payload: ChangeRequestStepIn):
    cr = change_requests.get(request, change_request_id)
    return records.change_request_advance(
        actor=request.user, cr=cr, context=AuditContext.from_request(request), **payload.dict()
    )
