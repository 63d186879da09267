"""API of emergency plans, drills and incident reports (with the timeline and the DOCX)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status

from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract, MaintainedSystem
from weibao.core.api import Id, IsoDate, responses
from weibao.core.api_crud import ModelRoutes
from weibao.core.tenancy import get_visible
from weibao.servicedesk.models import Ticket

from .. import incidents
from ..models import Drill, EmergencyPlan, IncidentReport

router = Router(tags=["duty"])


class EmergencyPlanOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    system_id: int | None
    code: str
    version: int
    title: str
    content: str
    responsible_id: int
    escalation: list[dict[str, Any]]
    created_at: datetime


class DrillOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    plan_id: int
    date: date
    scenario: str
    participants: str
    findings: str


class CorrectiveActionOut(Schema):
    action: str
    owner: str
    due: date
    done: bool


class IncidentMilestoneOut(Schema):
    milestone: str
    at: datetime | None


class IncidentOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    title: str
    state: str
    ticket_ids: list[int]
    plan_id: int | None
    impact_systems: str
    impact_departments: str
    patients_affected: str
    root_cause: str
    data_loss: str
    actions: list[CorrectiveActionOut]
    timeline: list[IncidentMilestoneOut]
    signed_at: datetime | None = None

    @staticmethod
    def resolve_ticket_ids(obj: IncidentReport) -> list[int]:
        return sorted(t.pk for t in obj.tickets.all())

    @staticmethod
    def resolve_actions(obj: IncidentReport) -> list[Any]:
        return list(obj.actions.all())

    @staticmethod
    def resolve_timeline(obj: IncidentReport) -> list[dict[str, Any]]:
        tl = incidents.incident_timeline(obj)
        return [{"milestone": m, "at": at} for m, at in tl.milestones.items()]


class EmergencyContractFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None


plans = ModelRoutes(
    router, "/duty/emergency-plans", EmergencyPlan.objects.all(), EmergencyPlanOut, id="emergency_plan_id"
)
plans.list("应急预案", filters=EmergencyContractFilter)
plans.detail("应急预案详情")
drills = ModelRoutes(router, "/duty/drills", Drill.objects.all(), DrillOut, id="drill_id")
drills.list("应急演练", filters=EmergencyContractFilter)
drills.detail("应急演练详情")
reports = ModelRoutes(router, "/duty/incidents", IncidentReport.objects.all(), IncidentOut, id="incident_id")
reports.list("应急报告", filters=EmergencyContractFilter)
reports.detail("应急报告详情")


def _person(contract: Contract, pk: int) -> User:
    person = User.objects.filter(
        pk=pk,
        memberships__organization_id__in=[contract.vendor_id, contract.hospital_id],
        memberships__is_active=True,
    ).first()
    if person is None:
        raise ValidationError({"responsible_id": _("负责人不存在或不属于本合同的医院或厂商。")})
    return person


class EscalationIn(Schema):
    level: int = Field(ge=1, le=9)
    role: str = Field(max_length=64)
    name: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)


class EmergencyPlanIn(Schema):
    contract_id: Id
    code: str = Field(min_length=1, max_length=48)
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20000)
    responsible_id: Id
    escalation: list[EscalationIn] = Field(default_factory=list, max_length=20)
    system_id: Id | None = None


@router.post(
    "/duty/emergency-plans", response=responses(_201=EmergencyPlanOut), summary="保存应急预案（新版本）"
)
def emergency_plan_save(request: HttpRequest, payload: EmergencyPlanIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    system = None
    if payload.system_id is not None:
        system = MaintainedSystem.objects.filter(pk=payload.system_id, contract=contract).first()
        if system is None:
            raise ValidationError({"system_id": _("这个系统不在本合同内。")})
    plan = incidents.emergency_plan_save(
        actor=request.user,
        contract=contract,
        code=payload.code,
        title=payload.title,
        content=payload.content,
        responsible=_person(contract, payload.responsible_id),
        escalation=[e.dict() for e in payload.escalation],
        system=system,
        context=AuditContext.from_request(request),
    )
    return Status(201, plan)


class DrillIn(Schema):
    date: IsoDate
    scenario: str = Field(min_length=1, max_length=5000)
    participants: str = Field(min_length=1, max_length=2000)
    findings: str = Field("", max_length=10000)


@router.post(
    "/duty/emergency-plans/{emergency_plan_id}/drills",
    response=responses(_201=DrillOut),
    summary="登记应急演练",
)
def drill_record(request: HttpRequest, emergency_plan_id: Id, payload: DrillIn) -> Any:
    drill = incidents.drill_record(
        actor=request.user,
        plan=plans.get(request, emergency_plan_id),
        context=AuditContext.from_request(request),
        **incidents.drill_fields(payload.model_dump()),
    )
    return Status(201, drill)


@router.put("/duty/drills/{drill_id}", response=responses(_200=DrillOut), summary="修改应急演练")
def drill_update(request: HttpRequest, drill_id: Id, payload: DrillIn) -> Any:
    return incidents.drill_update(
        actor=request.user,
        drill=drills.get(request, drill_id),
        context=AuditContext.from_request(request),
        **incidents.drill_fields(payload.model_dump()),
    )


class IncidentIn(Schema):
    contract_id: Id
    title: str = Field(min_length=1, max_length=200)
    ticket_ids: list[Id] = Field(min_length=1, max_length=50)
    emergency_plan_id: Id | None = None


@router.post("/duty/incidents", response=responses(_201=IncidentOut), summary="新建应急报告")
def incident_create(request: HttpRequest, payload: IncidentIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    tickets = list(Ticket.objects.visible_to(request.user).filter(pk__in=payload.ticket_ids))
    if len(tickets) != len(set(payload.ticket_ids)):
        raise ValidationError({"ticket_ids": _("有工单不存在或您无权查看。")})
    plan = plans.get(request, payload.emergency_plan_id) if payload.emergency_plan_id else None
    report = incidents.incident_create(
        actor=request.user,
        contract=contract,
        title=payload.title,
        tickets=tickets,
        plan=plan,
        context=AuditContext.from_request(request),
    )
    return Status(201, report)


class CorrectiveActionIn(Schema):
    action: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=64)
    due: IsoDate


class IncidentPatch(Schema):
    impact_systems: str | None = Field(None, max_length=5000)
    impact_departments: str | None = Field(None, max_length=5000)
    patients_affected: str | None = Field(None, max_length=5000)
    root_cause: str | None = Field(None, max_length=10000)
    data_loss: str | None = Field(None, max_length=5000)
    actions: list[CorrectiveActionIn] | None = Field(None, max_length=50)


@reports.update(IncidentPatch, "修改应急报告")
def incident_update(request: HttpRequest, report: IncidentReport, payload: IncidentPatch) -> IncidentReport:
    data = payload.dict(exclude_unset=True)
    actions = data.pop("actions", None)
    return incidents.incident_update(
        actor=request.user,
        report=report,
        actions=None if actions is None else [(a["action"], a["owner"], a["due"]) for a in actions],
        context=AuditContext.from_request(request),
        **{k: v or "" for k, v in data.items()},
    )


@router.post(
    "/duty/incidents/{incident_id}/sign", response=responses(_200=IncidentOut), summary="签字确认应急报告"
)
def incident_sign(request: HttpRequest, incident_id: Id) -> IncidentReport:
    return incidents.incident_sign(
        actor=request.user,
        report=reports.get(request, incident_id),
        context=AuditContext.from_request(request),
    )


class PrintedOut(Schema):
    document_id: int
    sha256: str
    download_url: str


@router.post(
    "/duty/incidents/{incident_id}/print", response=responses(_201=PrintedOut), summary="打印应急报告（DOCX）"
)
def incident_print(request: HttpRequest, incident_id: Id) -> Any:
    document = incidents.incident_print(
        actor=request.user,
        report=reports.get(request, incident_id),
        context=AuditContext.from_request(request),
    )
    return Status(
        201,
        {
            "document_id": document.pk,
            "sha256": document.sha256,
            "download_url": reverse("documents:download", args=[document.pk]),
        },
    )
