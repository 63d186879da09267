"""API of the calendars app: calendars, exceptions, statutory years, deadline arithmetic."""

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.core.api import Flag, Id, IsoDate, IsoDateTime, responses
from weibao.core.api_crud import ModelRoutes, paginated

from . import services
from .durations import DurationError, parse_duration
from .models import CalendarException, DayRule, StatutoryYear, WorkCalendar
from .selectors import schedule_for_calendar
from .statutory import StatutoryData, in_notice_year, parse_holiday_cn

router = Router(tags=["calendars"])

Periods = list[tuple[str, str]]


class CalendarOut(Schema):
    code: str
    name: str
    tz: str
    day_rule: DayRule
    weekly: dict[str, list[list[str]]]
    owner_id: int | None
    is_builtin: bool
    note: str
    version: int


class CalendarIn(Schema):
    code: str = Field(..., min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(..., min_length=1, max_length=64)
    tz: str = Field("Asia/Shanghai", max_length=64)
    day_rule: DayRule = DayRule.EVERY_DAY
    weekly: dict[Literal["0", "1", "2", "3", "4", "5", "6"], Periods]
    owner_id: Id | None = None
    note: str = Field("", max_length=256)


class CalendarPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=64)
    tz: str | None = Field(None, max_length=64)
    day_rule: DayRule | None = None
    weekly: dict[Literal["0", "1", "2", "3", "4", "5", "6"], Periods] | None = None
    note: str | None = Field(None, max_length=256)


class ExceptionOut(Schema):
    id: int
    date: date
    periods: list[list[str]]
    source: str
    note: str


class ExceptionIn(Schema):
    date: IsoDate
    periods: Periods = Field(default_factory=list, description="空列表表示全天不开放")
    note: str = Field("", max_length=128)


class DueIn(Schema):
    start: IsoDateTime = Field(..., description="ISO 8601；不带时区时按日历时区理解")
    duration: str = Field(..., description="90m、4h、2d（24 小时为一天）或 3wd（工作日）", examples=["4h"])


class DueOut(Schema):
    due: datetime
    provisional: bool


class ElapsedIn(Schema):
    start: IsoDateTime
    end: IsoDateTime


class ElapsedOut(Schema):
    seconds: int


class StatutoryDayIO(Schema):
    date: IsoDate
    is_workday: Flag
    name: str = Field("", max_length=32)


class StatutoryYearOut(Schema):
    year: int
    source: str
    papers: list[str]
    imported_at: datetime
    days: list[StatutoryDayIO]

    @staticmethod
    def resolve_days(obj: StatutoryYear) -> list[Any]:
        return list(obj.days.all())


class StatutoryYearIn(Schema):
    days: list[StatutoryDayIO]
    source: str = Field("手工录入", max_length=200)


class HolidayCnIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    papers: list[str] = Field(default_factory=list)
    days: list[dict[str, Any]]


def _aware(value: datetime, calendar: WorkCalendar) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(calendar.tz))


calendars = ModelRoutes(router, "/calendars", WorkCalendar.objects, CalendarOut, id="code", lookup="code")
calendars.list("工作日历列表")
calendars.detail("工作日历详情")


def _calendar(request, code: str) -> WorkCalendar:
    return calendars.get(request, code)


@calendars.create(CalendarIn, "新建工作日历")
def calendar_create(request, payload: CalendarIn):
    owner = None
    if payload.owner_id is not None:
        from weibao.accounts.models import Organization

        owner = Organization.objects.visible_to(request.user).filter(pk=payload.owner_id).first()
        if owner is None:
            raise HttpError(404, _("未找到所属机构。"))
    calendar = services.calendar_create(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        tz=payload.tz,
        day_rule=payload.day_rule,
        weekly={k: [list(p) for p in v] for k, v in payload.weekly.items()},
        owner=owner,
        note=payload.note,
        context=AuditContext.from_request(request),
    )
    return calendar


@calendars.update(CalendarPatch, "修改工作日历")
def calendar_update(request, calendar: WorkCalendar, payload: CalendarPatch):
    fields = payload.dict(exclude_none=True)
    if "weekly" in fields:
        fields["weekly"] = {k: [list(p) for p in v] for k, v in fields["weekly"].items()}
    return services.calendar_update(
        actor=request.user, calendar=calendar, context=AuditContext.from_request(request), **fields
    )


@calendars.delete("删除工作日历")
def calendar_delete(request, calendar: WorkCalendar):
    services.calendar_delete(
        actor=request.user, calendar=calendar, context=AuditContext.from_request(request)
    )


@router.get("/calendars/{code}/exceptions", response=responses(_200=list[ExceptionOut]), summary="例外日期")
@paginated
def exception_list(request, code: str):
    return _calendar(request, code).exceptions.all()


@router.post("/calendars/{code}/exceptions", response=responses(_201=ExceptionOut), summary="设置例外日期")
def exception_set(request, code: str, payload: ExceptionIn):
    exc = services.exception_set(
        actor=request.user,
        calendar=_calendar(request, code),
        day=payload.date,
        periods=[list(p) for p in payload.periods],
        note=payload.note,
        context=AuditContext.from_request(request),
    )
    return Status(201, exc)


@router.delete(
    "/calendars/{code}/exceptions/{exception_id}", response=responses(_204=None), summary="删除例外日期"
)
def exception_delete(request, code: str, exception_id: Id):
    calendar = _calendar(request, code)
    exc = CalendarException.objects.filter(calendar=calendar, pk=exception_id).first()
    if exc is None:
        raise HttpError(404, _("未找到。"))
    services.exception_delete(actor=request.user, exception=exc, context=AuditContext.from_request(request))
    return Status(204, None)


@router.post("/calendars/{code}/due", response=responses(_200=DueOut), summary="计算到期时间")
def calendar_due(request, code: str, payload: DueIn):
    calendar = _calendar(request, code)
    try:
        duration = parse_duration(payload.duration)
    except DurationError as exc:
        raise HttpError(400, str(exc)) from exc
    try:
        due, provisional = schedule_for_calendar(calendar).add_duration(
            _aware(payload.start, calendar), duration
        )
    except ValueError as exc:  # before 1900, after 9000, or a calendar never open
        raise HttpError(400, _("无法按此日历计算：%(e)s") % {"e": exc}) from exc
    return {"due": due, "provisional": provisional}


@router.post("/calendars/{code}/elapsed", response=responses(_200=ElapsedOut), summary="计算开放时长（秒）")
def calendar_elapsed(request, code: str, payload: ElapsedIn):
    calendar = _calendar(request, code)
    try:
        seconds = schedule_for_calendar(calendar).elapsed(
            _aware(payload.start, calendar), _aware(payload.end, calendar)
        )
    except ValueError as exc:
        raise HttpError(400, _("无法按此日历计算：%(e)s") % {"e": exc}) from exc
    return {"seconds": seconds}


@router.get("/holidays", response=responses(_200=list[int]), summary="已录入法定节假日的年份")
def holiday_years(request):
    return list(StatutoryYear.objects.order_by("year").values_list("year", flat=True))


@router.post("/holidays/import", response=responses(_200=StatutoryYearOut), summary="导入 holiday-cn JSON")
def holiday_import(request, payload: HolidayCnIn):
    if not permissions.can_maintain_holidays(request.user):
        raise PermissionDenied(_("只有平台管理员可以维护法定节假日。"))
    try:
        data = parse_holiday_cn(payload.dict(), source="request body")
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    return services.statutory_year_set(
        actor=request.user, data=data, year=payload.year, context=AuditContext.from_request(request)
    )


@router.get("/holidays/{int:year}", response=responses(_200=StatutoryYearOut), summary="一年的法定节假日")
def holiday_year(request, year: int):
    row = StatutoryYear.objects.filter(year=year).first()
    if row is None:
        raise HttpError(404, _("该年份尚未录入。"))
    return row


@router.put(
    "/holidays/{int:year}", response=responses(_200=StatutoryYearOut), summary="手工录入一年（平台管理员）"
)
def holiday_year_set(request, year: int, payload: StatutoryYearIn):
    if not 2000 <= year <= 2100:
        raise HttpError(400, _("年份超出范围。"))
    bad = [d.date.isoformat() for d in payload.days if not in_notice_year(d.date, year)]
    if bad:
        raise HttpError(400, _("这些日期不在 %(y)d 年的安排之内：%(d)s") % {"y": year, "d": ", ".join(bad)})
    data = StatutoryData(
        exceptions={d.date: d.is_workday for d in payload.days if d.is_workday != (d.date.weekday() < 5)},
        years=frozenset({year}),
        names={d.date: d.name for d in payload.days if d.name},
        sources=(payload.source,),
    )
    return services.statutory_year_set(
        actor=request.user,
        data=data,
        year=year,
        source=payload.source,
        context=AuditContext.from_request(request),
    )
