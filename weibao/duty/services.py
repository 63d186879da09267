"""Writes of the duty rosters: holiday plans, weekly patterns and the shifts they give, single
shifts, swaps with approval, an engineer's calendar feed."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts import permissions
from weibao.accounts.models import User
from weibao.audit.context import AuditContext
from weibao.audit.services import audit_record
from weibao.calendars.models import StatutoryDay, StatutoryYear
from weibao.contracts.models import Contract, MaintainedSystem

from . import rota
from .choices import DutyRole, ShiftSource, SwapState
from .models import CalendarFeed, DutyPattern, DutyShift, DutySwap, HolidayDutyPlan


def _check_engineers(contract: Contract, engineers: Sequence[User], field: str = "engineers") -> None:
    if not engineers:
        raise ValidationError({field: _("请至少选择一名值班工程师。")})
    wrong = [str(u) for u in engineers if not permissions.may_stand_duty(u, contract)]
    if wrong:
        raise ValidationError(
            {field: _("%(names)s 不是本合同厂商的工程师，不能值班。") % {"names": "、".join(wrong)}}
        )


def _contacts(contract: Contract) -> list[dict[str, object]]:
    """The contract's contacts and escalation chain, as the plan prints them."""
    out = []
    for c in contract.contacts or []:
        if isinstance(c, dict):
            out.append(
                {
                    "role": str(c.get("role") or ""),
                    "name": str(c.get("name") or ""),
                    "phone": str(c.get("phone") or ""),
                    "escalation_level": c.get("escalation_level"),
                }
            )
    return out


def holiday_plans_generate(
    *,
    actor: User | None,
    contract: Contract,
    year: int,
    engineers: Sequence[User],
    emergency_plan_link: str = "",
    context: AuditContext | None = None,
) -> list[HolidayDutyPlan]:
    """节假日保障方案 for every statutory holiday of ``year`` within the contract's period: the
    holiday's dates from the statutory calendar, the contract's systems and contacts, and a duty
    group (primary and backup, :func:`rota.rotation`) for each day. Run again, it redraws the
    groups of the plans it made (a plan is identified by its contract and first day)."""
    permissions.require_manage_duty(actor, contract)
    _check_engineers(contract, engineers)
    if not StatutoryYear.objects.filter(year=year).exists():
        raise ValidationError({"year": _("%(y)d 年的法定节假日安排尚未导入。") % {"y": year}})
    days = {d.date: (d.is_workday, d.name) for d in StatutoryDay.objects.filter(year_id=year)}
    wanted = [
        h
        for h in rota.holidays(days)
        if h.end >= contract.start and (contract.end is None or h.start <= contract.end)
    ]
    if not wanted:
        raise ValidationError({"year": _("合同期内 %(y)d 年没有法定节假日。") % {"y": year}})
    tz = timezone.get_default_timezone()
    systems = list(
        MaintainedSystem.objects.filter(contract=contract).order_by("name").values_list("name", flat=True)
    )
    plans: list[HolidayDutyPlan] = []
    offset = 0
    with transaction.atomic():
        for holiday in wanted:
            plan, _created = HolidayDutyPlan.objects.update_or_create(
                contract=contract,
                start=holiday.start,
                defaults={
                    "hospital_id": contract.hospital_id,
                    "holiday": holiday.name,
                    "end": holiday.end,
                    "systems": systems,
                    "contacts": _contacts(contract),
                    "emergency_plan_link": emergency_plan_link,
                    "created_by": actor,
                },
            )
            plan.shifts.all().delete()
            shifts = []
            for group in rota.rotation(holiday.days, list(engineers), offset=offset):
                start, end = rota.day_span(group.day, tz)
                for engineer, role in ((group.primary, DutyRole.PRIMARY), (group.backup, DutyRole.BACKUP)):
                    if isinstance(engineer, User):
                        shifts.append(
                            DutyShift(
                                hospital_id=contract.hospital_id,
                                contract=contract,
                                plan=plan,
                                engineer=engineer,
                                role=role,
                                start=start,
                                end=end,
                                phone=engineer.phone,
                                source=ShiftSource.HOLIDAY,
                            )
                        )
            DutyShift.objects.bulk_create(shifts)
            offset += len(holiday.days)
            plans.append(plan)
        audit_record(
            action="duty.plan",
            actor=actor,
            context=context,
            obj=contract,
            detail={"year": year, "plans": [f"{p.holiday} {p.start}~{p.end}" for p in plans]},
        )
    return plans


def plan_update(
    *,
    actor: User | None,
    plan: HolidayDutyPlan,
    emergency_plan_link: str,
    notes: str,
    context: AuditContext | None = None,
) -> HolidayDutyPlan:
    """Change what a holiday plan says beyond its duty groups: the emergency plan, the measures."""
    permissions.require_manage_duty(actor, plan.contract)
    plan.emergency_plan_link, plan.notes = emergency_plan_link.strip(), notes.strip()
    with transaction.atomic():
        plan.save(update_fields=["emergency_plan_link", "notes"])
        audit_record(action="duty.plan_edit", actor=actor, context=context, obj=plan)
    return plan


def shift_create(
    *,
    actor: User | None,
    contract: Contract,
    engineer: User,
    start: datetime,
    end: datetime,
    role: str = DutyRole.PRIMARY,
    phone: str = "",
    context: AuditContext | None = None,
) -> DutyShift:
    """One shift drawn up by hand (a night, a weekend, an event)."""
    permissions.require_manage_duty(actor, contract)
    _check_engineers(contract, [engineer], "engineer")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("值班时间必须带时区。"))
    if end <= start:
        raise ValidationError({"end": _("结束时间必须晚于开始时间。")})
    if role not in DutyRole.values:
        raise ValidationError({"role": _("角色只能是主值班或备班。")})
    with transaction.atomic():
        shift = DutyShift.objects.create(
            hospital_id=contract.hospital_id,
            contract=contract,
            engineer=engineer,
            role=role,
            start=start,
            end=end,
            phone=phone or engineer.phone,
        )
        audit_record(action="duty.shift", actor=actor, context=context, obj=shift)
    return shift


def pattern_set(
    *,
    actor: User | None,
    contract: Contract,
    lines: Sequence[tuple[int, time, time, User, str]],
    context: AuditContext | None = None,
) -> list[DutyPattern]:
    """Replace the contract's weekly pattern with ``lines`` (weekday 0 = Monday, start, end,
    engineer, role)."""
    permissions.require_manage_duty(actor, contract)
    if lines:
        _check_engineers(contract, [line[3] for line in lines], "lines")
    for weekday, start, end, _engineer, role in lines:
        if not 0 <= weekday <= 6 or role not in DutyRole.values or start == end:
            raise ValidationError({"lines": _("每周排班的星期、时间或角色不正确。")})
    with transaction.atomic():
        DutyPattern.objects.filter(contract=contract).delete()
        rows = DutyPattern.objects.bulk_create(
            DutyPattern(
                hospital_id=contract.hospital_id,
                contract=contract,
                weekday=w,
                start_time=s,
                end_time=e,
                engineer=u,
                role=r,
            )
            for w, s, e, u, r in lines
        )
        audit_record(
            action="duty.pattern", actor=actor, context=context, obj=contract, detail={"lines": len(rows)}
        )
    return rows


def shifts_generate(
    *, actor: User | None, contract: Contract, first: date, last: date, context: AuditContext | None = None
) -> int:
    """Dated shifts from the contract's weekly pattern from ``first`` to ``last``, leaving out the
    days a holiday plan covers. Shifts the pattern gave before in that range are redrawn; shifts
    drawn by hand are kept. Returns how many shifts there are now from the pattern."""
    permissions.require_manage_duty(actor, contract)
    if last < first:
        raise ValidationError({"last": _("结束日期不能早于开始日期。")})
    if (last - first).days > 366:
        raise ValidationError({"last": _("一次最多生成一年的值班。")})
    lines = [
        rota.PatternLine(p.weekday, p.start_time, p.end_time, p)
        for p in DutyPattern.objects.filter(contract=contract).select_related("engineer")
    ]
    if not lines:
        raise ValidationError(_("本合同还没有每周排班。"))
    skip: set[date] = set()
    for plan in HolidayDutyPlan.objects.filter(contract=contract, end__gte=first, start__lte=last):
        skip.update(rota.Holiday(plan.holiday, plan.start, plan.end).days)
    tz = timezone.get_default_timezone()
    made = rota.pattern_shifts(lines, first, last, tz, skip=frozenset(skip))
    with transaction.atomic():
        DutyShift.objects.filter(
            contract=contract,
            source=ShiftSource.PATTERN,
            start__gte=rota.day_span(first, tz)[0],
            start__lt=rota.day_span(last, tz)[1],
        ).delete()
        rows = []
        for start, end, key in made:
            assert isinstance(key, DutyPattern)
            rows.append(
                DutyShift(
                    hospital_id=contract.hospital_id,
                    contract=contract,
                    engineer=key.engineer,
                    role=key.role,
                    start=start,
                    end=end,
                    phone=key.engineer.phone,
                    source=ShiftSource.PATTERN,
                )
            )
        DutyShift.objects.bulk_create(rows)
        audit_record(
            action="duty.generate",
            actor=actor,
            context=context,
            obj=contract,
            detail={"first": first.isoformat(), "last": last.isoformat(), "shifts": len(rows)},
        )
    return len(rows)


def swap_request(
    *,
    actor: User | None,
    shift: DutyShift,
    to_engineer: User,
    reason: str,
    context: AuditContext | None = None,
) -> DutySwap:
    """Ask to hand ``shift`` to ``to_engineer``; it changes hands when approved (:func:`swap_decide`)."""
    if not permissions.can_request_swap(actor, shift.contract, shift.engineer_id):
        raise PermissionDenied(_("只有当班工程师或排班人可以申请换班。"))
    _check_engineers(shift.contract, [to_engineer], "to_engineer")
    if to_engineer.pk == shift.engineer_id:
        raise ValidationError({"to_engineer": _("接班工程师不能是当班工程师本人。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写换班原因。")})
    if shift.end <= timezone.now():
        raise ValidationError(_("这个班已经结束，不能再换。"))
    if shift.swaps.filter(state=SwapState.REQUESTED).exists():
        raise ValidationError(_("这个班已有待审批的换班申请。"))
    with transaction.atomic():
        swap = DutySwap.objects.create(
            hospital_id=shift.hospital_id,
            contract_id=shift.contract_id,
            shift=shift,
            from_engineer_id=shift.engineer_id,
            to_engineer=to_engineer,
            reason=reason.strip()[:500],
            requested_by=actor,
        )
        audit_record(action="duty.swap_request", actor=actor, context=context, obj=swap)
    return swap


def swap_decide(
    *, actor: User | None, swap: DutySwap, approve: bool, context: AuditContext | None = None
) -> DutySwap:
    """Approve (the shift goes to the new engineer, with their phone) or refuse a swap."""
    if not permissions.can_decide_swap(actor, swap.contract):
        raise PermissionDenied(_("只有厂商经理或医院管理员可以审批换班。"))
    with transaction.atomic():
        swap = (
            DutySwap.objects.select_for_update(of=("self",))
            .select_related("shift", "to_engineer")
            .get(pk=swap.pk)
        )
        if swap.state != SwapState.REQUESTED:
            raise ValidationError(_("这个换班申请已经处理过了。"))
        swap.state = SwapState.APPROVED if approve else SwapState.REFUSED
        swap.decided_by, swap.decided_at = actor, timezone.now()
        swap.save(update_fields=["state", "decided_by", "decided_at"])
        if approve:
            shift = swap.shift
            shift.engineer, shift.phone = swap.to_engineer, swap.to_engineer.phone
            shift.save(update_fields=["engineer", "phone"])
        audit_record(
            action="duty.swap_decide", actor=actor, context=context, obj=swap, detail={"approved": approve}
        )
    return swap


def calendar_feed(*, user: User, renew: bool = False) -> CalendarFeed:
    """The user's calendar feed, made on first use; ``renew`` replaces its secret."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32))
    if renew:
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])
        audit_record(action="duty.feed_renew", actor=user, obj=user)
    return feed
