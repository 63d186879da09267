"""Pages of the calendars app: calendars, their exceptions, statutory holidays, a deadline calculator."""

from __future__ import annotations

import calendar as pycal
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.core.forms import submit
from weibao.core.tenancy import get_visible

from . import services
from .durations import DurationError, parse_duration
from .forms import (
    WEEKDAYS,
    CalendarForm,
    DueForm,
    ExceptionForm,
    HolidayImportForm,
    HolidayManualForm,
    format_periods,
)
from .models import CalendarException, StatutoryYear, WorkCalendar
from .selectors import missing_next_year, schedule_for_calendar
from .statutory import StatutoryData, parse_holiday_cn


def holiday_warning_panel(request: HttpRequest) -> dict[str, Any] | None:
    """On the home page of admins, from 1 October: next year's holidays are still missing."""
    user = request.user
    if not permissions.is_some_admin(user):
        return None
    year = missing_next_year()
    if year is None:
        return None
    return {
        "title": _("法定节假日待录入"),
        "template": "calendars/panel_missing_year.html",
        "year": year,
        "can_edit": permissions.can_maintain_holidays(user),
    }


def _calendar(request: HttpRequest, code: str) -> WorkCalendar:
    return get_visible(WorkCalendar.objects, request.user, code=code)


def _can_edit(user, calendar: WorkCalendar | None = None) -> bool:
    if permissions.is_platform_admin(user):
        return True
    return calendar is not None and permissions.can_edit_calendar(user, calendar.owner_id)


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    calendars = WorkCalendar.objects.visible_to(request.user).select_related("owner")
    return render(
        request,
        "calendars/calendar_list.html",
        {
            "calendars": calendars,
            "missing_year": missing_next_year(),
            "can_create": permissions.is_some_admin(request.user),
            "years": StatutoryYear.objects.order_by("-year")[:3],
        },
    )


def _month_grid(calendar: WorkCalendar, year: int, month: int) -> list[list[dict[str, Any] | None]]:
    schedule = schedule_for_calendar(calendar)
    names = {}
    if calendar.day_rule == "statutory_workdays":
        from .models import StatutoryDay

        names = {d.date: d for d in StatutoryDay.objects.filter(date__year=year, date__month=month)}
    weeks = []
    for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(None)
                continue
            periods = schedule.day_periods(day)
            statutory = names.get(day)
            row.append(
                {
                    "day": day,
                    "periods": ", ".join(
                        f"{a:%H:%M}-{'24:00' if b.hour == 0 and b.minute == 0 else f'{b:%H:%M}'}"
                        for a, b in periods
                    ),
                    "open": bool(periods),
                    "provisional": schedule.is_provisional_day(day),
                    "mark": (_("班") if statutory.is_workday else _("休")) if statutory else "",
                    "name": statutory.name if statutory else "",
                    "today": day == timezone.localdate(),
                }
            )
        weeks.append(row)
    return weeks


@login_required
def calendar_detail(request: HttpRequest, code: str) -> HttpResponse:
    calendar = _calendar(request, code)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        date(year, month, 1)
        if not 1900 < year < 9000:  # the years the calendar arithmetic covers, with a margin
            raise ValueError(year)
    except (ValueError, OverflowError):  # date() overflows on a year beyond a C long
        year, month = today.year, today.month
    prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
    next_m = (year + 1, 1) if month == 12 else (year, month + 1)
    weekly = [(WEEKDAYS[i], format_periods(calendar.weekly.get(str(i), []))) for i in range(7)]
    return render(
        request,
        "calendars/calendar_detail.html",
        {
            "calendar": calendar,
            "weekly": weekly,
            "weeks": _month_grid(calendar, year, month),
            "year": year,
            "month": month,
            "prev_m": prev_m,
            "next_m": next_m,
            "weekday_names": WEEKDAYS,
            "exceptions": calendar.exceptions.all(),
            "can_edit": _can_edit(request.user, calendar),
            "due_form": DueForm(
                initial={"start": timezone.localtime().replace(second=0, microsecond=0), "duration": "4h"}
            ),
            "exception_form": ExceptionForm(),
        },
    )


@login_required
def calendar_due(request: HttpRequest, code: str) -> HttpResponse:
    """The deadline calculator (htmx): start + duration on this calendar."""
    calendar = _calendar(request, code)
    form = DueForm(request.POST or request.GET or None)
    result = error = None
    if form.is_valid():
        try:
            duration = parse_duration(form.cleaned_data["duration"])
        except DurationError:
            error = _("时限格式不对：应为 90m、4h、2d 或 3wd，最长 366 天。")
        else:
            try:
                due, provisional = schedule_for_calendar(calendar).add_duration(
                    form.cleaned_data["start"], duration
                )
            except ValueError:  # before 1900, after 9000, or a calendar never open
                error = _("无法计算：开始时间须在 1900 至 9000 年之间，且日历须有开放时间。")
            else:
                result = {"due": due, "provisional": provisional}
    elif form.is_bound:
        error = _("请填写开始时间和时限。")
    return render(request, "calendars/_due_result.html", {"result": result, "error": error})


@login_required
def calendar_create(request: HttpRequest) -> HttpResponse:
    if not permissions.is_some_admin(request.user):
        raise PermissionDenied(_("只有管理员可以创建日历。"))
    form = CalendarForm(request.POST or None, initial={"day0": "08:00-12:00, 14:00-18:00"})

    def save(data: dict[str, Any]) -> WorkCalendar:
        owner = None
        administered = permissions.administered_org_ids(request.user)
        if administered is not None:
            owner = next(
                m.organization for m in request.user.active_memberships() if m.organization_id in administered
            )
        return services.calendar_create(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            weekly=data["weekly"],
            day_rule=data["day_rule"],
            tz=data["tz"],
            note=data["note"],
            owner=owner,
            context=AuditContext.from_request(request),
        )

    done = submit(request, form, save, then=_detail_url, message=_("日历已创建。"))
    return done or render(request, "calendars/calendar_form.html", {"form": form, "title": _("新建工作日历")})


def _detail_url(calendar: WorkCalendar) -> str:
    return reverse("calendars:calendar_detail", kwargs={"code": calendar.code})


@login_required
def calendar_edit(request: HttpRequest, code: str) -> HttpResponse:
    calendar = _calendar(request, code)
    if not _can_edit(request.user, calendar):
        raise PermissionDenied(_("没有修改此日历的权限。"))
    initial = {
        "code": calendar.code,
        "name": calendar.name,
        "day_rule": calendar.day_rule,
        "tz": calendar.tz,
        "note": calendar.note,
    }
    initial.update({f"day{i}": format_periods(calendar.weekly.get(str(i), [])) for i in range(7)})
    form = CalendarForm(request.POST or None, initial=initial, editing=True)
    done = submit(
        request,
        form,
        lambda data: services.calendar_update(
            actor=request.user,
            calendar=calendar,
            context=AuditContext.from_request(request),
            name=data["name"],
            weekly=data["weekly"],
            day_rule=data["day_rule"],
            tz=data["tz"],
            note=data["note"],
        ),
        then=_detail_url,
        message=_("日历已保存。"),
    )
    return done or render(
        request,
        "calendars/calendar_form.html",
        {"form": form, "title": _("修改工作日历"), "calendar": calendar},
    )


@login_required
@require_POST
def exception_add(request: HttpRequest, code: str) -> HttpResponse:
    calendar = _calendar(request, code)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.exception_set(
                actor=request.user,
                calendar=calendar,
                day=form.cleaned_data["date"],
                periods=form.cleaned_data["periods"],
                note=form.cleaned_data["note"],
                context=AuditContext.from_request(request),
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("例外日期已保存。"))
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("calendars:calendar_detail", code=calendar.code)


@login_required
@require_POST
def exception_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    calendar = _calendar(request, code)
    exception = CalendarException.objects.filter(calendar=calendar, pk=pk).first()
    if exception is None:
        raise Http404
    services.exception_delete(
        actor=request.user, exception=exception, context=AuditContext.from_request(request)
    )
    messages.success(request, _("例外日期已删除。"))
    return redirect("calendars:calendar_detail", code=calendar.code)


@login_required
def holiday_list(request: HttpRequest) -> HttpResponse:
    years = StatutoryYear.objects.order_by("-year")
    import_form = HolidayImportForm()
    manual_form = HolidayManualForm(initial={"year": timezone.localdate().year + 1})
    if request.method == "POST":
        if not permissions.can_maintain_holidays(request.user):
            raise PermissionDenied(_("只有平台管理员可以维护法定节假日。"))
        if "file" in request.FILES:
            import_form = HolidayImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                raw = import_form.cleaned_data["file"].read()
                try:
                    data = parse_holiday_cn(raw, source=import_form.cleaned_data["file"].name)
                except ValueError as exc:
                    import_form.add_error("file", str(exc))
                else:
                    (year,) = data.years
                    services.statutory_year_set(
                        actor=request.user, data=data, year=year, context=AuditContext.from_request(request)
                    )
                    messages.success(
                        request, _("已导入 %(y)d 年法定节假日，相关时限将重新计算。") % {"y": year}
                    )
                    return redirect("calendars:holiday_year", year=year)
        else:
            manual_form = HolidayManualForm(request.POST)
            if manual_form.is_valid():
                year = manual_form.cleaned_data["year"]
                parsed = manual_form.cleaned_data["parsed"]
                data = StatutoryData(
                    exceptions={d: w for d, w, _n in parsed if w != (d.weekday() < 5)},
                    years=frozenset({year}),
                    names={d: n for d, _w, n in parsed if n},
                    sources=("手工录入",),
                )
                services.statutory_year_set(
                    actor=request.user,
                    data=data,
                    year=year,
                    source="手工录入",
                    context=AuditContext.from_request(request),
                )
                messages.success(request, _("已保存 %(y)d 年法定节假日，相关时限将重新计算。") % {"y": year})
                return redirect("calendars:holiday_year", year=year)
    return render(
        request,
        "calendars/holiday_list.html",
        {
            "years": years,
            "import_form": import_form,
            "manual_form": manual_form,
            "missing_year": missing_next_year(),
            "can_edit": permissions.can_maintain_holidays(request.user),
        },
    )


@login_required
def holiday_year(request: HttpRequest, year: int) -> HttpResponse:
    row = StatutoryYear.objects.filter(year=year).first()
    if row is None:
        raise Http404
    return render(request, "calendars/holiday_year.html", {"row": row, "days": row.days.all()})
