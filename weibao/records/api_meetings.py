"""API of meeting minutes (需求沟通会议纪要, action items → change requests) and tuning records."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.api import Flag, Id, IsoDate, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import meetings
from .models import ActionItem, MeetingMinutes, TuningRecord

router = Router(tags=["records"])


class MeetingActionIn(Schema):
    description: str = Field(..., max_length=2000)
    owner: str = Field(..., max_length=64)
    due: IsoDate | None = None


class MeetingActionOut(Schema):
    id: int
    minutes_id: int
    description: str
    owner: str
    due: date | None
    change_request_id: int | None


class MinutesIn(Schema):
    held_on: IsoDate
    title: str = Field(..., max_length=200)
    attendees: str = Field(..., max_length=2000)
    topics: str = Field(..., max_length=10000)
    decisions: str = Field("", max_length=10000)
    actions: list[MeetingActionIn] = Field(default_factory=list, max_length=100)


class MinutesOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    held_on: date
    title: str
    attendees: str
    topics: str
    decisions: str
    actions: list[MeetingActionOut]

    @staticmethod
    def resolve_actions(obj: MeetingMinutes) -> list[Any]:
        return list(obj.actions.all())


class ToChangeIn(Schema):
    in_scope: Flag = True


class TuningIn(Schema):
    done_on: IsoDate
    what: str = Field(..., max_length=5000)
    why: str = Field(..., max_length=5000)
    measure: str = Field(..., max_length=128)
    before: str = Field(..., max_length=128)
    after: str = Field(..., max_length=128)
    system_id: Id | None = None


class TuningOut(Schema):
    id: int
    contract_id: int
    system_id: int | None
    done_on: date
    what: str
    why: str
    measure: str
    before: str
    after: str


class RecordsContractFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None


minutes_routes = ModelRoutes(
    router,
    "/meeting-minutes",
    MeetingMinutes.objects.prefetch_related("actions"),
    MinutesOut,
    id="minutes_id",
)
minutes_routes.list("需求沟通会议纪要", filters=RecordsContractFilter)
minutes_routes.detail("会议纪要详情")
items = ModelRoutes(
    router, "/action-items", ActionItem.objects.select_related("minutes"), MeetingActionOut, id="item_id"
)


@router.post(
    "/contracts/{contract_id}/meeting-minutes", response=responses(_201=MinutesOut), summary="登记会议纪要"
)
def minutes_create(request: Any, contract_id: Id, payload: MinutesIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    row = meetings.minutes_record(
        actor=request.user,
        contract=contract,
        context=AuditContext.from_request(request),
        actions=[meetings.Action(**a.dict()) for a in payload.actions],
        **payload.dict(exclude={"actions"}),
    )
    return Status(201, row)


@router.post(
    "/action-items/{action_id}/change-request",
    response=responses(_200=MeetingActionOut),
    summary="待办转为需求变更",
)
def action_to_change(request: Any, action_id: Id, payload: ToChangeIn) -> Any:
    item = items.get(request, action_id)
    return meetings.action_to_change_request(
        actor=request.user, item=item, in_scope=payload.in_scope, context=AuditContext.from_request(request)
    )


tuning = ModelRoutes(router, "/tuning-records", TuningRecord.objects.all(), TuningOut, id="tuning_id")
tuning.list("系统调优记录", filters=RecordsContractFilter)
tuning.detail("调优记录详情")


@router.post(
    "/contracts/{contract_id}/tuning-records", response=responses(_201=TuningOut), summary="登记系统调优记录"
)
def tuning_create(request: Any, contract_id: Id, payload: TuningIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    system = None
    if payload.system_id is not None:
        system = get_visible(MaintainedSystem.objects, request.user, pk=payload.system_id)
    row = meetings.tuning_record(
        actor=request.user,
        contract=contract,
        system=system,
        context=AuditContext.from_request(request),
        **payload.dict(exclude={"system_id"}),
    )
    return Status(201, row)
