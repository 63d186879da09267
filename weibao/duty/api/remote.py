"""API of the remote access register: list (overdue flagged), request, approve, start, end."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.contracts.models import MaintainedSystem
from weibao.core.api import Flag, Id, IsoDateTime, responses
from weibao.core.api_crud import ModelRoutes
from weibao.core.tenancy import get_visible
from weibao.servicedesk.models import Ticket

from .. import remote
from ..choices import RemoteState
from ..models import RemoteSession

router = Router(tags=["duty"])


class RemoteOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    system_id: int
    ticket_id: int | None
    engineer_id: int
    purpose: str
    planned_start: datetime
    planned_end: datetime
    state: str
    overdue: bool
    decided_by_id: int | None
    decided_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None

    @staticmethod
    def resolve_overdue(obj: RemoteSession) -> bool:
        return bool(getattr(obj, "overdue", False))


class RemoteFilter(FilterSchema):
    system: Annotated[Id | None, FilterLookup("system_id")] = None
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    state: RemoteState | None = None
    overdue: bool | None = None


sessions = ModelRoutes(
    router,
    "/remote-sessions",
    remote.with_overdue(RemoteSession.objects.all()),
    RemoteOut,
    id="remote_session_id",
)
sessions.list("远程运维登记", filters=RemoteFilter)
sessions.detail("远程运维详情")


class RemoteIn(Schema):
    system_id: Id
    purpose: str = Field(min_length=1, max_length=500)
    planned_start: IsoDateTime
    planned_end: IsoDateTime
    ticket_id: Id | None = None


@router.post("/remote-sessions", response=responses(_201=RemoteOut), summary="申请远程运维")
def remote_request(request: HttpRequest, payload: RemoteIn) -> Any:
    system = get_visible(
        MaintainedSystem.objects.select_related("contract"), request.user, pk=payload.system_id
    )
    if system.contract is None:
        raise ValidationError({"system_id": _("这个系统没有维保合同。")})
    ticket = None
    if payload.ticket_id is not None:
        ticket = get_visible(Ticket.objects, request.user, pk=payload.ticket_id)
    session = remote.remote_request(
        actor=request.user,
        contract=system.contract,
        system=system,
        purpose=payload.purpose,
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        ticket=ticket,
        context=AuditContext.from_request(request),
    )
    return Status(201, sessions.get(request, session.pk))


class RemoteDecisionIn(Schema):
    approve: Flag


@router.post(
    "/remote-sessions/{remote_session_id}/decision",
    response=responses(_200=RemoteOut),
    summary="审批远程运维",
)
def remote_decide(request: HttpRequest, remote_session_id: Id, payload: RemoteDecisionIn) -> Any:
    session = remote.remote_decide(
        actor=request.user,
        session=sessions.get(request, remote_session_id),
        approve=payload.approve,
        context=AuditContext.from_request(request),
    )
    return sessions.get(request, session.pk)


@router.post(
    "/remote-sessions/{remote_session_id}/start", response=responses(_200=RemoteOut), summary="开始远程运维"
)
def remote_start(request: HttpRequest, remote_session_id: Id) -> Any:
    session = remote.remote_start(
        actor=request.user,
        session=sessions.get(request, remote_session_id),
        context=AuditContext.from_request(request),
    )
    return sessions.get(request, session.pk)


@router.post(
    "/remote-sessions/{remote_session_id}/end", response=responses(_200=RemoteOut), summary="结束远程运维"
)
def remote_end(request: HttpRequest, remote_session_id: Id) -> Any:
    session = remote.remote_end(
        actor=request.user,
        session=sessions.get(request, remote_session_id),
        context=AuditContext.from_request(request),
    )
    return sessions.get(request, session.pk)
