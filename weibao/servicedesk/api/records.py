"""API of data changes (数据恢复/数据调整) and change requests (需求变更)."""

from ninja import Router, Status

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.api import Id, get_visible, responses

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


@router.get("/data-changes", response=responses(_200=list[DataChangeOut]), summary="数据恢复/调整记录")
def data_change_list(request, contract: Id | None = None, state: DataChangeState | None = None):
    qs = DataChange.objects.visible_to(request.user)
    if contract:
        qs = qs.filter(contract_id=contract)
    if state:
        qs = qs.filter(state=state)
    return list(qs[:500])


@router.post("/data-changes", response=responses(_201=DataChangeOut), summary="登记数据恢复/调整")
def data_change_create(request, payload: DataChangeIn):
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    record = records.data_change_request(
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
    return Status(201, record)


@router.get("/data-changes/{data_change_id}", response=responses(_200=DataChangeOut), summary="数据变更详情")
def data_change_detail(request, data_change_id: Id):
    return get_visible(DataChange.objects, request.user, pk=data_change_id)


@router.patch(
    "/data-changes/{data_change_id}", response=responses(_200=DataChangeOut), summary="修改（执行前）"
)
def data_change_edit(request, data_change_id: Id, payload: DataChangePatch):
    record = get_visible(DataChange.objects.select_related("contract"), request.user, pk=data_change_id)
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
    record = get_visible(DataChange.objects.select_related("contract"), request.user, pk=data_change_id)
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


@router.get("/change-requests", response=responses(_200=list[ChangeRequestOut]), summary="需求变更")
def change_request_list(request, contract: Id | None = None, state: ChangeRequestState | None = None):
    qs = ChangeRequest.objects.visible_to(request.user)
    if contract:
        qs = qs.filter(contract_id=contract)
    if state:
        qs = qs.filter(state=state)
    return list(qs[:500])


@router.post("/change-requests", response=responses(_201=ChangeRequestOut), summary="提出需求变更")
def change_request_create(request, payload: ChangeRequestIn):
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    cr = records.change_request_create(
        actor=request.user,
        contract=contract,
        title=payload.title,
        requirement=payload.requirement,
        in_scope=payload.in_scope,
        system=_optional(MaintainedSystem, request, payload.system_id),
        ticket=_optional(Ticket, request, payload.ticket_id),
        context=AuditContext.from_request(request),
    )
    return Status(201, cr)


@router.get(
    "/change-requests/{change_request_id}", response=responses(_200=ChangeRequestOut), summary="需求变更详情"
)
def change_request_detail(request, change_request_id: Id):
    return get_visible(ChangeRequest.objects, request.user, pk=change_request_id)


@router.post(
    "/change-requests/{change_request_id}/steps",
    response=responses(_200=ChangeRequestOut),
    summary="评估 / 批准 / 驳回 / 开发 / 测试 / 上线",
)
def change_request_step(request, change_request_id: Id, payload: ChangeRequestStepIn):
    cr = get_visible(ChangeRequest.objects.select_related("contract"), request.user, pk=change_request_id)
    return records.change_request_advance(
        actor=request.user, cr=cr, context=AuditContext.from_request(request), **payload.dict()
    )
