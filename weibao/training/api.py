"""API of training: sessions, QR sign-in, feedback, and the 用户培训记录 of a period."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status

from weibao.audit.context import AuditContext
from weibao.contracts.models import Contract
from weibao.core.api import Flag, Id, IsoDate, IsoDateTime, get_visible, responses
from weibao.core.api_crud import ModelRoutes

from . import selectors, services
from .choices import TrainingKind
from .models import Trainee, TrainingSession

router = Router(tags=["training"])


class SessionOut(Schema):
    id: int
    contract_id: int
    hospital_id: int
    kind: TrainingKind
    title: str
    trainer: str
    starts_at: datetime
    duration_minutes: int
    place: str
    remote: bool
    content: str
    materials: str
    sign_in_open: bool


class SessionIn(Schema):
    contract_id: Id
    kind: TrainingKind
    title: str = Field(..., max_length=200)
    trainer: str = Field(..., max_length=64)
    starts_at: IsoDateTime
    duration_minutes: int = Field(60, ge=1, le=1440)
    place: str = Field("", max_length=200)
    remote: Flag = False
    content: str = Field(..., max_length=10000)
    materials: str = Field("", max_length=10000)


class TraineeOut(Schema):
    id: int
    session_id: int
    user_id: int
    name: str
    department: str
    signed_at: datetime
    channel: str
    rating: int | None
    feedback: str


class SignInIn(Schema):
    token: str = Field(..., max_length=64)
    department: str = Field("", max_length=128)


class FeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    feedback: str = Field("", max_length=2000)


class SessionFilter(FilterSchema):
    contract: Annotated[Id | None, FilterLookup("contract_id")] = None
    kind: TrainingKind | None = None


class PeriodQuery(Schema):
    start: IsoDate | None = Field(None, description="期间开始（含）；省略则为本季度")
    end: IsoDate | None = Field(None, description="期间结束（不含）；省略则为本季度")


def _this_quarter() -> tuple[date, date]:
    today = timezone.localdate()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    after = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, after


class RecordOut(SessionOut):
    trainee_count: int
    rating_avg: float | None
    trainees: list[TraineeOut]

    @staticmethod
    def resolve_trainees(obj: TrainingSession) -> list[Any]:
        return list(obj.trainees.all())


sessions = ModelRoutes(
    router, "/training-sessions", TrainingSession.objects.all(), SessionOut, id="session_id"
)
sessions.list("培训", filters=SessionFilter)
sessions.detail("培训详情")


@sessions.create(SessionIn, "登记培训")
def session_create(request: Any, payload: SessionIn) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=payload.contract_id)
    return services.session_create(
        actor=request.user,
        contract=contract,
        context=AuditContext.from_request(request),
        **payload.dict(exclude={"contract_id"}),
    )


trainees = ModelRoutes(router, "/trainees", Trainee.objects.all(), TraineeOut, id="trainee_id")
trainees.list("学员签到记录")


@router.post(
    "/training-sessions/{session_id}/sign-in", response=responses(_201=TraineeOut), summary="扫码签到"
)
def sign_in(request: Any, session_id: Id, payload: SignInIn) -> Any:
    session = sessions.get(request, session_id)
    row = services.trainee_sign_in(
        actor=request.user,
        session=session,
        token=payload.token,
        department=payload.department,
        context=AuditContext.from_request(request),
    )
    return Status(201, row)


@router.post("/trainees/{trainee_id}/feedback", response=responses(_200=TraineeOut), summary="学员反馈")
def feedback(request: Any, trainee_id: Id, payload: FeedbackIn) -> Any:
    trainee = trainees.get(request, trainee_id)
    return services.trainee_feedback(
        actor=request.user, trainee=trainee, context=AuditContext.from_request(request), **payload.dict()
    )


@router.get(
    "/contracts/{contract_id}/training-records",
    response=responses(_200=list[RecordOut]),
    summary="用户培训记录（某期间 [start, end) 的培训）",
)
def training_records(request: Any, contract_id: Id, period: Query[PeriodQuery]) -> Any:
    contract = get_visible(Contract.objects, request.user, pk=contract_id)
    default_start, default_end = _this_quarter()
    start, end = period.start or default_start, period.end or default_end
    if end <= start or (end - start).days > 400:
        raise ValidationError({"end": _("结束日期须晚于开始日期，期间不超过 400 天。")})
    return list(selectors.training_records(contract, start, end))
