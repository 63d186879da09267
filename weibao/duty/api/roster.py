"""API of the duty rosters: holiday plans, shifts, who is on duty now, swaps, under the visibility
rule (cursor pages for every list)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.api import Flag, Id, IsoDateTime, responses
from weibao.core.api_crud import ModelRoutes
from weibao.core.tenancy import get_visible

from .. import selectors, services
from ..choices import DutyRole
from ..models import DutyShift, DutySwap, HolidayDutyPlan

router = Router(tags=["duty"])


class ShiftOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    plan_id: int | None
    engineer_id: int
    engineer_name: str
    role: str
    start: datetime
    end: datetime
    phone: str
    source: str

    @staticmethod
    def resolve_engineer_name(obj: DutyShift) -> str:
        return obj.engineer.get_full_name() or obj.engineer.username


class PlanOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    holiday: str
    start: date
    end: date
    systems: list[str]
    contacts: list[dict[str, Any]]
    emergency_plan_link: str
    notes: str


class SwapOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    shift_id: int
    from_engineer_id: int
    to_engineer_id: int
    reason: str
    state: str
    decided_at: datetime | None = None


class PlanFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    year: Annotated[int | None, Field(ge=2000, le=2100), FilterLookup("start__year")] = None


class ShiftFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    engineer: Annotated[Id | None, FilterLookup("engineer_id")] = None
    plan: Annotated[Id | None, FilterLookup("plan_id")] = None
    since: Annotated[IsoDateTime | None, FilterLookup("end__gt")] = None
    until: Annotated[IsoDateTime | None, FilterLookup("start__lt")] = None


plans = ModelRoutes(router, "/duty/plans", HolidayDutyPlan.objects.all(), PlanOut, id="plan_id")
plans.list("节假日保障方案", filters=PlanFilter)
plans.detail("节假日保障方案详情")

shifts = ModelRoutes(
    router, "/duty/shifts", DutyShift.objects.select_related("engineer"), ShiftOut, id="shift_id"
)
shifts.list("值班", filters=ShiftFilter)
shifts.detail("值班详情")

swaps = ModelRoutes(router, "/duty/swaps", DutySwap.objects.all(), SwapOut, id="swap_id")
swaps.list("换班申请")
swaps.detail("换班申请详情")


def _engineers(contract: Contract, ids: list[int]) -> list[User]:
    """The vendor's people the ids name, in the order given; an id that is not one of them is
    refused with the same words as one that does not exist."""
    found = {
        u.pk: u
        for u in User.objects.filter(
            pk__in=ids, memberships__organization_id=contract.vendor_id, memberships__is_active=True
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            {"engineer_ids": _("工程师 %(ids)s 不存在或不属于本合同厂商。") % {"ids": missing}}
        )
    return [found[i] for i in ids]


class HolidayPlansIn(Schema):
    year: int = Field(ge=2000, le=2100)
    engineer_ids: list[Id] = Field(min_length=1, max_length=50)
    emergency_plan_link: str = Field("", max_length=500)


@router.post(
    "/contracts/{contract_id}/holiday-plans",
    response=responses(_201=list[PlanOut]),
    summary="生成节假日保障方案",
)
def holiday_plans_generate(request: HttpRequest, contract_id: Id, payload: HolidayPlansIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    made = services.holiday_plans_generate(
        actor=request.user,
        contract=contract,
        year=payload.year,
        engineers=_engineers(contract, payload.engineer_ids),
        emergency_plan_link=payload.emergency_plan_link,
        context=AuditContext.from_request(request),
    )
    return Status(201, made)


@router.get(
    "/contracts/{contract_id}/on-duty",
    response=responses(_200=list[ShiftOut]),
    summary="此刻（或指定时刻）的值班",
)
def on_duty(request: HttpRequest, contract_id: Id, at: IsoDateTime | None = None) -> QuerySet[DutyShift]:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    return selectors.on_duty(contract, at or timezone.now())


class ShiftIn(Schema):
    contract_id: Id
    engineer_id: Id
    start: IsoDateTime
    end: IsoDateTime
    role: DutyRole = DutyRole.PRIMARY
    phone: str = Field("", max_length=32)


@router.post("/duty/shifts", response=responses(_201=ShiftOut), summary="排一个班")
def shift_create(request: HttpRequest, payload: ShiftIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    (engineer,) = _engineers(contract, [payload.engineer_id])
    shift = services.shift_create(
        actor=request.user,
        contract=contract,
        engineer=engineer,
        start=payload.start,
        end=payload.end,
        role=payload.role,
        phone=payload.phone,
        context=AuditContext.from_request(request),
    )
    return Status(201, shift)


class SwapIn(Schema):
    to_engineer_id: Id
    reason: str = Field(min_length=1, max_length=500)


@router.post("/duty/shifts/{shift_id}/swaps", response=responses(_201=SwapOut), summary="申请换班")
def swap_request(request: HttpRequest, shift_id: Id, payload: SwapIn) -> Any:
    shift = shifts.get(request, shift_id)
    (to_engineer,) = _engineers(shift.contract, [payload.to_engineer_id])
    swap = services.swap_request(
        actor=request.user,
        shift=shift,
        to_engineer=to_engineer,
        reason=payload.reason,
        context=AuditContext.from_request(request),
    )
    return Status(201, swap)


class SwapDecisionIn(Schema):
    approve: Flag


@router.post("/duty/swaps/{swap_id}/decision", response=responses(_200=SwapOut), summary="审批换班")
def swap_decide(request: HttpRequest, swap_id: Id, payload: SwapDecisionIn) -> DutySwap:
    return services.swap_decide(
        actor=request.user,
        swap=swaps.get(request, swap_id),
        approve=payload.approve,
        context=AuditContext.from_request(request),
    )
