"""API of the service team and resident engineers: the team, changes with the hospital's consent,
check-in and check-out, leave, evaluations and the monthly attendance."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from pydantic import ConfigDict

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.api import Flag, Id, IsoDate, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import selectors, services
from .choices import Channel, LeaveState, MemberState
from .models import LeaveRequest, TeamMember

router = Router(tags=["residency"])


class CertificateOut(Schema):
    id: int
    name: str
    number: str
    expires: date | None


class MemberOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    name: str
    role: str
    resident: bool
    experience_years: int
    qualifications: str
    state: MemberState
    replaces_id: int | None
    reason: str
    decision_note: str
    certificates: list[CertificateOut]

    @staticmethod
    def resolve_certificates(obj: TeamMember) -> list[Any]:
        return list(obj.certificates.all())


class MemberIn(Schema):
    name: str = Field(..., max_length=64)
    role: str = Field(..., max_length=64)
    resident: Flag = False
    experience_years: int = Field(0, ge=0, le=60)
    qualifications: str = Field("", max_length=2000)
    phone: str = Field("", max_length=32)
    replaces_id: Id | None = None
    reason: str = Field("", max_length=2000)


class ConsentIn(Schema):
    """The hospital's answer: exactly these two fields (anything else is refused, not ignored)."""

    model_config = ConfigDict(extra="forbid")

    consent: Flag
    note: str = Field("", max_length=2000)


class AttendanceCheckIn(Schema):
    channel: Channel = Channel.WEB


class LeaveIn(Schema):
    start: IsoDate
    end: IsoDate
    reason: str = Field(..., max_length=2000)


class LeaveOut(Schema):
    id: int
    member_id: int
    contract_id: int
    start: date
    end: date
    reason: str
    state: LeaveState
    decision_note: str


class EvaluationIn(Schema):
    period: str = Field(..., max_length=32)
    score: int = Field(..., ge=0, le=100)
    comment: str = Field("", max_length=2000)


class ResidentEvaluationOut(Schema):
    id: int
    member_id: int
    period: str
    score: int
    passed: bool
    comment: str


class AttendanceOut(Schema):
    id: int
    member_id: int
    day: date
    check_in: Any
    check_out: Any | None
    channel_in: str
    channel_out: str


class DayOut(Schema):
    day: date
    status: str
    required_minutes: int
    worked_minutes: int


class MemberMonthOut(Schema):
    member_id: int
    name: str
    workdays: int
    shortfalls: list[DayOut]


class MonthOut(Schema):
    month: str
    required_count: int
    staffing_missing: int
    has_shortfall: bool
    members: list[MemberMonthOut]


class TeamFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    state: MemberState | None = None
    resident: bool | None = None


def _ctx(request: Any) -> AuditContext:
    return AuditContext.from_request(request)


members = ModelRoutes(
    router,
    "/team-members",
    TeamMember.objects.prefetch_related("certificates"),
    MemberOut,
    id="member_id",
)
members.list("服务团队成员", filters=TeamFilter)
members.detail("服务团队成员详情")


@router.post(
    "/contracts/{contract_id}/team-members",
    response=responses(_201=MemberOut),
    summary="提出服务团队成员（或更换），待医院同意",
)
def member_propose(request: Any, contract_id: Id, payload: MemberIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    replaces = None
    if payload.replaces_id is not None:
        replaces = TeamMember.objects.filter(contract=contract, pk=payload.replaces_id).first()
        if replaces is None:
            raise ValidationError({"replaces_id": _("被替换的成员不属于该合同。")})
    data = payload.dict(exclude={"replaces_id"})
    member = services.member_propose(
        actor=request.user, contract=contract, replaces=replaces, context=_ctx(request), **data
    )
    return Status(201, member)


@router.post(
    "/team-members/{member_id}/decision",
    response=responses(_200=MemberOut),
    summary="医院同意或不同意成员变更",
)
def member_decide(request: Any, member_id: Id, payload: ConsentIn) -> Any:
    member = members.get(request, member_id)
    return services.member_decide(
        actor=request.user, member=member, consent=payload.consent, note=payload.note, context=_ctx(request)
    )


@router.post("/team-members/{member_id}/check-in", response=responses(_201=AttendanceOut), summary="驻场签到")
def check_in(request: Any, member_id: Id, payload: AttendanceCheckIn) -> Any:
    member = members.get(request, member_id)
    row = services.check_in(actor=request.user, member=member, channel=payload.channel, context=_ctx(request))
    return Status(201, row)


@router.post(
    "/team-members/{member_id}/check-out", response=responses(_200=AttendanceOut), summary="驻场签退"
)
def check_out(request: Any, member_id: Id, payload: AttendanceCheckIn) -> Any:
    member = members.get(request, member_id)
    return services.check_out(
        actor=request.user, member=member, channel=payload.channel, context=_ctx(request)
    )


@router.post(
    "/team-members/{member_id}/leave-requests", response=responses(_201=LeaveOut), summary="申请请假"
)
def leave_request(request: Any, member_id: Id, payload: LeaveIn) -> Any:
    member = members.get(request, member_id)
    row = services.leave_request(actor=request.user, member=member, context=_ctx(request), **payload.dict())
    return Status(201, row)


@router.post(
    "/team-members/{member_id}/evaluations",
    response=responses(_201=ResidentEvaluationOut),
    summary="医院考评驻场工程师",
)
def evaluate(request: Any, member_id: Id, payload: EvaluationIn) -> Any:
    member = members.get(request, member_id)
    return Status(
        201,
        services.evaluation_record(
            actor=request.user, member=member, context=_ctx(request), **payload.dict()
        ),
    )


leaves = ModelRoutes(router, "/leave-requests", LeaveRequest.objects.all(), LeaveOut, id="leave_id")
leaves.list("驻场请假申请")
leaves.detail("请假申请详情")


@router.post(
    "/leave-requests/{leave_id}/decision", response=responses(_200=LeaveOut), summary="医院批准或不批准请假"
)
def leave_decide(request: Any, leave_id: Id, payload: ConsentIn) -> Any:
    leave = leaves.get(request, leave_id)
    return services.leave_decide(
        actor=request.user, leave=leave, approve=payload.consent, note=payload.note, context=_ctx(request)
    )


class MonthQuery(Schema):
    month: str | None = Field(None, max_length=7, description="月份，例如 2026-11；省略则为本月")


def parse_month(value: str) -> tuple[int, int]:
    """``2026-11`` → (2026, 11); a clear error otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationError({"month": _("月份格式应为 YYYY-MM，例如 2026-11。")})
    return int(match.group(1)), int(match.group(2))


@router.get(
    "/contracts/{contract_id}/attendance", response=responses(_200=MonthOut), summary="驻场月度考勤与不足"
)
def month_attendance(request: Any, contract_id: Id, query: Query[MonthQuery]) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    value = query.month or timezone.localdate().strftime("%Y-%m")
    year, month = parse_month(value)
    result = selectors.month_attendance(contract, year, month)
    return {
        "month": value,
        "required_count": result.requirement.min_count if result.requirement else 0,
        "staffing_missing": result.staffing_missing,
        "has_shortfall": result.has_shortfall,
        "members": [
            {
                "member_id": row.member.pk,
                "name": row.member.name,
                "workdays": len(row.month.days),
                "shortfalls": [
                    {
                        "day": d.day,
                        "status": d.status,
                        "required_minutes": d.required // 60,
                        "worked_minutes": d.worked // 60,
                    }
                    for d in row.month.shortfalls
                ],
            }
            for row in result.rows
        ],
    }
