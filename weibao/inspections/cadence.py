"""Cadence → due dates: the pure rules of an inspection plan (no Django, no database).

The rules, as the seed contracts write them:

* ``monthly`` whose report is due ``{day_of_following_month: N}`` ("每月10日前巡检"): one inspection
  a calendar month, due on day N of that month; only the months whose day N lies in the period.
* Every other cadence cuts the period into slots from the contract's start: ``monthly`` 1 month,
  ``quarterly`` 3, ``half_yearly`` 6, ``yearly`` 12, ``{every_n_months: N}`` N months, and
  ``{times_per_year: N}`` 12/N months when N divides 12, otherwise each year of the period cut into
  N slots of (nearly) equal days. Each slot's inspection is due on the slot's last day; a last,
  shorter slot is due on the contract's last day.
* A due date on a day that is not a workday moves back to the previous workday (a 调休 make-up
  Saturday is a workday, so it stays).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Mapping
from datetime import date, timedelta

FIXED_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, clamped to the month's last day (01-31 + 1 → 02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def statutory_workday(statutory: Mapping[date, bool]) -> Callable[[date], bool]:
    """Whether a date is a workday under the statutory rule: the statutory entry if there is one
    (holiday ``False``, make-up day ``True``), otherwise Monday–Friday."""

    def is_workday(day: date) -> bool:
        explicit = statutory.get(day)
        return explicit if explicit is not None else day.weekday() < 5

    return is_workday


def previous_workday(day: date, is_workday: Callable[[date], bool]) -> date:
    """``day`` itself if it is a workday, else the closest workday before it."""
    for _ in range(60):  # no run of non-workdays is this long; the bound only stops a bad calendar
        if is_workday(day):
            return day
        day -= timedelta(days=1)
    return day


def workdays_before(day: date, n: int, is_workday: Callable[[date], bool]) -> date:
    """The workday ``n`` workdays before ``day`` (5 before Friday 10 April 2026 is Thursday 2 April:
    清明 is Monday the 6th)."""
    for _ in range(n):
        day = previous_workday(day - timedelta(days=1), is_workday)
    return day


def _month_days(start: date, end: date, day_of_month: int) -> list[date]:
    out: list[date] = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        due = date(cursor.year, cursor.month, min(day_of_month, monthrange(cursor.year, cursor.month)[1]))
        if start <= due <= end:
            out.append(due)
        cursor = add_months(cursor, 1)
    return out


def _month_slots(start: date, end: date, months: int) -> list[date]:
    out: list[date] = []
    k = 1
    while True:
        slot_end = add_months(start, months * k) - timedelta(days=1)
        if slot_end >= end:
            out.append(end)
            return out
        out.append(slot_end)
        k += 1


def _day_slots(start: date, end: date, times: int) -> list[date]:
    """Each year of the period cut into ``times`` slots of nearly equal days."""
    out: list[date] = []
    year_start = start
    while year_start <= end:
        year_end = min(add_months(year_start, 12) - timedelta(days=1), end)
        length = (add_months(year_start, 12) - year_start).days
        for i in range(1, times + 1):
            due = year_start + timedelta(days=length * i // times - 1)
            if due > year_end:
                out.append(year_end)
                break
            out.append(due)
        year_start = add_months(year_start, 12)
    return sorted(set(out))


def raw_due_dates(
    kind: str, n: int | None, start: date, end: date, *, day_of_month: int | None = None
) -> list[date]:
    """The due dates of one cadence over ``start``–``end`` (inclusive), before workday moves."""
    if end < start:
        return []
    if kind == "monthly" and day_of_month:
        return _month_days(start, end, day_of_month)
    if kind in FIXED_MONTHS:
        return _month_slots(start, end, FIXED_MONTHS[kind])
    if kind == "every_n_months":
        return _month_slots(start, end, n or 1)
    if kind == "times_per_year":
        times = n or 1
        if 12 % times == 0:
            return _month_slots(start, end, 12 // times)
        return _day_slots(start, end, times)
    raise ValueError(f"unknown cadence {kind!r}")


def due_dates(
    kind: str,
    n: int | None,
    start: date,
    end: date,
    *,
    is_workday: Callable[[date], bool],
    day_of_month: int | None = None,
) -> list[date]:
    """The due dates of one cadence, each moved back to a workday, in order."""
    return [
        previous_workday(d, is_workday) for d in raw_due_dates(kind, n, start, end, day_of_month=day_of_month)
    ]
