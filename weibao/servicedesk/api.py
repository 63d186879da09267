"""API of the service desk: the same services the pages use, under the visibility rule."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from weibao.accounts.models import Department, User
from weibao.contracts.models import Contract, Interface, MaintainedSystem, Module, ServiceTerm, Severity
from weibao.core.api import get_visible, responses

from . import permissions, records, services
from .choices import (
    ChangeRequestState,
    ClockStatus,
    DataChangeKind,
    DataChangeState,
    TicketChannel,
    TicketState,
)
from .ledger import import_xlsx, xlsx_response
from .models import ChangeRequest, DataChange, SavedFilter, Ticket
from .selectors import TicketFilter, keyset_page, tickets_for
from .workflow import TRANSITIONS

router = Router(tags=["servicedesk"])


class ClockOut(Schema):
    kind: str
    status: ClockStatus
    target: dict
    calendar: str
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    elapsed: int
    target_seconds: int | None
    percent_used: float | None
    provisional: bool


class TicketOut(Schema):
    id: int
    number: str
    hospital_id: int
    contract_id: int
    term_id: int
    category: str
    severity_id: int | None
    system_id: int | None
    module_id: int | None
    interface_id: int | None
    department_id: int | None
    title: str
    description: str
    channel: str
    reporter_id: int | None
    caller_name: str
    caller_department: str
    caller_phone: str
    location: str
    assignee_id: int | None
    state: TicketState
    version: int
    created_at: datetime
    updated_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    solution: str
    root_cause: str
    rating: int | None
    rating_comment: str
    vendor_caused: bool
    adverse_event: bool
    next_due_at: datetime | None
    sla_breached: bool
    sla_provisional: bool
    clocks: list[ClockOut]

    @staticmethod
    def resolve_clocks(obj: Ticket) -> list[Any]:
        return list(obj.clocks.all())


class EventOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    kind: str
    action: str
    from_state: str
    to_state: str
    clock_event: str
    body: str
    internal: bool


class TicketDetailOut(TicketOut):
    timeline: list[EventOut] = []
    available_actions: list[str] = []


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketIn(Schema):
    contract_id: int
    term_id: int
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    severity_id: int | None = None
    system_id: int | None = None
    module_id: int | None = None
    interface_id: int | None = None
    department_id: int | None = None
    channel: TicketChannel = TicketChannel.API
    caller_name: str = Field("", max_length=64)
    caller_department: str = Field("", max_length=64)
    caller_phone: str = Field("", max_length=32)
    location: str = Field("", max_length=128)
    assignee_id: int | None = None
    respond: bool = Field(False, description="电话受理：创建即响应")


class TicketPatch(Schema):
    version: int = Field(..., description="读取时的 version；被他人修改时返回 409")
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    term_id: int | None = None
    severity_id: int | None = None
    system_id: int | None = None
    module_id: int | None = None
    interface_id: int | None = None
    location: str | None = Field(None, max_length=128)
    assignee_id: int | None = None


class TransitionIn(Schema):
    action: Literal[tuple(a for a, t in TRANSITIONS.items() if t.side != "system")]  # type: ignore[valid-type]
    version: int | None = None
    reason: str = ""
    solution: str = ""
    root_cause: str = ""
    rating: int | None = Field(None, ge=1, le=5)
    comment: str = ""


class CommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=10000)
    internal: bool = False


class FlagIn(Schema):
    flag: Literal["vendor_caused", "adverse_event"]
    value: bool = True
    reason: str = Field(..., min_length=1, max_length=2000)


class WatchIn(Schema):
    watch: bool = True


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    internal: bool


class ImportOut(Schema):
    created: list[str]
    errors: list[str]


class DataChangeOut(Schema):
    id: int
    contract_id: int
    ticket_id: int | None
    corrects_id: int | None
    kind: DataChangeKind
    state: DataChangeState
    system_id: int | None
    tables: str
    patient_ids_masked: str
    before: str
    after: str
    reason: str
    requested_by_id: int
    requested_at: datetime
    approved_by_id: int | None
    approved_at: datetime | None
    executed_by_id: int | None
    executed_at: datetime | None
    verified_by_id: int | None
    verified_at: datetime | None


class DataChangeIn(Schema):
    contract_id: int
    kind: DataChangeKind
    reason: str = Field(..., min_length=1)
    patient_ids: list[str] = Field(default_factory=list)
    tables: str = Field("", max_length=500)
    before: str = ""
    after: str = ""
    system_id: int | None = None
    ticket_id: int | None = None
    corrects_id: int | None = None


class DataChangePatch(Schema):
    reason: str | None = None
    tables: str | None = Field(None, max_length=500)
    before: str | None = None
    after: str | None = None
    patient_ids: list[str] | None = None


class DataChangeStepIn(Schema):
    step: Literal["approve", "reject", "execute", "verify"]
    note: str = ""


class ChangeRequestOut(Schema):
    id: int
    contract_id: int
    ticket_id: int | None
    system_id: int | None
    title: str
    requirement: str
    in_scope: bool
    assessment: str
    estimate_days: Decimal | None
    quote: Decimal | None
    state: ChangeRequestState
    requested_by_id: int
    requested_at: datetime
    approved_at: datetime | None
    deployed_on: date | None
    history: list[dict]


class ChangeRequestIn(Schema):
    contract_id: int
    title: str = Field(..., min_length=1, max_length=200)
    requirement: str = Field(..., min_length=1)
    in_scope: bool = True
    system_id: int | None = None
    ticket_id: int | None = None


class ChangeRequestStepIn(Schema):
    action: Literal["assess", "approve", "reject", "develop", "test", "deploy"]
    assessment: str = ""
    estimate_days: Decimal | None = Field(None, ge=0, max_digits=7, decimal_places=1)
    quote: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    in_scope: bool | None = None
    deployed_on: date | None = None


class SavedFilterIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    query: str = Field(..., max_length=1000)


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str


def _ticket(request, ticket_id: int) -> Ticket:
    return get_visible(Ticket.objects.select_related("contract", "hospital"), request.user, pk=ticket_id)


def _optional(model, request, pk, **lookup):
    return get_visible(model.objects, request.user, pk=pk, **lookup) if pk else None


def _stale(exc: services.StaleTicket):
    raise HttpError(409, str(exc))


@router.get("/tickets", response=responses(_200=TicketPage), summary="工单列表（键集分页）")
def ticket_list(
    request,
    cursor: str | None = None,
    limit: int = Query(25, ge=1, le=200),
    hospital: int | None = None,
    contract: int | None = None,
    system: int | None = None,
    state: str | None = None,
    open: bool | None = None,
    category: str | None = None,
    severity: int | None = None,
    assignee: str | None = None,
    breached: bool | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    q: str | None = None,
    sort: Literal["recent", "risk"] = "recent",
):
    flt = TicketFilter.from_params(
        {
            k: str(v)
            for k, v in {
                "hospital": hospital,
                "contract": contract,
                "system": system,
                "state": state,
                "open": open,
                "category": category,
                "severity": severity,
                "assignee": assignee,
                "breached": breached,
                "created_from": created_from,
                "created_to": created_to,
                "q": q,
                "sort": sort,
            }.items()
            if v is not None
        }
    )
    qs = tickets_for(request.user, flt).prefetch_related("clocks")
    items, next_cursor = keyset_page(qs, sort=flt.sort, cursor=cursor, size=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/tickets", response=responses(_201=TicketOut), summary="新建工单")
def ticket_create(request, payload: TicketIn):
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    term = get_visible(ServiceTerm.objects, request.user, pk=payload.term_id, contract=contract)
    assignee = User.objects.filter(pk=payload.assignee_id).first() if payload.assignee_id else None
    if payload.assignee_id and assignee is None:
        raise HttpError(404, _("未找到处理人。"))
    ticket = services.ticket_create(
        actor=request.user,
        contract=contract,
        term=term,
        title=payload.title,
        description=payload.description,
        severity=_optional(Severity, request, payload.severity_id, contract=contract),
        system=_optional(MaintainedSystem, request, payload.system_id),
        module=_optional(Module, request, payload.module_id),
        interface=_optional(Interface, request, payload.interface_id),
        department=_optional(Department, request, payload.department_id),
        channel=payload.channel,
        caller_name=payload.caller_name,
        caller_department=payload.caller_department,
        caller_phone=payload.caller_phone,
        location=payload.location,
        assignee=assignee,
        respond=payload.respond,
        request=request,
    )
    return Status(201, ticket)


@router.get(
    "/tickets/export.xlsx",
    response=responses(_200=None),
    summary="导出维护记录台账（XLSX，application/vnd.openxmlformats-officedocument.spreadsheetml.sheet）",
)
def ticket_export(
    request,
    hospital: int | None = None,
    contract: int | None = None,
    state: str | None = None,
    open: bool | None = None,
    breached: bool | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    q: str | None = None,
):
    flt = TicketFilter.from_params(
        {
            k: str(v)
            for k, v in {
                "hospital": hospital,
                "contract": contract,
                "state": state,
                "open": open,
                "breached": breached,
                "created_from": created_from,
                "created_to": created_to,
                "q": q,
            }.items()
            if v is not None
        }
    )
    return xlsx_response(tickets_for(request.user, flt))


@router.post("/tickets/import", response=responses(_200=ImportOut), summary="导入历史工单（XLSX）")
def ticket_import(request, contract_id: int = Form(...), file: UploadedFile = File(...)):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    if not permissions.is_hospital_admin(request.user, contract.hospital_id):
        raise HttpError(403, _("只有医院管理员可以导入历史工单。"))
    try:
        result = import_xlsx(file.read(), contract=contract, actor=request.user)
    except Exception as exc:  # not an XLSX at all
        raise HttpError(400, _("无法读取 XLSX 文件：%(e)s") % {"e": exc}) from exc
    return {"created": result.created, "errors": result.errors}


@router.get(
    "/tickets/{int:ticket_id}", response=responses(_200=TicketDetailOut), summary="工单详情（含时间线与时钟）"
)
def ticket_detail(request, ticket_id: int):
    ticket = _ticket(request, ticket_id)
    events = ticket.events.all()
    if not permissions.sees_internal(request.user, ticket):
        events = events.filter(internal=False)
    ticket.timeline = list(events)
    ticket.available_actions = [
        a
        for a, t in TRANSITIONS.items()
        if ticket.state in t.sources and permissions.can_take(request.user, ticket, t.side)
    ]
    return ticket


@router.patch("/tickets/{int:ticket_id}", response=responses(_200=TicketOut), summary="修改工单（乐观锁）")
def ticket_update(request, ticket_id: int, payload: TicketPatch):
    ticket = _ticket(request, ticket_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    fields: dict[str, Any] = {k: v for k, v in data.items() if not k.endswith("_id")}
    lookups = {
        "term_id": (ServiceTerm, "term"),
        "severity_id": (Severity, "severity"),
        "system_id": (MaintainedSystem, "system"),
        "module_id": (Module, "module"),
        "interface_id": (Interface, "interface"),
    }
    for key, (model, name) in lookups.items():
        if key in data:
            fields[name] = _optional(model, request, data[key])
    if "assignee_id" in data:
        fields["assignee"] = (
            User.objects.filter(pk=data["assignee_id"]).first() if data["assignee_id"] else None
        )
        if data["assignee_id"] and fields["assignee"] is None:
            raise HttpError(404, _("未找到处理人。"))
    try:
        return services.ticket_update(
            actor=request.user, ticket=ticket, version=version, request=request, **fields
        )
    except services.StaleTicket as exc:
        _stale(exc)


@router.post("/tickets/{int:ticket_id}/transitions", response=responses(_200=TicketOut), summary="流转")
def ticket_transition(request, ticket_id: int, payload: TransitionIn):
    ticket = _ticket(request, ticket_id)
    try:
        return services.ticket_transition(
            actor=request.user, ticket=ticket, request=request, **payload.dict()
        )
    except services.StaleTicket as exc:
        _stale(exc)


@router.post("/tickets/{int:ticket_id}/comments", response=responses(_201=EventOut), summary="回复或内部备注")
def ticket_comment(request, ticket_id: int, payload: CommentIn):
    ticket = _ticket(request, ticket_id)
    return Status(
        201,
        services.ticket_comment(
            actor=request.user, ticket=ticket, body=payload.body, internal=payload.internal, request=request
        ),
    )


@router.post(
    "/tickets/{int:ticket_id}/flags", response=responses(_200=TicketOut), summary="因乙方原因/恶性事件标记"
)
def ticket_flag(request, ticket_id: int, payload: FlagIn):
    ticket = _ticket(request, ticket_id)
    return services.ticket_flag(actor=request.user, ticket=ticket, request=request, **payload.dict())


@router.post(
    "/tickets/{int:ticket_id}/attachments", response=responses(_201=AttachmentOut), summary="上传附件"
)
def ticket_attach(request, ticket_id: int, file: UploadedFile = File(...), internal: bool = Form(False)):
    ticket = _ticket(request, ticket_id)
    return Status(
        201,
        services.attachment_add(
            actor=request.user, ticket=ticket, upload=file, internal=internal, request=request
        ),
    )


@router.post("/tickets/{int:ticket_id}/watch", response=responses(_200=dict), summary="关注 / 取消关注")
def ticket_watch(request, ticket_id: int, payload: WatchIn):
    ticket = services.ticket_watch(
        actor=request.user, ticket=_ticket(request, ticket_id), watch=payload.watch, request=request
    )
    return {
        "watching": ticket.watchers.filter(pk=request.user.pk).exists(),
        "watchers": ticket.watchers.count(),
    }


# --- data changes ---------------------------------------------------------------------------------


@router.get("/data-changes", response=responses(_200=list[DataChangeOut]), summary="数据恢复/调整记录")
def data_change_list(request, contract: int | None = None, state: DataChangeState | None = None):
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
        request=request,
    )
    return Status(201, record)


@router.get("/data-changes/{data_change_id}", response=responses(_200=DataChangeOut), summary="数据变更详情")
def data_change_detail(request, data_change_id: int):
    return get_visible(DataChange.objects, request.user, pk=data_change_id)


@router.patch(
    "/data-changes/{data_change_id}", response=responses(_200=DataChangeOut), summary="修改（执行前）"
)
def data_change_edit(request, data_change_id: int, payload: DataChangePatch):
    record = get_visible(DataChange.objects.select_related("contract"), request.user, pk=data_change_id)
    return records.data_change_edit(
        actor=request.user, record=record, request=request, **payload.dict(exclude_unset=True)
    )


@router.post(
    "/data-changes/{data_change_id}/steps",
    response=responses(_200=DataChangeOut),
    summary="审批 / 驳回 / 登记执行 / 核验",
)
def data_change_step(request, data_change_id: int, payload: DataChangeStepIn):
    record = get_visible(DataChange.objects.select_related("contract"), request.user, pk=data_change_id)
    if payload.step in ("approve", "reject"):
        return records.data_change_approve(
            actor=request.user,
            record=record,
            approve=payload.step == "approve",
            note=payload.note,
            request=request,
        )
    if payload.step == "execute":
        return records.data_change_execute(
            actor=request.user, record=record, note=payload.note, request=request
        )
    return records.data_change_verify(actor=request.user, record=record, request=request)


# --- change requests ------------------------------------------------------------------------------


@router.get("/change-requests", response=responses(_200=list[ChangeRequestOut]), summary="需求变更")
def change_request_list(request, contract: int | None = None, state: ChangeRequestState | None = None):
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
        request=request,
    )
    return Status(201, cr)


@router.get(
    "/change-requests/{change_request_id}", response=responses(_200=ChangeRequestOut), summary="需求变更详情"
)
def change_request_detail(request, change_request_id: int):
    return get_visible(ChangeRequest.objects, request.user, pk=change_request_id)


@router.post(
    "/change-requests/{change_request_id}/steps",
    response=responses(_200=ChangeRequestOut),
    summary="评估 / 批准 / 驳回 / 开发 / 测试 / 上线",
)
def change_request_step(request, change_request_id: int, payload: ChangeRequestStepIn):
    cr = get_visible(ChangeRequest.objects.select_related("contract"), request.user, pk=change_request_id)
    return records.change_request_advance(actor=request.user, cr=cr, request=request, **payload.dict())


# --- saved filters --------------------------------------------------------------------------------


@router.get("/saved-filters", response=responses(_200=list[SavedFilterOut]), summary="我的已存筛选")
def saved_filter_list(request):
    return list(SavedFilter.objects.filter(user=request.user))


@router.post("/saved-filters", response=responses(_201=SavedFilterOut), summary="保存筛选")
def saved_filter_create(request, payload: SavedFilterIn):
    if SavedFilter.objects.filter(user=request.user, name=payload.name).exists():
        raise ValidationError({"name": _("同名筛选已存在。")})
    return Status(201, SavedFilter.objects.create(user=request.user, name=payload.name, query=payload.query))


@router.delete("/saved-filters/{filter_id}", response=responses(_204=None), summary="删除已存筛选")
def saved_filter_delete(request, filter_id: int):
    deleted, _rows = SavedFilter.objects.filter(user=request.user, pk=filter_id).delete()
    if not deleted:
        raise HttpError(404, _("未找到。"))
    return Status(204, None)
