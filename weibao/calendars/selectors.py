"""Reads of the calendars app: turn the stored calendars into cached schedules."""

from __future__ import annotations

import threading
import time
from datetime import date

from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone

from .models import StatutoryDay, StatutoryYear, WorkCalendar
from .schedule import CalendarSpec, Schedule

_lock = threading.Lock()
_statutory_cache: dict[str, object] = {}
_schedule_cache: dict[str, tuple[tuple, Schedule]] = {}


def statutory_version() -> tuple:
    """Changes whenever a statutory year is imported, replaced or removed."""
    row = StatutoryYear.objects.aggregate(n=Count("year"), last=Max("imported_at"))
    return (row["n"], row["last"])


def statutory_data(version: tuple | None = None) -> tuple[dict[date, bool], frozenset[int]]:
    """All statutory days (date → is_workday) and the covered years, cached per version."""
    version = version or statutory_version()
    with _lock:
        if _statutory_cache.get("version") == version:
            return _statutory_cache["data"]  # type: ignore[return-value]
    days = dict(StatutoryDay.objects.values_list("date", "is_workday"))
    years = frozenset(StatutoryYear.objects.values_list("year", flat=True))
    with _lock:
        _statutory_cache.update(version=version, data=(days, years))
    return days, years


def _weekly(raw: dict) -> dict[int, list[tuple[str, str]]]:
    return {int(day): [tuple(p) for p in periods] for day, periods in (raw or {}).items()}


def calendar_spec(
    calendar: WorkCalendar,
    *,
    statutory: tuple[dict[date, bool], frozenset[int]] | None = None,
) -> CalendarSpec:
    """The pure specification of a stored calendar."""
    overrides = {e.date: [tuple(p) for p in e.periods] for e in calendar.exceptions.all()}
    kwargs = {}
    if calendar.day_rule == "statutory_workdays":
        days, years = statutory or statutory_data()
        kwargs = {"statutory": days, "statutory_years": years}
    return CalendarSpec(
        weekly=_weekly(calendar.weekly),
        tz=calendar.tz,
        day_rule=calendar.day_rule,
        overrides=overrides,
        **kwargs,
    )


def schedule_for_calendar(calendar: WorkCalendar) -> Schedule:
    """A schedule for ``calendar``, rebuilt only when the calendar or the statutory data changed."""
    sv = statutory_version() if calendar.day_rule == "statutory_workdays" else None
    key = (calendar.pk, calendar.version, sv)
    with _lock:
        cached = _schedule_cache.get(calendar.code)
        if cached and cached[0] == key:
            return cached[1]
    schedule = Schedule(calendar_spec(calendar, statutory=statutory_data(sv) if sv else None))
    with _lock:
        _schedule_cache[calendar.code] = (key, schedule)
    return schedule


#: How long a process trusts a schedule without asking the database whether its calendar changed.
#: Changes made in this process clear it at once; other processes catch up within this time, and
#: the recomputation that follows every calendar change clears it before it runs.
CACHE_SECONDS = 5.0
_by_code: dict[str, tuple[float, Schedule]] = {}


def clear_cache() -> None:
    with _lock:
        _by_code.clear()
        _schedule_cache.clear()
        _statutory_cache.clear()


def schedule_by_code(code: str) -> Schedule:
    """The schedule of a calendar by code: the hot path of every ticket change."""
    now = time.monotonic()
    cached = _by_code.get(code)
    if cached is not None and cached[0] > now:
        return cached[1]
    calendar = WorkCalendar.objects.filter(code=code).first()
    if calendar is None:
        raise Http404(code)
    schedule = schedule_for_calendar(calendar)
    with _lock:
        _by_code[code] = (now + CACHE_SECONDS, schedule)
    return schedule


def missing_next_year(today: date | None = None) -> int | None:
    """From 1 October, the next year when its statutory arrangement has not been entered."""
    today = today or timezone.localdate()
    if today.month < 10:
        return None
    nxt = today.year + 1
    return None if StatutoryYear.objects.filter(year=nxt).exists() else nxt
