"""The month arithmetic as a table: status of a day from required time, time on site, leave."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from weibao.residency import attendance as a

Z = ZoneInfo("Asia/Shanghai")
D1, D2 = date(2026, 11, 2), date(2026, 11, 3)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=Z)


def hours(day: date) -> list[a.Interval]:
    return [(at(day, 8), at(day, 12)), (at(day, 14), at(day, 18))]


@pytest.mark.parametrize(
    ("stays", "leave", "status", "worked"),
    [
        ([], set(), a.ABSENT, 0),
        ([], {D1}, a.LEAVE, 0),
        ([(at(D1, 7, 30), at(D1, 18, 30))], set(), a.PRESENT, 8 * 3600),  # early/late adds nothing
        ([(at(D1, 8, 30), at(D1, 18))], set(), a.SHORT, 7 * 3600 + 1800),
        ([(at(D1, 8), at(D1, 12)), (at(D1, 13), at(D1, 18))], set(), a.PRESENT, 8 * 3600),
        ([(at(D1, 12), at(D1, 14))], set(), a.ABSENT, 0),  # only over lunch: nothing counts
        ([(at(D1, 9), at(D1, 10))], {D1}, a.LEAVE, 3600),  # approved leave is never a shortfall
    ],
)
def test_one_day(stays, leave, status, worked):
    month = a.month({D1: hours(D1)}, stays, leave)
    (day,) = month.days
    assert (day.status, day.worked, day.required) == (status, worked, 8 * 3600)
    assert (day in month.shortfalls) == (status in (a.SHORT, a.ABSENT))
    assert day.missing == (0 if status in (a.PRESENT, a.LEAVE) else 8 * 3600 - worked)


def test_a_month_lists_only_the_days_that_fall_short():
    month = a.month(
        {D1: hours(D1), D2: hours(D2)},
        [(at(D1, 8), at(D1, 18))],
        set(),
    )
    assert [d.day for d in month.shortfalls] == [D2]
    assert month.count(a.PRESENT) == 1 and month.count(a.ABSENT) == 1


@pytest.mark.parametrize(("in_post", "required", "missing"), [(2, 2, 0), (1, 2, 1), (0, 2, 2), (3, 2, 0)])
def test_staffing(in_post, required, missing):
    assert a.staffing_shortfall(in_post=in_post, required=required) == missing
