"""API of tickets: create, list, detail, transitions, comments, flags, attachments, ledger, filters."""

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from weibao.accounts.models import Department
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, Interface, MaintainedSystem, Module, ServiceTerm, Severity
from weibao.contracts.selectors import term_for_ticket
from weibao.core import idempotency
from weibao.core.api import (
    FormFlag,
    Id,
    IsoDate,
    ORJSONRenderer,
    get_visible,
    json_bytes,
    json_response,
    responses,
)
from weibao.core.api_crud import PageIn, paginated
from weibao.core.tenancy import get_visible_reference

from .. import attachments, moving, permissions, reporting, routing, saved_filters, services, severity
from ..ledger import import_xlsx, xlsx_response
from ..models import SavedFilter, Ticket, TicketClock
from ..selectors import TicketFilter, ticket_payload, ticket_rows_page, tickets_for
from ..workflow import ANSWERS, offers
from .schemas import (
    AttachmentOut,
    CommentIn,
    EventOut,
    FlagIn,
    ImportOut,
    MoveIn,
    SavedFilterIn,
    SavedFilterOut,
    SeverityIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketPatch,
    TransitionIn,
    WatchIn,
)

router = Router(tags=["tickets"])

EVENT_FIELDS = (
    "id",
    "at",
    "actor_id",
    "kind",
    "action",
    "from_state",
    "to_state",
    "clock_event",
    "body",
    "internal",
)


def _ticket(request, ticket_id: Id) -> Ticket:
    return get_visible(Ticket.objects.select_related("contract", "hospital"), request.user, pk=ticket_id)


def _optional(model, request, pk, **lookup):
    return get_visible(model.objects, request.user, pk=pk, **lookup) if pk else None


def _reference(model, request, pk, **lookup):
    """A department, severity, system, module or interface a report names (cached rows)."""
    return get_visible_reference(model, request.user, pk, **lookup) if pk else None


def _stale(exc: services.StaleTicket):
    raise HttpError(409, str(exc))


@router.get("/tickets", response=responses(_200=TicketPage), summary="工单列表（键集分页）")
def ticket_list(
    request,
    pages: Query[PageIn],
    hospital: Id | None = None,
    contract: Id | None = None,
    system: Id | None = None,
    state: str | None = None,
    open: bool | None = None,
    category: str | None = None,
    severity: Id | None = None,
    assignee: str | None = None,
    breached: bool | None = None,
    created_from: IsoDate | None = None,
    created_to: IsoDate | None = None,
    q: str | None = None,
    original_number: str | None = None,
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
                "original_number": original_number,
                "sort": sort,
            }.items()
            if v is not None
        }
    )
    qs = tickets_for(request.user, flt)
    # The shared cursor (see weibao.core.pagination); the rows are read with their clocks.
    items, next_cursor = ticket_rows_page(qs, cursor=pages.cursor, limit=pages.limit)
    # Rows read with values() from known fields: answered as they are, not validated again.
    return json_response({"items": items, "next_cursor": next_cursor})


IDEMPOTENCY_HELP = (
    "可选。客户端为每次新建生成的唯一值（如 UUID，最长 255 字符）。同一用户以同一键重试（如连接中断后）"
    "时返回第一次的状态码和响应体，不会再建工单；同一键配不同的请求体返回 409（code: idempotency_key_reused）。"
    "键保留 24 小时。"
)


@router.post(
    "/tickets",
    response=responses(_201=TicketOut),
    summary="新建工单",
    description="支持 `Idempotency-Key` 请求头：重试不会重复建单。",
)
def ticket_create(
    request,
    payload: TicketIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=idempotency.MAX_LENGTH,
        description=IDEMPOTENCY_HELP,
    ),
):
    try:
        return _ticket_create(request, payload, idempotency_key)
    except _Ambiguous as exc:
        return json_response(
            {
                "detail": _("有多份在服务期内的合同可以受理：请用 system_id 指明出问题的系统。"),
                "code": "contract_ambiguous",
                "choices": [
                    {
                        "contract_id": r.contract.pk,
                        "system_id": r.system.pk if r.system is not None else None,
                        "label": r.label,
                    }
                    for r in exc.routes
                ],
            },
            status=409,
        )


class _Ambiguous(Exception):
    """Several contracts could take the report and it does not say which system."""

    def __init__(self, routes: list[routing.Route]) -> None:
        super().__init__("ambiguous")
        self.routes = routes


def _ticket_create(request, payload: TicketIn, idempotency_key: str | None) -> HttpResponse:
    if not idempotency_key:
        return json_response(ticket_payload(*_create(request, payload)), status=201)

    def create() -> tuple[int, str, int]:
        ticket, clocks = _create(request, payload)
        return 201, json_bytes(ticket_payload(ticket, clocks)).decode(), ticket.pk

    try:
        outcome = idempotency.run_once(
            user=request.user,
            scope="api.ticket_create",
            key=idempotency_key,
            request_data=payload.dict(),
            create=create,
        )
    except idempotency.KeyReused:
        return json_response(
            {"detail": _("该 Idempotency-Key 已用于另一个不同的请求。"), "code": "idempotency_key_reused"},
            status=409,
        )
    return HttpResponse(outcome.body, status=outcome.status_code, content_type=ORJSONRenderer.media_type)


def _route(request, payload: TicketIn, system: Any, module: Any, department: Any) -> Contract:
    """The contract a report without ``contract_id`` goes to (see :mod:`..routing`)."""
    hospital_ids = (
        {department.hospital_id}
        if department is not None
        else {m.organization_id for m in request.user.active_memberships()}
    )
    found = routing.routes(
        hospital_ids, system=system, module=module, contracts=Contract.objects.visible_to(request.user)
    )
    if not found:
        hospital = system.hospital if system is not None else department.hospital if department else None
        raise HttpError(400, routing.no_route_message(hospital, system))
    route = routing.single(found)
    if route is None:
        raise _Ambiguous(found)
    return route.contract


def _create(request, payload: TicketIn) -> tuple[Ticket, list[TicketClock]]:
    system = _reference(MaintainedSystem, request, payload.system_id)
    module = _reference(Module, request, payload.module_id)
    department = _reference(Department, request, payload.department_id)
    if payload.contract_id is not None and payload.term_id is not None:
        term = term_for_ticket(request.user, payload.term_id, payload.contract_id)
        contract = term.contract
    else:
        contract = (
            get_visible(
                Contract.objects.select_related("hospital", "vendor"), request.user, pk=payload.contract_id
            )
            if payload.contract_id is not None
            else _route(request, payload, system, module, department)
        )
        term = (
            _reference(ServiceTerm, request, payload.term_id, contract=contract)
            if payload.term_id is not None
            else reporting.report_term(contract)
        )
        if term is None:
            raise HttpError(400, _("该合同没有服务项目，无法报修：请联系医院管理员。"))
    assignee = services.assignee_for(actor=request.user, target=contract, user_id=payload.assignee_id)
    return services.ticket_create_with_clocks(
        actor=request.user,
        contract=contract,
        term=term,
        title=payload.title,
        description=payload.description,
        severity=_reference(Severity, request, payload.severity_id, contract=contract),
        system=system,
        module=module,
        interface=_reference(Interface, request, payload.interface_id),
        department=department,
        channel=payload.channel,
        caller_name=payload.caller_name,
        caller_department=payload.caller_department,
        caller_phone=payload.caller_phone,
        location=payload.location,
        assignee=assignee,
        respond=payload.respond,
        context=AuditContext.from_request(request),
    )


@router.get(
    "/tickets/export.xlsx",
    response=responses(_200=None),
    summary="导出维护记录台账（XLSX，application/vnd.openxmlformats-officedocument.spreadsheetml.sheet）",
)
def ticket_export(
    request,
    hospital: Id | None = None,
    contract: Id | None = None,
    state: str | None = None,
    open: bool | None = None,
    breached: bool | None = None,
    created_from: IsoDate | None = None,
    created_to: IsoDate | None = None,
    q: str | None = None,
    original_number: str | None = None,
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
                "original_number": original_number,
            }.items()
            if v is not None
        }
    )
    return xlsx_response(tickets_for(request.user, flt))


@router.post("/tickets/import", response=responses(_200=ImportOut), summary="导入历史工单（XLSX）")
def ticket_import(request, contract_id: Id = Form(...), file: UploadedFile = File(...)):
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    if not permissions.can_import_tickets(request.user, contract):
        raise HttpError(403, _("只有医院管理员可以导入历史工单。"))
    try:
        result = import_xlsx(file.read(), contract=contract, actor=request.user)
    except Exception as exc:  # not an XLSX at all
        raise HttpError(400, _("无法读取 XLSX 文件：%(e)s") % {"e": exc}) from exc
    return {"created": result.created, "errors": result.errors}


@router.get(
    "/tickets/{int:ticket_id}", response=responses(_200=TicketDetailOut), summary="工单详情（含时间线与时钟）"
)
def ticket_detail(request, ticket_id: Id):
    # The contract (its vendor) is all the permission checks below need.
    ticket = get_visible(Ticket.objects.select_related("contract"), request.user, pk=ticket_id)
    events = ticket.events.all()
    if not permissions.sees_internal(request.user, ticket):
        events = events.filter(internal=False)
    payload = ticket_payload(ticket)
    payload["timeline"] = list(events.values(*EVENT_FIELDS))
    kind = permissions.actor_kind(request.user, ticket)
    offered = offers(services.position_of(ticket), kind)
    answers = [a for a in ANSWERS if ticket.pending_action and permissions.can_take(request.user, ticket, a)]
    payload["available_actions"] = [o.action for o in offered] + answers
    payload["requested_actions"] = [o.action for o in offered if o.asks]
    payload["pending_reason"] = ticket.pending_reason
    return json_response(payload)


@router.patch("/tickets/{int:ticket_id}", response=responses(_200=TicketOut), summary="修改工单（乐观锁）")
def ticket_update(request, ticket_id: Id, payload: TicketPatch):
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
        fields["assignee"] = services.assignee_for(
            actor=request.user, target=ticket, user_id=data["assignee_id"]
        )
    try:
        return ticket_payload(
            services.ticket_update(
                actor=request.user,
                ticket=ticket,
                version=version,
                context=AuditContext.from_request(request),
                **fields,
            )
        )
    except services.StaleTicket as exc:
        _stale(exc)


@router.post("/tickets/{int:ticket_id}/transitions", response=responses(_200=TicketOut), summary="流转")
def ticket_transition(request, ticket_id: Id, payload: TransitionIn):
    ticket = _ticket(request, ticket_id)
    try:
        return ticket_payload(
            services.ticket_transition(
                actor=request.user,
                ticket=ticket,
                context=AuditContext.from_request(request),
                **payload.dict(),
            )
        )
    except services.StaleTicket as exc:
        _stale(exc)


@router.post("/tickets/{int:ticket_id}/comments", response=responses(_201=EventOut), summary="回复或内部备注")
def ticket_comment(request, ticket_id: Id, payload: CommentIn):
    ticket = _ticket(request, ticket_id)
    return Status(
        201,
        services.ticket_comment(
            actor=request.user,
            ticket=ticket,
            body=payload.body,
            internal=payload.internal,
            context=AuditContext.from_request(request),
        ),
    )


@router.post(
    "/tickets/{int:ticket_id}/flags", response=responses(_200=TicketOut), summary="因乙方原因/恶性事件标记"
)
def ticket_flag(request, ticket_id: Id, payload: FlagIn):
    ticket = _ticket(request, ticket_id)
    return ticket_payload(
        services.ticket_flag(
            actor=request.user, ticket=ticket, context=AuditContext.from_request(request), **payload.dict()
        )
    )


@router.post(
    "/tickets/{int:ticket_id}/severity", response=responses(_200=TicketOut), summary="更改故障等级（医院）"
)
def ticket_severity(request, ticket_id: Id, payload: SeverityIn):
    ticket = _ticket(request, ticket_id)
    chosen = ticket.contract.severities.filter(pk=payload.severity_id).first()
    if chosen is None:
        raise HttpError(400, _("故障等级不属于该合同。"))
    try:
        return ticket_payload(
            severity.ticket_set_severity(
                actor=request.user,
                ticket=ticket,
                severity=chosen,
                reason=payload.reason,
                version=payload.version,
                context=AuditContext.from_request(request),
            )
        )
    except services.StaleTicket as exc:
        _stale(exc)


@router.post(
    "/tickets/{int:ticket_id}/move",
    response=responses(_200=TicketOut),
    summary="转至本医院的另一份合同（医院管理员）",
    description="服务项目按类别、故障等级按级别对应到新合同；时限从报修时间起按新合同重新计算；双方厂商收到通知。",
)
def ticket_move(request, ticket_id: Id, payload: MoveIn):
    ticket = _ticket(request, ticket_id)
    if not permissions.can_move_ticket(request.user, ticket):
        raise PermissionDenied(_("只有本医院的管理员可以把工单转到本医院的另一份合同。"))
    target = get_visible(Contract.objects.select_related("vendor"), request.user, pk=payload.contract_id)
    try:
        moved = moving.ticket_move(
            actor=request.user,
            ticket=ticket,
            contract=target,
            reason=payload.reason,
            version=payload.version,
            context=AuditContext.from_request(request),
        )
    except services.StaleTicket as exc:
        _stale(exc)
    return ticket_payload(moved)


@router.post(
    "/tickets/{int:ticket_id}/attachments", response=responses(_201=AttachmentOut), summary="上传附件"
)
def ticket_attach(request, ticket_id: Id, file: UploadedFile = File(...), internal: FormFlag = Form(False)):
    ticket = _ticket(request, ticket_id)
    return Status(
        201,
        attachments.attachment_add(
            actor=request.user,
            ticket=ticket,
            upload=file,
            internal=internal,
            context=AuditContext.from_request(request),
        ),
    )


@router.post("/tickets/{int:ticket_id}/watch", response=responses(_200=dict), summary="关注 / 取消关注")
def ticket_watch(request, ticket_id: Id, payload: WatchIn):
    ticket = services.ticket_watch(
        actor=request.user,
        ticket=_ticket(request, ticket_id),
        watch=payload.watch,
        context=AuditContext.from_request(request),
    )
    return {
        "watching": ticket.watchers.filter(pk=request.user.pk).exists(),
        "watchers": ticket.watchers.count(),
    }


# --- saved filters --------------------------------------------------------------------------------


@router.get("/saved-filters", response=responses(_200=list[SavedFilterOut]), summary="我的已存筛选")
@paginated
def saved_filter_list(request):
    return SavedFilter.objects.filter(user=request.user)


@router.post("/saved-filters", response=responses(_201=SavedFilterOut), summary="保存筛选")
def saved_filter_create(request, payload: SavedFilterIn):
    return Status(
        201, saved_filters.saved_filter_save(user=request.user, name=payload.name, query=payload.query)
    )


@router.delete("/saved-filters/{filter_id}", response=responses(_204=None), summary="删除已存筛选")
def saved_filter_delete(request, filter_id: Id):
    # Another user's filter answers like one that does not exist.
    saved_filter = SavedFilter.objects.filter(user=request.user, pk=filter_id).first()
    if saved_filter is None:
        raise HttpError(404, _("未找到。"))
    saved_filters.saved_filter_delete(user=request.user, saved_filter=saved_filter)
    return Status(204, None)
