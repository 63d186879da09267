"""Reads of the residency app: what the contract requires, the team, and a month's attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from weibao.calendars.models import WorkCalendar
from weibao.calendars.selectors import schedule_for_calendar
from weibao.contracts.models import Contract

from . import attendance
from .choices import LeaveState, MemberState
from .models import Attendance, LeaveRequest, TeamMember

IN_POST = (MemberState.ACTIVE, MemberState.LEAVING)


@dataclass(frozen=True)
class Requirement:
    """What the contract asks of its resident engineers (the template's ``residency``)."""

    min_count: int
    min_experience_years: int | None
    qualification: str
    calendar: WorkCalendar | None
    text: str


def requirement(contract: Contract) -> Requirement | None:
    """The contract's residency obligation, with its calendar (the contract's own copy of the
    template's calendar, named ``<hospital code>-<code>``, or a shared one); None without one."""
    data: dict[str, Any] | None = (contract.obligations or {}).get("residency")
    if not data:
        return None
    code = str(data.get("calendar") or "")
    candidates = [f"{contract.hospital.short_code.lower()}-{code}"[:32], code]
    found = {c.code: c for c in WorkCalendar.objects.filter(code__in=candidates)}
    calendar = next((found[c] for c in candidates if c in found), None)
    return Requirement(
        min_count=int(data.get("min_count") or 0),
        min_experience_years=data.get("min_experience_years"),
        qualification=str(data.get("qualification") or ""),
        calendar=calendar,
        text=str(data.get("text") or ""),
    )


def team(contract: Contract, *, include_past: bool = False) -> QuerySet[TeamMember]:
    """The contract's team: members in post and pending changes (past members on request)."""
    rows = TeamMember.objects.filter(contract=contract).select_related("user", "replaces")
    if not include_past:
        rows = rows.exclude(state__in=[MemberState.REMOVED, MemberState.REFUSED])
    return rows.prefetch_related("certificates")


def member_for_user(user: Any, contract: Contract) -> TeamMember | None:
    """The signed-in engineer's resident place under the contract, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TeamMember.objects.filter(contract=contract, user=user, resident=True, state__in=IN_POST).first()


def residencies_of(user: Any) -> QuerySet[TeamMember]:
    """Where the user is resident (for their check-in page)."""
    return TeamMember.objects.filter(user=user, resident=True, state__in=IN_POST).select_related(
        "contract", "hospital"
    )


def open_stay(member: TeamMember) -> Attendance | None:
    return Attendance.objects.filter(member=member, check_out__isnull=True).first()


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First day of the month and first day of the next."""
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1)


def opening_of(calendar: WorkCalendar, first: date, after: date) -> dict[date, list[attendance.Interval]]:
    """Each day's opening intervals of ``calendar`` in [first, after), grouped by local date."""
    zone = ZoneInfo(settings.TIME_ZONE)
    schedule = schedule_for_calendar(calendar)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(after, time.min, tzinfo=zone)
    out: dict[date, list[attendance.Interval]] = {}
    for a, b in schedule.open_intervals(start, end):
        out.setdefault(a.astimezone(zone).date(), []).append((a, b))
    return out


@dataclass(frozen=True)
class MemberMonth:
    member: TeamMember
    month: attendance.Month


@dataclass(frozen=True)
class AttendanceMonth:
    requirement: Requirement | None
    first: date
    rows: list[MemberMonth]
    staffing_missing: int

    @property
    def has_shortfall(self) -> bool:
        return self.staffing_missing > 0 or any(r.month.shortfalls for r in self.rows)


def month_attendance(
    contract: Contract, year: int, month: int, *, today: date | None = None
) -> AttendanceMonth:
    """Every resident engineer's workdays of the month against the residency calendar, with the
    shortfalls (see :mod:`weibao.residency.attendance`)."""
    req = requirement(contract)
    first, after = month_bounds(year, month)
    # Only days already over count: today and the rest of the month cannot fall short yet.
    until = min(after, today or timezone.localdate())
    opening = opening_of(req.calendar, first, until) if req and req.calendar and first < until else {}
    members = list(
        TeamMember.objects.filter(contract=contract, resident=True)
        .filter(Q(state__in=IN_POST) | Q(attendances__day__gte=first, attendances__day__lt=after))
        .distinct()
        .order_by("name", "pk")
    )
    stays: dict[int, list[attendance.Interval]] = {m.pk: [] for m in members}
    for row in Attendance.objects.filter(
        member__in=members, day__gte=first - timedelta(days=1), day__lt=after, check_out__isnull=False
    ):
        assert row.check_out is not None
        stays[row.member_id].append((row.check_in, row.check_out))
    leave: dict[int, set[date]] = {m.pk: set() for m in members}
    for row in LeaveRequest.objects.filter(
        member__in=members, state=LeaveState.APPROVED, start__lt=after, end__gte=first
    ):
        day = max(row.start, first)
        while day <= row.end and day < after:
            leave[row.member_id].add(day)
            day += timedelta(days=1)
    rows = [MemberMonth(m, attendance.month(opening, stays[m.pk], leave[m.pk])) for m in members]
    in_post = sum(1 for m in members if m.state in IN_POST)
    missing = attendance.staffing_shortfall(in_post=in_post, required=req.min_count if req else 0)
    return AttendanceMonth(req, first, rows, missing)
