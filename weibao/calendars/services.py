"""Writes of the calendars app: calendars, their exceptions, statutory years.

When the statutory data of a year changes, every deadline computed on it may change (a
provisional deadline becomes final). Apps that store deadlines register a listener with
:func:`weibao.calendars.changes.on_statutory_change`; it runs after the import commits, through
the job queue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record

from .models import CalendarException, DayRule, ExceptionSource, StatutoryDay, StatutoryYear, WorkCalendar
from .schedule import CalendarSpec, as_day_rule
from .selectors import clear_cache
from .statutory import StatutoryData, in_notice_year
from .tasks import calendar_changed, statutory_changed

if TYPE_CHECKING:
    from weibao.accounts.models import Organization, User

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _notify_statutory_change(years: frozenset[int]) -> None:
    clear_cache()  # this process sees the change at once, inside the transaction too
    transaction.on_commit(clear_cache)
    transaction.on_commit(lambda: statutory_changed(sorted(years)))


def _notify_calendar_change(code: str) -> None:
    clear_cache()  # this process sees the change at once, inside the transaction too
    transaction.on_commit(clear_cache)
    transaction.on_commit(lambda: calendar_changed([code]))


def _can_edit(actor: User | None, calendar_owner_id: int | None) -> bool:
    return permissions.can_edit_calendar(actor, calendar_owner_id)


def validate_weekly(weekly: object) -> dict[str, list[list[str]]]:
    """Normalise and check weekly periods; raise ValidationError naming the weekday."""
    if not isinstance(weekly, dict):
        raise ValidationError({"weekly": _("每周时段必须是 {星期: [[开始, 结束], …]}。")})
    clean: dict[str, list[list[str]]] = {}
    for key, periods in weekly.items():
        if str(key) not in {"0", "1", "2", "3", "4", "5", "6"}:
            raise ValidationError(
                {"weekly": _("星期必须是 0（周一）到 6（周日），而不是 %(k)s。") % {"k": key}}
            )
        if not isinstance(periods, list) or not all(
            isinstance(p, list | tuple) and len(p) == 2 for p in periods
        ):
            raise ValidationError(
                {"weekly": _('星期 %(k)s 的时段格式应为 [["08:00", "12:00"], …]。') % {"k": key}}
            )
        clean[str(key)] = [[str(a), str(b)] for a, b in periods]
    return clean


def _check_spec(
    tz: str,
    day_rule: str,
    weekly: Mapping[str, Sequence[Sequence[str]]],
    periods: Sequence[Sequence[str]] | None = None,
) -> None:
    """Let the arithmetic core judge times, zones and overlaps (one set of rules)."""
    try:
        CalendarSpec(
            weekly={int(k): [tuple(p) for p in v] for k, v in weekly.items()},
            tz=tz,
            day_rule=as_day_rule(day_rule),
            overrides={date(2000, 1, 1): [tuple(p) for p in periods]} if periods else {},
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def calendar_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    weekly: object,
    day_rule: str = DayRule.EVERY_DAY,
    tz: str = "Asia/Shanghai",
    owner: Organization | None = None,
    note: str = "",
    context: AuditContext | None = None,
) -> WorkCalendar:
    """Create a calendar. Platform admins create shared ones; an organisation's admins their own.
    ``actor=None`` is the system itself (a contract template declaring its calendars)."""
    if actor is not None and not _can_edit(actor, owner.pk if owner is not None else None):
        raise PermissionDenied(_("只有平台管理员或本机构管理员可以创建日历。"))
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise ValidationError({"code": _("代码只能包含小写字母、数字、- 和 _，最长 32 位。")})
    if WorkCalendar.objects.filter(code=code).exists():
        raise ValidationError({"code": _("日历代码“%(c)s”已存在。") % {"c": code}})
    if day_rule not in DayRule.values:
        raise ValidationError({"day_rule": _("未知的日规则。")})
    weekly = validate_weekly(weekly)
    _check_spec(tz, day_rule, weekly)
    with transaction.atomic():
        calendar = WorkCalendar.objects.create(
            code=code, name=name.strip(), weekly=weekly, day_rule=day_rule, tz=tz, owner=owner, note=note
        )
        audit_record(action="calendar.create", actor=actor, context=context, obj=calendar, organization=owner)
    return calendar


def calendar_update(
    *, actor: User, calendar: WorkCalendar, context: AuditContext | None = None, **fields: Any
) -> WorkCalendar:
    """Change a calendar's name, zone, day rule, weekly periods or note; built-ins only by
    platform admins (their meaning is fixed by contract templates)."""
    if not _can_edit(actor, calendar.owner_id):
        raise PermissionDenied(_("没有修改此日历的权限。"))
    allowed = {"name", "tz", "day_rule", "weekly", "note"}
    if set(fields) - allowed:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(set(fields) - allowed))})
    if "weekly" in fields:
        fields["weekly"] = validate_weekly(fields["weekly"])
    if fields.get("day_rule", calendar.day_rule) not in DayRule.values:
        raise ValidationError({"day_rule": _("未知的日规则。")})
    _check_spec(
        fields.get("tz", calendar.tz),
        fields.get("day_rule", calendar.day_rule),
        fields.get("weekly", calendar.weekly),
    )
    before = {k: getattr(calendar, k) for k in fields}
    with transaction.atomic():
        for key, value in fields.items():
            setattr(calendar, key, value)
        calendar.version = F("version") + 1
        calendar.updated_at = timezone.now()
        calendar.save(update_fields=[*fields, "version", "updated_at"])
        calendar.refresh_from_db()
        _notify_calendar_change(calendar.code)
        audit_record(
            action="calendar.update",
            actor=actor,
            context=context,
            obj=calendar,
            organization=calendar.owner,
            detail={"before": before, "after": fields},
        )
    return calendar


def calendar_delete(*, actor: User, calendar: WorkCalendar, context: AuditContext | None = None) -> None:
    if calendar.is_builtin:
        raise ValidationError(_("内置日历不能删除。"))
    if not _can_edit(actor, calendar.owner_id):
        raise PermissionDenied(_("没有删除此日历的权限。"))
    with transaction.atomic():
        audit_record(
            action="calendar.delete", actor=actor, context=context, obj=calendar, organization=calendar.owner
        )
        calendar.delete()


def _bump(calendar: WorkCalendar) -> None:
    WorkCalendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1, updated_at=timezone.now())
    _notify_calendar_change(calendar.code)


def exception_set(
    *,
    actor: User,
    calendar: WorkCalendar,
    day: date,
    periods: object,
    note: str = "",
    source: str = ExceptionSource.MANUAL,
    context: AuditContext | None = None,
) -> CalendarException:
    """Close a day (no periods) or open it with its own periods; replaces an existing exception."""
    if not _can_edit(actor, calendar.owner_id):
        raise PermissionDenied(_("没有修改此日历的权限。"))
    if not isinstance(periods, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in periods):
        raise ValidationError({"periods": _('时段格式应为 [["08:00", "12:00"], …]，闭馆为 []。')})
    periods = [[str(a), str(b)] for a, b in periods]
    _check_spec(calendar.tz, calendar.day_rule, {}, periods)
    with transaction.atomic():
        exc, _created = CalendarException.objects.update_or_create(
            calendar=calendar, date=day, defaults={"periods": periods, "note": note, "source": source}
        )
        _bump(calendar)
        audit_record(
            action="calendar.exception_set",
            actor=actor,
            context=context,
            obj=calendar,
            organization=calendar.owner,
            detail={"date": day, "periods": periods, "note": note},
        )
    return exc


def exception_delete(
    *, actor: User, exception: CalendarException, context: AuditContext | None = None
) -> None:
    calendar = exception.calendar
    if not _can_edit(actor, calendar.owner_id):
        raise PermissionDenied(_("没有修改此日历的权限。"))
    with transaction.atomic():
        audit_record(
            action="calendar.exception_delete",
            actor=actor,
            context=context,
            obj=calendar,
            organization=calendar.owner,
            detail={"date": exception.date},
        )
        exception.delete()
        _bump(calendar)


def statutory_year_set(
    *,
    actor: User | None,
    data: StatutoryData,
    year: int,
    source: str = "",
    context: AuditContext | None = None,
) -> StatutoryYear:
    """Enter (or replace) one year's statutory arrangement. Deadlines computed on that year are
    recomputed after commit."""
    if actor is not None and not permissions.can_maintain_holidays(actor):
        raise PermissionDenied(_("只有平台管理员可以维护法定节假日。"))
    # A notice may reach into the December before (元旦 2023 began on 2022-12-31): those days are
    # kept with this year's arrangement, replacing what another year held for them. A date in any
    # other year is refused, not dropped.
    outside = sorted(d for d in {*data.exceptions, *data.names} if not in_notice_year(d, year))
    if outside:
        raise ValidationError(
            _("这些日期不在 %(y)d 年的安排之内：%(d)s")
            % {"y": year, "d": ", ".join(d.isoformat() for d in outside[:10])}
        )
    days = dict(data.exceptions)
    # Named days that match the weekly rule (a holiday falling on a weekend) are kept for display.
    days.update({d: d.weekday() < 5 for d in data.names if d not in days})
    if year not in data.years and not days:
        raise ValidationError(_("数据中没有 %(y)d 年的安排。") % {"y": year})
    with transaction.atomic():
        StatutoryYear.objects.filter(year=year).delete()
        StatutoryDay.objects.filter(date__in=list(days)).delete()
        row = StatutoryYear.objects.create(
            year=year,
            source=(source or ", ".join(data.sources))[:200],
            papers=[s for s in data.sources if s.startswith("http")],
            imported_by=actor if actor is not None else None,
        )
        StatutoryDay.objects.bulk_create(
            StatutoryDay(year=row, date=d, is_workday=w, name=data.names.get(d, "")[:32])
            for d, w in sorted(days.items())
        )
        audit_record(
            action="statutory.import",
            actor=actor,
            context=context,
            detail={"year": year, "days": len(days), "source": row.source},
        )
        _notify_statutory_change(frozenset({year}))
    return row
