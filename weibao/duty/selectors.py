"""Reads of the duty rosters: who is on duty at an instant, an engineer's shifts, a plan's days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from weibao.accounts.models import User

from .choices import DutyRole
from .models import DutyShift, HolidayDutyPlan


def on_duty(contract: Any, at: datetime) -> QuerySet[DutyShift]:
    """The shifts of ``contract`` covering the instant ``at``, primary engineers first: one query
    (the ``duty_shift_contract_time`` index)."""
    contract_id = contract if isinstance(contract, int) else contract.pk
    return (
        DutyShift.objects.filter(contract_id=contract_id, start__lte=at, end__gt=at)
        .select_related("engineer")
        .order_by("-role", "start", "pk")
    )


def on_duty_engineers(contract: Any, at: datetime) -> list[User]:
    """The engineers on duty (the service desk's hook): primary first, each once."""
    seen: dict[int, User] = {}
    for shift in on_duty(contract, at):
        seen.setdefault(shift.engineer_id, shift.engineer)
    return list(seen.values())


@dataclass
class PlanDay:
    """One day of a holiday plan and its duty group."""

    day: date
    primary: list[DutyShift] = field(default_factory=list)
    backup: list[DutyShift] = field(default_factory=list)


def plan_days(plan: HolidayDutyPlan) -> list[PlanDay]:
    """Every day of the plan, each with the shifts that start that day (a day without one shows
    empty, so a gap in the plan is seen)."""
    tz = timezone.get_default_timezone()
    days = {
        plan.start + timedelta(days=i): PlanDay(plan.start + timedelta(days=i))
        for i in range((plan.end - plan.start).days + 1)
    }
    for shift in plan.shifts.select_related("engineer").order_by("start", "-role", "pk"):
        row = days.get(shift.start.astimezone(tz).date())
        if row is not None:
            (row.primary if shift.role == DutyRole.PRIMARY else row.backup).append(shift)
    return list(days.values())


def shifts_of(user: User, *, since: datetime | None = None) -> QuerySet[DutyShift]:
    """The user's own shifts (their calendar), from ``since`` on (default: 30 days ago)."""
    since = since or timezone.now() - timedelta(days=30)
    return (
        DutyShift.objects.filter(engineer=user, end__gt=since)
        .select_related("contract", "contract__hospital", "plan")
        .order_by("start", "pk")
    )
